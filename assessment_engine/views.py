"""The root page: where to go from `http://127.0.0.1:8000/` (links only, nothing private)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # Flower listens on its own port of the same host (`make run`, docker-compose.yml).
    host, _port = split_domain_port(request.get_host())
    flower_url = f"{request.scheme}://{host}:{settings.FLOWER_PORT}/"
    return render(request, "home.html", {"flower_url": flower_url})

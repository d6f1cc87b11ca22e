"""The API docs work offline (every asset is ours and served), and `/` points at them."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

DOCS_PAGES = ["/api/v1/docs", "/api/v1/redoc"]
# The assets each page needs to render (the rest of the page is the schema, fetched locally).
REQUIRED_ASSETS = {
    "/api/v1/docs": ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"],
    "/api/v1/redoc": ["redoc.standalone.js"],
}


class AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def asset_urls(html: str) -> list[str]:
    collector = AssetCollector()
    collector.feed(html)
    return collector.urls


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_HOST="127.0.0.1:8000")


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_page_loads_only_local_assets_and_each_is_served(browser, page):
    response = browser.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    # nothing remote anywhere on the page: no CDN, no web fonts
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w+/", html) == []
    urls = asset_urls(html)
    for name in REQUIRED_ASSETS[page]:
        assert any(url.endswith("/" + name) for url in urls), (name, urls)
    for url in urls:
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        asset = browser.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content), url


@pytest.mark.django_db
def test_the_schema_the_pages_load_is_served_without_a_token(browser):
    response = browser.get("/api/v1/schema")

    assert response.status_code == 200
    assert b"openapi: 3" in response.content


def test_collectstatic_gathers_the_docs_assets_for_whitenoise(tmp_path: Path):
    # what `make run` and the Dockerfile do before WhiteNoise serves STATIC_ROOT (compression
    # left out: it is WhiteNoise's business and slow)
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)

    sidecar = tmp_path / "drf_spectacular_sidecar"
    for name in ["swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"]:
        [collected] = sidecar.rglob(name)
        assert collected.stat().st_size > 1000


def test_root_page_links_the_docs_the_admin_and_flower(browser, settings):
    settings.FLOWER_PORT = 5599

    response = browser.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    urls = asset_urls(response.content.decode())
    assert {"/api/v1/docs", "/api/v1/redoc", "/api/v1/schema", "/admin/"} <= set(urls)
    assert "http://127.0.0.1:5599/" in urls


def test_root_page_is_read_only_and_other_unknown_paths_stay_404(browser):
    assert browser.post("/").status_code == 405
    assert browser.head("/").status_code == 200
    assert browser.get("/no-such-page").status_code == 404

"""Syllabus admin: list, search, text preview, and a multi-file upload page.

The upload page calls the same `syllabus_upload` service as the API.
"""

from pathlib import Path

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.text import Truncator
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from assessment_engine.api.errors import DomainError
from assessment_engine.db import ReplicaListMixin

from . import services
from .forms import SyllabusUploadForm
from .models import Syllabus
from .uploads import install_limited_upload_handler

TEXT_PREVIEW_CHARACTERS = 3000


@admin.register(Syllabus)
class SyllabusAdmin(ReplicaListMixin, admin.ModelAdmin):
    list_display = ["subject", "original_filename", "page_count", "text_length", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["subject", "original_filename"]
    ordering = ["-created_at"]
    show_full_result_count = False
    readonly_fields = [
        "id",
        "subject",
        "original_filename",
        "file",
        "file_size",
        "page_count",
        "text_length",
        "content_hash",
        "extraction_engine",
        "uploaded_by",
        "created_at",
        "updated_at",
        "text_preview",
    ]
    exclude = ["text"]
    change_list_template = "admin/syllabus/syllabus/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("text")

    def has_add_permission(self, request) -> bool:
        return False  # syllabi arrive through the upload page, which extracts their text

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_upload_permission(self, request) -> bool:
        # The admin's own "add" page is off (has_add_permission), but uploading adds syllabi.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": self.has_upload_permission(request)}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Text preview")
    def text_preview(self, obj: Syllabus) -> str:
        return Truncator(obj.text).chars(TEXT_PREVIEW_CHARACTERS)

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="syllabus_syllabus_upload"), *super().get_urls()]

    @method_decorator(csrf_exempt)
    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_upload_permission(request):
            raise PermissionDenied
        # The size-limiting upload handler must be installed before anything reads the body,
        # CSRF checking included; so CSRF is checked right after, by hand.
        handler = install_limited_upload_handler(request) if request.method == "POST" else None
        return csrf_protect(self._upload)(request, handler)

    def _upload(self, request: HttpRequest, handler) -> HttpResponse:
        results, rejected = [], []
        form = SyllabusUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and handler and handler.refusal:
            form.add_error("files", handler.refusal.message)
        elif request.method == "POST" and form.is_valid():
            uploads = [
                services.PdfUpload(f.name, Path(f.temporary_file_path()), f.size)
                for f in form.cleaned_data["files"]
            ]
            try:
                results = services.syllabus_upload(
                    subject=form.cleaned_data["subject"], files=uploads, uploaded_by=request.user
                )
            except DomainError as exc:
                rejected = exc.details.get("files") or [
                    {"filename": exc.details.get("filename", "—"), "message": exc.message}
                ]
                messages.error(request, "Nothing was stored: fix or remove the rejected files.")
            else:
                created = sum(result.created for result in results)
                messages.success(
                    request, f"{created} syllabus(es) created, {len(results) - created} existed."
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload syllabi",
            "form": form,
            "results": results,
            "rejected": rejected,
        }
        return TemplateResponse(request, "admin/syllabus/syllabus/upload.html", context)

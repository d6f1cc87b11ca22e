"""Staff endpoints for syllabi: upload, list, detail."""

from pathlib import Path

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessment_engine.api.errors import PayloadTooLarge
from assessment_engine.api.parsers import SafeMultiPartParser
from assessment_engine.api.permissions import IsStaff
from assessment_engine.api.routers import UUID_PATH_PATTERN
from assessment_engine.api.schema import ERROR_RESPONSES, LIST_ERROR_RESPONSES, error_responses

from . import selectors, services
from .serializers import (
    SyllabusDetailSerializer,
    SyllabusSerializer,
    UploadRequestSerializer,
    UploadResponseSerializer,
)
from .uploads import install_limited_upload_handler, request_body_ceiling

FILE_FIELDS = ("files[]", "files")


class SyllabusFilterSerializer(serializers.Serializer):
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200)


@extend_schema_view(
    list=extend_schema(
        summary="List syllabi (staff)",
        description="Paginated, newest first, without the extracted text; filter by `subject`.",
        parameters=[
            OpenApiParameter(
                "subject",
                str,
                description="exact subject, any case (at most 200 characters, no NUL)",
                pattern=r"^[^\x00]{0,200}$",
            )
        ],
        responses={
            200: SyllabusSerializer(many=True),
            **LIST_ERROR_RESPONSES,
            **error_responses(403),
        },
    ),
    retrieve=extend_schema(
        summary="One syllabus with its extracted text (staff)",
        description="The list's fields plus `text`, the normalised text generation reads.",
        responses={200: SyllabusDetailSerializer, **ERROR_RESPONSES, **error_responses(403, 404)},
    ),
)
class SyllabusViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsStaff]
    serializer_class = SyllabusSerializer
    lookup_url_kwarg = "syllabus_id"
    lookup_value_regex = UUID_PATH_PATTERN

    def get_queryset(self):
        filters = SyllabusFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)  # e.g. a NUL byte, which PostgreSQL refuses
        return selectors.syllabus_list(subject=filters.validated_data.get("subject"))

    def retrieve(self, request: Request, syllabus_id: str) -> Response:
        syllabus = selectors.syllabus_get(syllabus_id=syllabus_id)
        return Response(SyllabusDetailSerializer(syllabus).data)

    @extend_schema(
        summary="Upload syllabus PDFs (staff)",
        description=(
            "`multipart/form-data` with `subject` and one or more PDFs under `files[]` (or "
            "`files`). All or nothing: one bad file (not a PDF by content: 415; over "
            "`SYLLABUS_MAX_UPLOAD_BYTES`: 413; encrypted, corrupt, too many pages or no text: "
            "422 with `details.filename`) stores nothing. A file whose text the subject already "
            "has returns the existing syllabus with `created: false`; 201 when something was "
            "created, else 200."
        ),
        request={"multipart/form-data": UploadRequestSerializer},
        responses={
            201: UploadResponseSerializer,
            200: UploadResponseSerializer,
            **ERROR_RESPONSES,
            **error_responses(403, 413, 415, 422),
        },
    )
    @action(detail=False, methods=["post"], url_path="upload", parser_classes=[SafeMultiPartParser])
    def upload(self, request: Request) -> Response:
        if int(request.META.get("CONTENT_LENGTH") or 0) > request_body_ceiling():
            raise PayloadTooLarge("The request is larger than any acceptable upload.")
        handler = install_limited_upload_handler(request._request)
        subject = request.data.get("subject", "")
        files = [upload for field in FILE_FIELDS for upload in request.FILES.getlist(field)]
        if handler.refusal:
            raise handler.refusal
        uploads = [
            services.PdfUpload(upload.name, Path(upload.temporary_file_path()), upload.size)
            for upload in files
        ]
        results = services.syllabus_upload(subject=subject, files=uploads, uploaded_by=request.user)
        created = any(result.created for result in results)
        body = UploadResponseSerializer({"syllabi": results}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

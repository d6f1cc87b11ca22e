from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    """Staff endpoints: authenticated and `is_staff` (a candidate gets 403)."""

    message = "This endpoint is for staff only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)

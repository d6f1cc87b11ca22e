from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    """Staff endpoints: authenticated and `is_staff` (a candidate gets 403)."""

    message = "This endpoint is for staff only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsStaffWith(IsStaff):
    """Staff holding one Django permission (the admin's rule for the same action): staff
    without it get 403 here as they do in the admin."""

    def __init__(self, permission: str) -> None:
        self.permission = permission
        self.message = f"This endpoint needs the {permission} permission."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(self.permission)

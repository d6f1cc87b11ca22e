import math

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError

from assessment_engine.api.throttling import client_ident, login_throttle_wait

from .models import User
from .password_slots import NoFreeSlot, Owner
from .services import password_check_slots


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login, held to the API login's limits: the same per-account and per-address
    counts in Redis (one budget for both doors, so the admin is no side entrance for guessing a
    password) and the same fair share of the host's password-check slots."""

    def clean(self):
        wait = login_throttle_wait(self.request)
        if wait:
            raise ValidationError(
                "Too many login attempts. Try again in %(seconds)d seconds.",
                code="throttled",
                params={"seconds": max(1, math.ceil(wait))},
            )
        owner = Owner.of(
            client=client_ident(self.request), username=self.cleaned_data.get("username") or ""
        )
        try:
            with password_check_slots().hold(owner):
                return super().clean()
        except NoFreeSlot as exc:
            raise ValidationError(
                "This server is checking as many passwords as it may at once; retry in a moment.",
                code="throttled",
            ) from exc


admin.site.login_form = ThrottledAdminAuthenticationForm
admin.site.register(User, UserAdmin)

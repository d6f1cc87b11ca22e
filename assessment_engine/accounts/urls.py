from django.urls import re_path

from .apis import LoginApi, LogoutApi, MeApi

urlpatterns = [
    re_path(r"^login/?$", LoginApi.as_view(), name="auth-login"),
    re_path(r"^logout/?$", LogoutApi.as_view(), name="auth-logout"),
    re_path(r"^me/?$", MeApi.as_view(), name="auth-me"),
]

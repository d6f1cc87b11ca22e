"""Make sure a superuser exists (for `make run`): idempotent and quiet when one does."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create the superuser DJANGO_SUPERUSER_USERNAME (default 'admin') with "
        "DJANGO_SUPERUSER_PASSWORD, or a random password printed once. Does nothing if it "
        "exists."
    )

    def handle(self, *args, **options):
        username = settings.DJANGO_SUPERUSER_USERNAME
        env_password = settings.DJANGO_SUPERUSER_PASSWORD
        User = get_user_model()
        with transaction.atomic():
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"Admin account {username!r} exists.")
                return
            password = env_password or secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
        if env_password:
            self.stdout.write(f"Created admin account {username!r} (password from environment).")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Created admin account {username!r} with password: {password}\n"
                    "It is shown only this once; change it in the admin."
                )
            )

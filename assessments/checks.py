"""System checks: the policy defaults from the environment must be valid policies."""

from django.conf import settings
from django.core.checks import Error, register

from .models import ReviewLevel


@register()
def check_policy_defaults(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.ASSESSMENT_DEFAULT_MAX_ATTEMPTS < 1:
        errors.append(
            Error(
                "ASSESSMENT_DEFAULT_MAX_ATTEMPTS must be at least 1.",
                id="assessments.E001",
            )
        )
    if settings.ASSESSMENT_DEFAULT_REVIEW_POLICY not in ReviewLevel.values:
        errors.append(
            Error(
                f"ASSESSMENT_DEFAULT_REVIEW_POLICY must be one of {', '.join(ReviewLevel.values)}.",
                id="assessments.E002",
            )
        )
    return errors

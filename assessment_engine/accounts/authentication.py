from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# Where a request keeps the outcome of its bearer token's check (see `authenticate`).
_OUTCOME_ATTRIBUTE = "_bearer_token_outcome"
_NOT_CHECKED = object()


class BearerTokenAuthentication(TokenAuthentication):
    """knox's hashed, expiring tokens, checked once per request and without knox's per-request
    sweep of the user's other tokens.

    The idempotency middleware needs the user before the view runs, and DRF authenticates again
    in the view: the outcome of the first check (user and token, no token, or the refusal) is
    kept on the Django request, and the second takes it from there instead of looking the token
    up again. Both checks happen within the same request, so expiry and revocation mean what
    they mean in knox.

    knox deletes a user's expired tokens on every authenticated request (an extra query per
    request); here an expired token is simply refused, and the `purge_expired_auth_tokens`
    maintenance task clears the table in bulk.
    """

    def authenticate(self, request):
        http_request = getattr(request, "_request", request)
        outcome = getattr(http_request, _OUTCOME_ATTRIBUTE, _NOT_CHECKED)
        if outcome is _NOT_CHECKED:
            try:
                outcome = super().authenticate(request)
            except AuthenticationFailed as refusal:
                outcome = refusal
            setattr(http_request, _OUTCOME_ATTRIBUTE, outcome)
        if isinstance(outcome, AuthenticationFailed):
            raise AuthenticationFailed(outcome.detail)
        return outcome

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()

from django.utils import timezone
from knox.auth import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """knox's hashed, expiring tokens, without its per-request sweep of the user's other tokens.

    knox deletes a user's expired tokens on every authenticated request (an extra query per
    request); here an expired token is simply refused, and the `purge_expired_auth_tokens`
    maintenance task clears the table in bulk.
    """

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()

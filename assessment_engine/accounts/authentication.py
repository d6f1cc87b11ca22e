import binascii
from functools import cache
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework.exceptions import AuthenticationFailed

from assessment_engine.db import PRIMARY

# Where a request keeps the outcome of its bearer token's check (see `authenticate`).
_OUTCOME_ATTRIBUTE = "_bearer_token_outcome"
_NOT_CHECKED = object()


class BearerTokenAuthentication(TokenAuthentication):
    """knox's hashed, expiring tokens, checked once per request, on one fixed statement, and
    without knox's per-request sweep of the user's other tokens.

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

    def authenticate_credentials(self, token: bytes):
        """knox's check (the digest compared in constant time; expired tokens and inactive users
        refused) over the tokens that share the token's key, read with their users."""
        token = token.decode("utf-8")
        for auth_token in _tokens_with_users(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                break
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed(_("Invalid token."))

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


def _tokens_with_users(token_key: str) -> list:
    """The AuthTokens with this key and their users, as knox's
    `filter(token_key=...).select_related("user")` gives them, from a statement written once
    per process: the ORM would build and compile that queryset on every request, most of the
    lookup's cost (docs/BENCHMARKS.md, "Quiet-host run")."""
    sql, token_fields, user_fields = _token_lookup_statement()
    token_model, user_model = get_token_model(), get_user_model()
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(sql, [token_key])
        rows = cursor.fetchall()
    tokens = []
    for row in rows:
        auth_token = token_model.from_db(PRIMARY, token_fields, row[: len(token_fields)])
        user = user_model.from_db(PRIMARY, user_fields, row[len(token_fields) :])
        token_model.user.field.set_cached_value(auth_token, user)
        tokens.append(auth_token)
    return tokens


@cache
def _token_lookup_statement() -> tuple[str, list[str], list[str]]:
    """SELECT every column of the token and of its user, by token key; with the attribute
    names of each part, in order."""
    token_meta, user_meta = get_token_model()._meta, get_user_model()._meta
    quote = connections[PRIMARY].ops.quote_name
    user_key = token_meta.get_field("user")
    columns = [f"t.{quote(field.column)}" for field in token_meta.concrete_fields]
    columns += [f"u.{quote(field.column)}" for field in user_meta.concrete_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(token_meta.db_table)} t"  # noqa: S608 - names from the models
        f" JOIN {quote(user_meta.db_table)} u"
        f" ON u.{quote(user_key.target_field.column)} = t.{quote(user_key.column)}"
        f" WHERE t.{quote(token_meta.get_field('token_key').column)} = %s"
    )
    return (
        sql,
        [field.attname for field in token_meta.concrete_fields],
        [field.attname for field in user_meta.concrete_fields],
    )

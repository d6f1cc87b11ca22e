"""Database aliases: the primary, and (when DATABASE_REPLICA_URL is set) a read replica.

Reads go to the replica only where a selector asks for it (`replica()`): job-status polling,
assessment listings and admin list pages. Everything inside a transition, a submission or any
transaction stays on the primary, so it always reads its own writes.
"""

from django.conf import settings

PRIMARY = "default"


def replica() -> str:
    return settings.READ_REPLICA_ALIAS or PRIMARY


class PrimaryReplicaRouter:
    """Only the primary is migrated; rows from either alias may relate (same data)."""

    def db_for_read(self, model, **hints):
        return None

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


class ReplicaListMixin:
    """ModelAdmin mixin: the list page (a GET) reads from the replica; actions (POST) and
    change pages stay on the primary."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        is_list_page = match is not None and (match.url_name or "").endswith("_changelist")
        if request.method == "GET" and is_list_page:
            return queryset.using(replica())
        return queryset

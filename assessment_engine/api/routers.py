from rest_framework.routers import SimpleRouter

# Path ids are UUIDs (with or without dashes); anything else is an unknown path (404), so a
# malformed id never reaches a database lookup.
UUID_PATH_PATTERN = (
    "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


class OptionalSlashRouter(SimpleRouter):
    """Routes that match with and without a trailing slash, as the contract requires."""

    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"

"""Generated questionnaires: generation service, content validation, candidate view."""

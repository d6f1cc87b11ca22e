from django.apps import AppConfig


class CandidateSessionsConfig(AppConfig):
    # The package is called `sessions`; the label avoids a clash with django.contrib.sessions.
    name = "sessions"
    label = "candidate_sessions"
    verbose_name = "Candidate sessions"

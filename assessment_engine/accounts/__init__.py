"""Accounts: the user model, token login/logout/me, and account management commands."""

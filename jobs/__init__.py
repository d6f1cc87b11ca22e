"""AI jobs: job rows and attempts, dispatch through an outbox, sweepers, the AI provider client.

Infrastructure: never imports a domain app; domain apps register their job handlers here.
"""

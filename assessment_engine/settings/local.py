"""Local development: `make run` (DEBUG off) and `make dev` (DEBUG on, loopback only).

DEBUG stays off unless DJANGO_DEBUG says otherwise: its pages show settings and paths to
whoever can reach the server, and gunicorn.conf.py refuses it on a non-loopback address.
"""

from .base import *  # noqa: F403

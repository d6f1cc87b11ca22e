"""The session state machine as data: which action may move a session from which state.

Services consult `target_status`; nothing else decides whether a transition is allowed.
"""

from .errors import InvalidTransition
from .models import SessionStatus

OPTED_IN, ACTIVE = SessionStatus.OPTED_IN, SessionStatus.ACTIVE
COMPLETED, EXPIRED = SessionStatus.COMPLETED, SessionStatus.EXPIRED

TRANSITIONS: dict[str, dict[str, str]] = {
    "start": {OPTED_IN: ACTIVE, ACTIVE: ACTIVE},  # starting again while ACTIVE returns it
    "submit_section": {ACTIVE: ACTIVE},
    "heartbeat": {ACTIVE: ACTIVE},
    "complete": {ACTIVE: COMPLETED, COMPLETED: COMPLETED},  # completing again returns it
    "expire": {ACTIVE: EXPIRED},
}


def target_status(action: str, current: str) -> str:
    """The state `action` leads to from `current`, or InvalidTransition (409)."""
    try:
        return TRANSITIONS[action][current]
    except KeyError:
        raise InvalidTransition(
            f"Cannot {action.replace('_', ' ')} a session that is {current}.",
            details={"status": current, "action": action},
        ) from None

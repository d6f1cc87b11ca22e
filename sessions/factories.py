"""Candidate sessions for tests and benchmarks, inserted directly."""

import random
import uuid

from django.utils import timezone

from sessions.models import CandidateSession, SessionStatus


def bulk_create_active_sessions(users: list, assessment, *, current_section_index: int) -> list:
    """One ACTIVE session of `assessment` per user, bulk-inserted, as `session_start` leaves
    them (the policy's order drawn from a seed)."""
    now = timezone.now()
    shuffled = assessment.shuffle_questions or assessment.shuffle_options
    return CandidateSession.objects.bulk_create(
        [
            CandidateSession(
                id=uuid.uuid4(),
                user=user,
                assessment=assessment,
                status=SessionStatus.ACTIVE,
                current_section_index=current_section_index,
                section_count=assessment.section_count,
                opted_in_at=now,
                started_at=now,
                last_activity_at=now,
                shuffle_seed=random.getrandbits(63) if shuffled else None,
                shuffle_questions=assessment.shuffle_questions,
                shuffle_options=assessment.shuffle_options,
            )
            for user in users
        ]
    )

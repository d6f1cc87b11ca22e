"""Candidate session behaviour. Every transition locks the session row, re-reads it, applies
lazy expiry, asks the transition table, and writes only the fields it changed.

Lock order, everywhere: the user's row (only `session_start`, which looks across sessions),
then session rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from assessment_engine.api.errors import ValidationFailed
from assessments.content_memo import content_of
from assessments.models import Assessment
from jobs.models import JobType
from jobs.services import job_create_or_get

from .answers import clean_answers
from .errors import (
    ActiveSessionExists,
    AssessmentNotAvailable,
    AssessmentNotFound,
    SectionAlreadySubmitted,
    SectionOutOfOrder,
    SectionsIncomplete,
    SessionExpired,
    SessionNotFound,
)
from .models import OPEN_STATUSES, CandidateSession, SectionSubmission, SessionStatus
from .transitions import target_status

EXPIRY_SWEEP_BATCH = 1000


@dataclass(frozen=True)
class Outcome:
    session: CandidateSession
    changed: bool  # False: an idempotent repeat that returned the existing state


def inactivity_cutoff(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS)


def session_opt_in(*, user, assessment_id) -> Outcome:
    assessment = Assessment.objects.filter(pk=assessment_id).only("status", "section_count").first()
    if assessment is None:
        raise AssessmentNotFound()
    if not assessment.is_published:
        raise AssessmentNotAvailable()
    _expire_inactive(CandidateSession.objects.filter(user=user, assessment=assessment))
    existing = _open_session(user, assessment)
    if existing:
        return Outcome(existing, changed=False)
    try:
        with transaction.atomic():
            session = CandidateSession.objects.create(
                user=user,
                assessment=assessment,
                status=SessionStatus.OPTED_IN,
                section_count=assessment.section_count,
                opted_in_at=timezone.now(),
            )
    except IntegrityError:  # a concurrent opt-in of the same user won the partial unique index
        return Outcome(_open_session(user, assessment), changed=False)
    return Outcome(session, changed=True)


def session_start(*, session_id, user) -> Outcome:
    def start(session: CandidateSession, now: datetime) -> bool:
        target = target_status("start", session.status)
        if session.status == target:
            return False  # already ACTIVE: starting again returns it
        _make_room_for_active_session(user, session, now)
        session.status, session.started_at, session.last_activity_at = target, now, now
        try:
            with transaction.atomic():
                _save(session, "status", "started_at", "last_activity_at")
        except IntegrityError as exc:  # the partial unique index: never two ACTIVE per user
            raise ActiveSessionExists() from exc
        return True

    return _transition(session_id=session_id, user=user, apply=start, lock_user=True)


def session_submit_section(
    *, session_id, user, section_index: int, section_id: str, answers: dict[str, Any]
) -> Outcome:
    def submit(session: CandidateSession, now: datetime) -> bool:
        target_status("submit_section", session.status)
        expected = session.current_section_index
        if section_index < expected:
            raise SectionAlreadySubmitted(
                f"Section {section_index} was already submitted.",
                details={"sectionIndex": section_index, "expected": expected},
            )
        if section_index > expected:
            raise SectionOutOfOrder(
                f"Expected section {expected}, got {section_index}.",
                details={"expected": expected, "got": section_index},
            )
        sections = content_of(session.assessment_id, session.assessment_version)["sections"]
        if section_index >= len(sections):
            raise ValidationFailed(details={"sectionIndex": ["No such section."]})
        section = sections[section_index]
        if section_id != section["sectionId"]:
            raise ValidationFailed(
                f"Section {section_index} is {section['sectionId']!r}, not {section_id!r}.",
                details={"sectionId": [f"Section {section_index} is {section['sectionId']!r}."]},
            )
        SectionSubmission.objects.create(
            session=session,
            section_index=section_index,
            section_id=section_id,
            answers=clean_answers(section, answers),
            submitted_at=now,
        )
        session.current_section_index += 1
        session.last_activity_at = now
        _save(session, "current_section_index", "last_activity_at")
        return True

    return _transition(session_id=session_id, user=user, apply=submit)


def session_heartbeat(*, session_id, user) -> Outcome:
    def heartbeat(session: CandidateSession, now: datetime) -> bool:
        target_status("heartbeat", session.status)
        session.last_activity_at = now
        _save(session, "last_activity_at")
        return True

    return _transition(session_id=session_id, user=user, apply=heartbeat)


def session_complete(*, session_id, user) -> Outcome:
    """ACTIVE with every section submitted → COMPLETED, plus exactly one evaluation job."""

    def complete(session: CandidateSession, now: datetime) -> bool:
        target = target_status("complete", session.status)
        if session.status == target:
            return False  # completing again returns the first result
        if session.current_section_index < session.section_count:
            raise SectionsIncomplete(
                f"{session.current_section_index} of {session.section_count} sections submitted.",
                details={
                    "submitted": session.current_section_index,
                    "sectionCount": session.section_count,
                },
            )
        job = job_create_or_get(
            job_type=JobType.EVALUATION,
            dedupe_key=f"evaluation:{session.pk}",
            payload={"sessionId": str(session.pk)},
        ).job  # published when this transaction commits
        session.status, session.completed_at, session.evaluation_job = target, now, job
        _save(session, "status", "completed_at", "evaluation_job")
        return True

    return _transition(session_id=session_id, user=user, apply=complete)


def session_get(*, session_id, user) -> CandidateSession:
    """A read that still enforces expiry: an ACTIVE session past its timeout reads as EXPIRED."""
    sessions = CandidateSession.objects.filter(user=user)
    try:
        session = _with_view_relations(_sessions()).get(pk=session_id, user=user)
    except (CandidateSession.DoesNotExist, ValidationError) as exc:
        raise SessionNotFound() from exc
    if _is_inactive(session, timezone.now()) and _expire_inactive(sessions.filter(pk=session.pk)):
        session.refresh_from_db(fields=["status", "expired_at", "version"])
    return session


def session_list(*, user) -> QuerySet[CandidateSession]:
    sessions = CandidateSession.objects.filter(user=user)
    _expire_inactive(sessions)
    return _with_view_relations(sessions).order_by("-opted_in_at", "id")


def sessions_expire_inactive() -> int:
    """The beat sweep: expire ACTIVE sessions past their timeout, in batches, skipping rows a
    transition holds. Reads only the partial index of ACTIVE sessions by last activity."""
    expired = 0
    while True:
        with transaction.atomic():
            ids = list(
                CandidateSession.objects.select_for_update(skip_locked=True)
                .filter(
                    status=SessionStatus.ACTIVE,
                    last_activity_at__lte=inactivity_cutoff(timezone.now()),
                )
                .order_by("last_activity_at")
                .values_list("pk", flat=True)[:EXPIRY_SWEEP_BATCH]
            )
            if ids:
                _mark_expired(CandidateSession.objects.filter(pk__in=ids), timezone.now())
        expired += len(ids)
        if len(ids) < EXPIRY_SWEEP_BATCH:
            return expired


# --- helpers ---------------------------------------------------------------------------------


def _transition(
    *, session_id, user, apply: Callable[[CandidateSession, datetime], bool], lock_user=False
) -> Outcome:
    changed = False
    with transaction.atomic():
        if lock_user:
            _lock_user(user)
        session = _locked_session(session_id, user)
        now = timezone.now()
        newly_expired = _is_inactive(session, now)
        if newly_expired:
            _mark_expired(CandidateSession.objects.filter(pk=session.pk), now)
        elif session.status != SessionStatus.EXPIRED:
            changed = apply(session, now)
    # Outside the block: the expiry just written is committed, not rolled back by the error.
    if newly_expired or session.status == SessionStatus.EXPIRED:
        raise SessionExpired(details={"sessionId": str(session.pk)})
    return Outcome(session, changed)


def _lock_user(user) -> None:
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def _locked_session(session_id, user) -> CandidateSession:
    try:
        return _sessions().select_for_update(of=("self",)).get(pk=session_id, user=user)
    except (CandidateSession.DoesNotExist, ValidationError) as exc:
        raise SessionNotFound() from exc  # another user's session is "not found", not 403


def _sessions() -> QuerySet[CandidateSession]:
    """Sessions with their assessment's version, the key of its content (`content_memo`): the
    content itself is not loaded, nor the rest of the assessment."""
    return CandidateSession.objects.annotate(assessment_version=F("assessment__version"))


def _with_view_relations(sessions: QuerySet) -> QuerySet:
    return sessions.select_related("evaluation_job", "evaluation")


def _open_session(user, assessment) -> CandidateSession | None:
    return _sessions().filter(user=user, assessment=assessment, status__in=OPEN_STATUSES).first()


def _make_room_for_active_session(user, session: CandidateSession, now: datetime) -> None:
    """Another ACTIVE session blocks starting, unless it is past its timeout (then it expires)."""
    others = CandidateSession.objects.filter(user=user, status=SessionStatus.ACTIVE).exclude(
        pk=session.pk
    )
    _expire_inactive(others)
    other = others.values_list("pk", flat=True).first()
    if other:
        raise ActiveSessionExists(details={"activeSessionId": str(other)})


def _is_inactive(session: CandidateSession, now: datetime) -> bool:
    return session.status == SessionStatus.ACTIVE and session.last_activity_at <= inactivity_cutoff(
        now
    )


def _expire_inactive(sessions: QuerySet) -> int:
    """Expire those of `sessions` that are ACTIVE and past their timeout (one UPDATE)."""
    now = timezone.now()
    inactive = sessions.filter(
        status=SessionStatus.ACTIVE, last_activity_at__lte=inactivity_cutoff(now)
    )
    return _mark_expired(inactive, now)


def _mark_expired(sessions: QuerySet, now: datetime) -> int:
    return sessions.update(
        status=target_status("expire", SessionStatus.ACTIVE),
        expired_at=now,
        version=F("version") + 1,
    )


def _save(session: CandidateSession, *fields: str) -> None:
    session.version += 1
    session.save(update_fields=[*fields, "version"])

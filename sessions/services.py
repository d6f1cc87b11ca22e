"""Candidate session behaviour. Every transition locks the session row, re-reads it, lets the
clock settle it (`_settle`: auto-complete past the deadline or the window's close, expire after
inactivity), asks the transition table, and writes only the fields it changed.

Lock order, everywhere: the user's row (only `session_start`, which looks across sessions),
then session rows.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from assessment_engine.api.errors import ValidationFailed
from assessments.content_cache import content_of
from assessments.models import Assessment
from assessments.policy import POLICY_FIELDS, check_open
from jobs.models import JobType
from jobs.services import job_create_or_get

from .answers import clean_answers
from .errors import (
    ActiveSessionExists,
    AssessmentNotFound,
    NoAttemptsLeft,
    SectionAlreadySubmitted,
    SectionOutOfOrder,
    SectionsIncomplete,
    SessionExpired,
    SessionNotFound,
    TimeLimitExceeded,
)
from .models import OPEN_STATUSES, CandidateSession, SectionSubmission, SessionStatus
from .transitions import target_status

EXPIRY_SWEEP_BATCH = 1000
# Each auto-completion inserts an evaluation job: smaller batches keep the row locks short.
COMPLETION_SWEEP_BATCH = 200
OPT_IN_TRIES = 3


@dataclass(frozen=True)
class Outcome:
    session: CandidateSession
    changed: bool  # False: an idempotent repeat that returned the existing state


def inactivity_cutoff(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS)


def overdue_cutoff(now: datetime) -> datetime:
    """A session whose end (deadline or close) is before this takes no more submits."""
    return now - timedelta(seconds=settings.SESSION_DEADLINE_GRACE_SECONDS)


def session_expires_at(session: CandidateSession) -> datetime | None:
    """When inactivity expires an ACTIVE session (its last activity plus the timeout); None for
    a session in any other status."""
    if session.status != SessionStatus.ACTIVE:
        return None
    return session.last_activity_at + timedelta(seconds=settings.SESSION_INACTIVITY_TIMEOUT_SECONDS)


def session_end(session: CandidateSession) -> datetime | None:
    """When the clock ends an ACTIVE session: its deadline or its assessment's close, the
    earlier; None when neither is set."""
    ends = [end for end in (session.deadline, session.assessment.closes_at) if end is not None]
    return min(ends) if ends else None


def session_opt_in(*, user, assessment_id) -> Outcome:
    """A new OPTED_IN session with the next attempt number, or the open one (changed=False).

    Two racing opt-ins compute the same attempt number: the unique (user, assessment, attempt)
    and one-open-session indexes let one insert win; the loser returns the winner's session.
    """
    assessment = _policy_of(Assessment.objects.filter(pk=assessment_id)).first()
    if assessment is None or not _may_know_of(user, assessment):
        raise AssessmentNotFound()
    check_open(assessment, timezone.now())
    for _ in range(OPT_IN_TRIES):
        # One statement, so the open session and the attempts used are one consistent snapshot.
        mine = list(_sessions().filter(user=user, assessment=assessment).order_by("-attempt"))
        existing = next((s for s in mine if s.status in OPEN_STATUSES), None)
        if existing:
            if _settle_if_due(existing):
                continue  # the clock just ended it: count it as used and look again
            return Outcome(existing, changed=False)
        attempt = (mine[0].attempt if mine else 0) + 1
        if attempt > assessment.max_attempts:
            raise NoAttemptsLeft(
                f"This assessment allows {assessment.max_attempts} attempt(s).",
                details={"maxAttempts": assessment.max_attempts},
            )
        try:
            with transaction.atomic():
                session = CandidateSession.objects.create(
                    user=user,
                    assessment=assessment,
                    attempt=attempt,
                    status=SessionStatus.OPTED_IN,
                    section_count=assessment.section_count,
                    content_version=assessment.content_version,
                    opted_in_at=timezone.now(),
                )
            return Outcome(session, changed=True)
        except IntegrityError:  # a concurrent opt-in of the same user won: look again
            continue
    # Only reachable if sessions of this user were opted in to and ended between our tries.
    raise ActiveSessionExists("Other opt-ins of yours are in progress; retry.")


def session_start(*, session_id, user) -> Outcome:
    def start(session: CandidateSession, now: datetime) -> bool:
        target = target_status("start", session.status)
        if session.status == target:
            return False  # already ACTIVE: starting again returns it
        policy = session.assessment
        check_open(policy, now)
        _make_room_for_active_session(user, session, now)
        session.status, session.started_at, session.last_activity_at = target, now, now
        # The content it shows and is graded by from now on, whatever staff edit later.
        session.content_version = policy.content_version
        if policy.time_limit_seconds is not None:
            session.deadline = now + timedelta(seconds=policy.time_limit_seconds)
        if policy.shuffle_questions or policy.shuffle_options:
            session.shuffle_seed = secrets.randbits(63)
            session.shuffle_questions = policy.shuffle_questions
            session.shuffle_options = policy.shuffle_options
        try:
            with transaction.atomic():
                _save(
                    session,
                    "status",
                    "started_at",
                    "last_activity_at",
                    "deadline",
                    "shuffle_seed",
                    "shuffle_questions",
                    "shuffle_options",
                    "content_version",
                )
        except IntegrityError as exc:  # the partial unique index: never two ACTIVE per user
            raise ActiveSessionExists() from exc
        return True

    return _transition(
        session_id=session_id, user=user, action="start", apply=start, lock_user=True
    )


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
        sections = content_of(session.assessment_id, session.content_version)["sections"]
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

    return _transition(session_id=session_id, user=user, action="submit_section", apply=submit)


def session_heartbeat(*, session_id, user) -> Outcome:
    """Keep an ACTIVE session alive. The usual case is one statement (`_touch`); a session the
    heartbeat cannot simply touch (not found, not yours, not ACTIVE, or the clock is due to end
    it) takes the full transition, which settles it and raises the error."""
    now = timezone.now()
    session = _touch(session_id, user, now)
    if session is not None:
        return Outcome(session, changed=True)

    def heartbeat(session: CandidateSession, now: datetime) -> bool:
        target_status("heartbeat", session.status)
        session.last_activity_at = now
        _save(session, "last_activity_at")
        return True

    return _transition(session_id=session_id, user=user, action="heartbeat", apply=heartbeat)


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
        _finish(session, completed_at=now, automatically=False)
        return True

    return _transition(session_id=session_id, user=user, action="complete", apply=complete)


def session_get(*, session_id, user) -> CandidateSession:
    """A read that still applies the clock: an ACTIVE session past its deadline reads as
    COMPLETED (auto-completed), one past its inactivity timeout as EXPIRED."""
    try:
        session = _with_view_relations(_sessions()).get(pk=session_id, user=user)
    except (CandidateSession.DoesNotExist, ValidationError) as exc:
        raise SessionNotFound() from exc
    if _settle_if_due(session):
        session = _with_view_relations(_sessions()).get(pk=session_id, user=user)
    return session


def session_list(*, user) -> QuerySet[CandidateSession]:
    active = _sessions().filter(user=user, status=SessionStatus.ACTIVE).first()  # one at most
    if active:
        _settle_if_due(active)
    return _with_view_relations(_sessions().filter(user=user)).order_by("-opted_in_at", "id")


@dataclass(frozen=True)
class SweepReport:
    completed: int  # ACTIVE sessions past their deadline or their assessment's close
    expired: int  # ACTIVE sessions past their inactivity timeout


def sessions_sweep() -> SweepReport:
    """The beat sweep. The clock's completions go first: a deadline beats inactivity."""
    return SweepReport(completed=sessions_complete_overdue(), expired=sessions_expire_inactive())


def sessions_complete_overdue() -> int:
    """Auto-complete ACTIVE sessions past their deadline or their assessment's close (plus the
    grace), in batches, skipping rows a transition holds. Each lookup reads a partial index of
    ACTIVE sessions (by deadline; by assessment, for the assessments whose window closed), so
    the cost follows the sessions due, not the table."""
    completed = 0
    for due in (_due_by_deadline, _due_by_close):
        while True:
            with transaction.atomic():
                now = timezone.now()
                batch = list(due(overdue_cutoff(now))[:COMPLETION_SWEEP_BATCH])
                for session in batch:
                    _finish(session, completed_at=session_end(session), automatically=True)
            completed += len(batch)
            if len(batch) < COMPLETION_SWEEP_BATCH:
                break
    return completed


def sessions_expire_inactive() -> int:
    """Expire ACTIVE sessions past their inactivity timeout, in batches, skipping rows a
    transition holds. Reads only the partial index of ACTIVE sessions by last activity."""
    expired = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            ids = list(
                _inactive(CandidateSession.objects.select_for_update(skip_locked=True), now)
                .order_by("last_activity_at")
                .values_list("pk", flat=True)[:EXPIRY_SWEEP_BATCH]
            )
            if ids:
                _mark_expired(CandidateSession.objects.filter(pk__in=ids), now)
        expired += len(ids)
        if len(ids) < EXPIRY_SWEEP_BATCH:
            return expired


# --- helpers ---------------------------------------------------------------------------------


def _transition(
    *,
    session_id,
    user,
    action: str,
    apply: Callable[[CandidateSession, datetime], bool],
    lock_user=False,
) -> Outcome:
    changed = False
    with transaction.atomic():
        if lock_user:
            _lock_user(user)
        session = _locked_session(session_id, user)
        now = timezone.now()
        settled = _settle(session, now)
        refusal = _ended_by_clock(session, wants_completion=action == "complete")
        if refusal is None:
            changed = apply(session, now)
    # Outside the block: what the clock just wrote is committed, not rolled back by the error.
    if refusal is not None:
        raise refusal
    return Outcome(session, changed or settled)


def _ended_by_clock(session: CandidateSession, *, wants_completion: bool) -> Exception | None:
    """The error for acting on a session the clock has ended. Completing a session the clock
    completed is not an error: it returns the completed session, as completing twice does."""
    if session.status == SessionStatus.EXPIRED:
        return SessionExpired(details={"sessionId": str(session.pk)})
    if session.auto_completed and not wants_completion:
        end = session_end(session)
        return TimeLimitExceeded(
            details={"sessionId": str(session.pk), "endedAt": end.isoformat() if end else None}
        )
    return None


def _settle(session: CandidateSession, now: datetime) -> bool:
    """Let the clock act on a locked session: past its end (plus grace) → auto-completed,
    else past its inactivity timeout → EXPIRED. Returns whether it changed the session."""
    if session.status != SessionStatus.ACTIVE:
        return False
    if _is_overdue(session, now):
        _finish(session, completed_at=session_end(session), automatically=True)
        return True
    if _is_inactive(session, now):
        session.status, session.expired_at = target_status("expire", session.status), now
        _save(session, "status", "expired_at")
        return True
    return False


def _settle_if_due(session: CandidateSession) -> bool:
    """For a session read without a lock: if the clock is due to act, lock, re-read, settle.
    True means `session` is out of date (this call or a concurrent one ended it): re-read."""
    now = timezone.now()
    if not (_is_overdue(session, now) or _is_inactive(session, now)):
        return False
    with transaction.atomic():
        locked = _sessions().select_for_update(of=("self",)).get(pk=session.pk)
        _settle(locked, timezone.now())
    return True


def _finish(session: CandidateSession, *, completed_at: datetime, automatically: bool) -> None:
    """→ COMPLETED with exactly one evaluation job (its dedupe key is the session's), whether
    the candidate or the clock completes it."""
    job = job_create_or_get(
        job_type=JobType.EVALUATION,
        dedupe_key=f"evaluation:{session.pk}",
        payload={"sessionId": str(session.pk)},
    ).job  # published when this transaction commits
    session.status = target_status("complete", session.status)
    session.completed_at, session.evaluation_job = completed_at, job
    session.auto_completed = automatically
    _save(session, "status", "completed_at", "evaluation_job", "auto_completed")


# The heartbeat's one statement: the UPDATE takes the session's row lock (the only lock a
# heartbeat needs, as in `_transition`) and writes only where the transition would succeed with
# nothing for the clock to do: ACTIVE, active within the timeout (`_is_inactive`), neither past
# its deadline nor its assessment's close plus the grace (`_is_overdue`). RETURNING gives the
# session and its assessment's version and policy, as `_sessions()` loads them, for the view.
_SESSION_COLUMNS = [field.column for field in CandidateSession._meta.concrete_fields]
# In the model's field order: `from_db` assigns the values in that order.
_ASSESSMENT_FIELDS = [
    field.attname
    for field in Assessment._meta.concrete_fields
    if field.attname in {"id", "version", "status", "section_count", *POLICY_FIELDS}
]
_TOUCH_SQL = f"""
    UPDATE {CandidateSession._meta.db_table} AS s
    SET last_activity_at = %(now)s, version = s.version + 1
    FROM {Assessment._meta.db_table} AS a
    WHERE s.id = %(id)s AND s.user_id = %(user)s AND s.status = %(active)s
        AND a.id = s.assessment_id
        AND s.last_activity_at > %(inactive_before)s
        AND (s.deadline IS NULL OR s.deadline >= %(overdue_before)s)
        AND (a.closes_at IS NULL OR a.closes_at >= %(overdue_before)s)
    RETURNING {", ".join(f"s.{column}" for column in _SESSION_COLUMNS)},
        {", ".join(f"a.{Assessment._meta.get_field(name).column}" for name in _ASSESSMENT_FIELDS)}
"""  # noqa: S608 - table and column names from the models, values as parameters


def _touch(session_id, user, now: datetime) -> CandidateSession | None:
    """The heartbeat as one UPDATE ... RETURNING; None when it wrote nothing."""
    try:
        session_uuid = session_id if isinstance(session_id, UUID) else UUID(str(session_id))
    except ValueError:
        return None  # the full path answers "not found"
    with connection.cursor() as cursor:
        cursor.execute(
            _TOUCH_SQL,
            {
                "now": now,
                "id": session_uuid,
                "user": user.pk,
                "active": SessionStatus.ACTIVE,
                "inactive_before": inactivity_cutoff(now),
                "overdue_before": overdue_cutoff(now),
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_SESSION_COLUMNS)
    session = CandidateSession.from_db(
        connection.alias, [f.attname for f in CandidateSession._meta.concrete_fields], row[:split]
    )
    session.assessment = Assessment.from_db(connection.alias, _ASSESSMENT_FIELDS, row[split:])
    return session


def _lock_user(user) -> None:
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def _locked_session(session_id, user) -> CandidateSession:
    try:
        return _sessions().select_for_update(of=("self",)).get(pk=session_id, user=user)
    except (CandidateSession.DoesNotExist, ValidationError) as exc:
        raise SessionNotFound() from exc  # another user's session is "not found", not 403


def _sessions() -> QuerySet[CandidateSession]:
    """Sessions with their assessment's delivery policy, in the same join: the content itself
    is not loaded (the session's `content_version` is its key in `content_cache`)."""
    return CandidateSession.objects.select_related("assessment").defer(
        "assessment__content", "assessment__options"
    )


def _policy_of(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return assessments.only("version", "content_version", "status", "section_count", *POLICY_FIELDS)


def _may_know_of(user, assessment: Assessment) -> bool:
    """A published assessment is listed for everyone; an unpublished one only exists for a
    candidate who already has a session of it (they get 409 ASSESSMENT_NOT_AVAILABLE). For
    anyone else it is "not found", so opt-in is no oracle of drafts."""
    return (
        assessment.is_published
        or CandidateSession.objects.filter(user=user, assessment=assessment).exists()
    )


def _due_by_deadline(cutoff: datetime) -> QuerySet[CandidateSession]:
    return _due(Q(deadline__lt=cutoff), order_by="deadline")


def _due_by_close(cutoff: datetime) -> QuerySet[CandidateSession]:
    return _due(Q(assessment__closes_at__lt=cutoff), order_by="assessment__closes_at")


def _due(ended: Q, *, order_by: str) -> QuerySet[CandidateSession]:
    return (
        _sessions()
        .select_for_update(skip_locked=True, of=("self",))
        .filter(ended, status=SessionStatus.ACTIVE)
        .order_by(order_by)
    )


def _with_view_relations(sessions: QuerySet) -> QuerySet:
    return sessions.select_related("evaluation_job", "evaluation")


def _make_room_for_active_session(user, session: CandidateSession, now: datetime) -> None:
    """Another ACTIVE session blocks starting, unless the clock ends it now (deadline or
    inactivity). The user's row is locked, so locking the other session keeps the lock order."""
    other = (
        _sessions()
        .select_for_update(of=("self",))
        .filter(user=user, status=SessionStatus.ACTIVE)
        .exclude(pk=session.pk)
        .first()  # the unique index allows one
    )
    if other and not _settle(other, now):
        raise ActiveSessionExists(details={"activeSessionId": str(other.pk)})


def _is_overdue(session: CandidateSession, now: datetime) -> bool:
    if session.status != SessionStatus.ACTIVE:
        return False
    end = session_end(session)
    return end is not None and end < overdue_cutoff(now)


def _is_inactive(session: CandidateSession, now: datetime) -> bool:
    expires_at = session_expires_at(session)
    return expires_at is not None and expires_at <= now


def _inactive(sessions: QuerySet, now: datetime) -> QuerySet:
    """ACTIVE and past the inactivity timeout, but not overdue: the clock completes those."""
    cutoff = overdue_cutoff(now)
    return sessions.filter(
        status=SessionStatus.ACTIVE, last_activity_at__lte=inactivity_cutoff(now)
    ).exclude(Q(deadline__lt=cutoff) | Q(assessment__closes_at__lt=cutoff))


def _mark_expired(sessions: QuerySet, now: datetime) -> int:
    return sessions.update(
        status=target_status("expire", SessionStatus.ACTIVE),
        expired_at=now,
        version=F("version") + 1,
    )


def _save(session: CandidateSession, *fields: str) -> None:
    session.version += 1
    session.save(update_fields=[*fields, "version"])

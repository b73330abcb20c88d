"""Moderation decisions with their statement of reasons (DSA Art. 17) and the append-only audit trail: the
bottom of storefront/moderation, which every other module of it builds on and which imports none of them.
Nothing here updates or deletes an AuditEntry row."""
from __future__ import annotations

import datetime as dt
from typing import Any

from storefront.db import write_transaction
from storefront.errors import NotFound
from storefront.mail import outbox
from storefront.moderation.states import Ground, Measure
from storefront.moderation.tables import AuditEntry, Decision
from storefront.settings import Settings

CONTEST_WINDOW = dt.timedelta(days=183)  # six months, counted generously


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def contest_path(decision_id: int) -> str:
    return f"/decisions/{decision_id}/contest"


def redress_text(decision_id: int, contest_until: dt.datetime, settings: Settings) -> str:
    return (f"You can contest this decision free of charge through our internal complaint system until "
            f"{contest_until:%d %B %Y} (six months): {settings.public_base_url}{contest_path(decision_id)}. "
            "A person, not a machine, will look at your complaint. You may also turn to a certified consumer "
            "mediator or to the courts at any time.")


async def audit(actor_id: int | None, action: str, subject_type: str, subject_id: int, detail: str = "") -> None:
    """Adds one line to the audit trail, in the caller's transaction when there is one."""
    await AuditEntry.insert(AuditEntry(actor=actor_id, action=action[:60], subject_type=subject_type[:12],
                                       subject_id=subject_id, detail=detail, created_at=_now()))


async def decide(*, subject_type: str, subject_id: int, measure: Measure, facts: str, ground: Ground,
                 ground_detail: str = "", automated: bool = False, recipient_email: str,
                 recipient_account: int | None = None, decided_by: int | None, settings: Settings,
                 notify: bool = True) -> int:
    """Records a decision and e-mails its statement of reasons to the recipient. `notify=False` only for
    decisions that impose nothing on anyone (a review kept), recorded for the audit."""
    now = _now()
    contest_until = now + CONTEST_WINDOW
    async with write_transaction(Decision._meta.db):
        decision = Decision(subject_type=subject_type, subject_id=subject_id, measure=measure, facts=facts,
                            ground=ground, ground_detail=ground_detail, automated=automated, redress="",
                            recipient_email=recipient_email, recipient_account=recipient_account,
                            decided_by=decided_by, decided_at=now, contest_until=contest_until)
        await decision.save()
        redress = redress_text(decision.id, contest_until, settings)
        await Decision.update({Decision.redress: redress}).where(Decision.id == decision.id)
        await audit(decided_by, f"decision: {measure}", subject_type, subject_id,
                    f"decision {decision.id}; ground: {ground}" + (f" ({ground_detail})" if ground_detail else ""))
        if notify and recipient_email:
            await outbox.queue(to=recipient_email, kind="statement_of_reasons",
                               subject=f"{settings.brand_name}: statement of reasons ({measure})",
                               body=statement_of_reasons(measure=measure, facts=facts, ground=ground,
                                                         ground_detail=ground_detail, automated=automated,
                                                         redress=redress, decided_at=now))
    return decision.id


def statement_of_reasons(*, measure: str, facts: str, ground: str, ground_detail: str, automated: bool,
                         redress: str, decided_at: dt.datetime) -> str:
    how = ("This decision was taken by automated means." if automated else
           "This decision was taken by a person on our moderation team; no automated means were used.")
    return (f"Decision of {decided_at:%d %B %Y}.\n\n"
            f"What we did: {measure}.\n\n"
            f"Facts and circumstances: {facts}\n\n"
            "Ground: " + (f"{ground_detail} ({ground})" if ground_detail else ground) + ".\n\n"
            f"{how}\n\n"
            f"How to contest it: {redress}\n")


async def decision_for_recipient(decision_id: int, account_id: int) -> dict[str, Any]:
    """The decision if it was addressed to this account; LookupError otherwise (a 404, like a missing one)."""
    decision = await Decision.select().where(Decision.id == decision_id).first()
    if decision is None or decision["recipient_account"] != account_id:
        raise NotFound(decision_id)
    return decision


def contest_expired(decision: dict[str, Any], now: dt.datetime | None = None) -> bool:
    return (now or _now()) > decision["contest_until"]

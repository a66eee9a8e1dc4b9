"""Referrals on a case: service referrals to a provider and transfers to another
office, with their decisions, messages, notifications and (for an accepted
transfer) the case's move to the receiving office."""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import CaseFormerOwner
from demo.scale import distributions as d
from demo.scale.base import GeneratorBase
from demo.scale.organizations import Office
from demo.scale.person import person_label
from demo.scale.rows import FormerOwnerRow, MessageRow, NotificationRow, ReferralRow
from demo.scale.services import service
from demo.scale.timeline import CaseDraft
from referrals.models import Notification, Referral, ReferralMessage

# (org id, regency id, user ids) of a receiving organization
Receiver = tuple[int, int, list[int]]


@dataclass
class ReferralDraft:
    transfer: bool
    created: int
    urgency: str
    service_code: str
    to_org: int
    to_regency: int
    to_users: list[int]
    status: str = ""
    due: int = 0
    sender: int = 0
    decider: int = 0
    decided_ts: int | None = None
    completed_ts: int | None = None
    overdue: bool = False
    id: int = 0
    number: str = ""
    service_delivery: int | None = None

    @property
    def moves_case(self) -> bool:
        return self.transfer and self.status in ("accepted", "completed")

    @property
    def label(self) -> str:
        return "Pemindahan kasus" if self.transfer else "Rujukan layanan"


def other_office(g: GeneratorBase, owner: Office) -> Receiver:
    while True:
        target = g.ctx.offices[g.regency(g.rng)]
        if target.org_id != owner.org_id or len(g.ctx.offices) == 1:
            return (target.org_id, target.regency_id, target.workers)


def receiver(g: GeneratorBase, service_code: str, owner: Office) -> Receiver:
    candidates = d.SERVICE_PROVIDERS.get(service_code, ["office"])
    code = g.rng.choice(candidates)
    if code != "office" and code in g.ctx.orgs:
        return g.ctx.orgs[code]
    return other_office(g, owner)


def _address(g: GeneratorBase, draft: CaseDraft, opened: int) -> ReferralDraft:
    """What is sent, when and to whom."""
    rng = g.rng
    # at most one pending transfer per case (ref_one_pending_transfer_per_case)
    transfer = (
        len(g.ctx.offices) > 1 and rng.random() < 0.2 and g.pending_transfer_case != draft.case_id
    )
    created = opened + int((draft.end - opened) * (0.1 + 0.8 * rng.random()))
    urgency = g.urgency(rng)
    service_code = ""
    if transfer:
        to = other_office(g, draft.holder)
    else:
        need = rng.choice(draft.needs) if draft.needs else rng.choice(d.NEEDS)
        service_code = d.SERVICE_FOR_NEED[need]
        to = receiver(g, service_code, draft.holder)
    return ReferralDraft(transfer, created, urgency, service_code, *to)


def _decide_status(g: GeneratorBase, draft: CaseDraft, ref: ReferralDraft) -> None:
    """Pending only on active cases, and mostly for the young ones."""
    rng = g.rng
    young = g.now - ref.created < 30 * d.DAY
    if not draft.closed and (young or rng.random() < 0.12):
        ref.status = "pending" if rng.random() < 0.7 else g.decided_status(rng)
    else:
        ref.status = g.decided_status(rng)
    if ref.transfer and ref.status == "completed":
        ref.status = "accepted" if rng.random() < 0.8 else "completed"
    if ref.status == "pending" and ref.created > g.now - d.HOUR:
        ref.created = g.now - d.HOUR
    service = (draft.case_id, ref.to_org, ref.service_code)
    if ref.status == "pending" and not ref.transfer and g.pending_service == service:
        ref.status = g.decided_status(rng)  # one pending referral per case, org and service
    if ref.status == "pending" and ref.transfer:
        g.pending_transfer_case = draft.case_id
    elif ref.status == "pending":
        g.pending_service = service


def _decide_times(g: GeneratorBase, draft: CaseDraft, ref: ReferralDraft) -> None:
    """Due date, sender and decider, when it was decided and completed, overdue."""
    rng = g.rng
    ref.due = ref.created + g.sla.get(ref.urgency, 7 * d.DAY)
    ref.sender = draft.worker or g.worker(draft.holder)
    ref.decider = ref.to_users[int(rng.random() * len(ref.to_users))]
    if ref.status != "pending":
        ref.decided_ts = min(g.now - 60, ref.created + int((0.1 + 5 * rng.random()) * d.DAY))
    if ref.status == "completed" and ref.decided_ts is not None:
        ref.completed_ts = min(g.now - 30, ref.decided_ts + int((3 + 60 * rng.random()) * d.DAY))
    ref.overdue = ref.status == "pending" and ref.due < g.now and rng.random() < 0.85


def _number_and_service(
    g: GeneratorBase, draft: CaseDraft, ref: ReferralDraft, opened: int
) -> None:
    ref.id = g.new_id(Referral)
    sender_region = draft.holder.regency_code
    year = g.year(ref.created)
    g.referral_numbers[(sender_region, year)] += 1
    serial = g.referral_numbers[(sender_region, year)]
    ref.number = f"RJ/{sender_region}/{year}/{serial:06d}"
    if not ref.transfer and ref.status in ("accepted", "completed"):
        ref.service_delivery = service(
            g,
            draft.case_id,
            draft.holder,
            ref.sender,
            draft.needs,
            opened,
            draft.end,
            draft.closed,
            (ref.to_org, ref.service_code),
            start=ref.decided_ts,
            done=ref.status == "completed",
        )


def _referral_row(g: GeneratorBase, draft: CaseDraft, ref: ReferralDraft) -> ReferralRow:
    rng = g.rng
    ctx = g.ctx
    owner = draft.holder
    decided_ts, completed_ts = ref.decided_ts, ref.completed_ts
    return ReferralRow(
        id=ref.id,
        number=ref.number,
        kind="transfer" if ref.transfer else "service",
        case_id=draft.case_id,
        from_org_id=owner.org_id,
        to_org_id=ref.to_org,
        from_regency_id=owner.regency_id,
        to_regency_id=ref.to_regency,
        service_type_id=ctx.service_types[ref.service_code] if ref.service_code else None,
        offer_id=ctx.offers.get((ref.to_org, ctx.service_types.get(ref.service_code, 0))),
        holds_capacity=False,
        reason=rng.choice(d.REASON_TEXTS),
        urgency=ref.urgency,
        shared_summary=f"{person_label(draft.person)}; kebutuhan: {', '.join(draft.needs) or '-'}.",
        legal_basis="public_task" if rng.random() < 0.7 else "consent",
        consent_note="",
        status=ref.status,
        due_at=g.at(ref.due),
        is_overdue=ref.overdue,
        overdue_notified_at=g.at(ref.due + 600) if ref.overdue else None,
        created_by_id=ref.sender,
        created_at=g.at(ref.created),
        decided_at=g.at(decided_ts) if decided_ts else None,
        decided_by_id=ref.decider if decided_ts else None,
        decision_reason=rng.choice(d.DECLINE_TEXTS)
        if ref.status in ("declined", "cancelled")
        else "",
        completed_at=g.at(completed_ts) if completed_ts else None,
        completed_by_id=ref.decider if completed_ts else None,
        outcome=rng.choice(d.OUTCOME_TEXTS) if completed_ts else "",
        service_delivery_id=ref.service_delivery,
        updated_at=g.at(completed_ts or decided_ts or ref.created),
        version=1 + (decided_ts is not None) + (completed_ts is not None),
    )


def _messages(g: GeneratorBase, draft: CaseDraft, ref: ReferralDraft) -> None:
    rng = g.rng
    owner_org = draft.holder.org_id
    for index in range(rng.choice((0, 0, 0, 1, 1, 2))):
        author, org = (ref.sender, owner_org) if index % 2 == 0 else (ref.decider, ref.to_org)
        g.emit(
            ReferralMessage,
            MessageRow(
                g.new_id(ReferralMessage),
                ref.id,
                author,
                org,
                rng.choice(d.MESSAGE_TEXTS),
                g.at(min(g.now - 10, ref.created + int((index + 1) * 0.3 * d.DAY))),
            ),
        )


def _notification(g: GeneratorBase, ref: ReferralDraft) -> None:
    """The receiver's notification of a recent referral (read once decided, or half)."""
    if g.now - ref.created >= 60 * d.DAY:
        return
    read = ref.status != "pending" or g.rng.random() < 0.5
    g.emit(
        Notification,
        NotificationRow(
            g.new_id(Notification),
            ref.decider,
            "new_referral",
            ref.id,
            f"Rujukan baru {ref.label.lower()} dari kantor pengirim.",
            g.at(ref.created),
            g.at(min(g.now - 5, ref.created + 3600)) if read else None,
        ),
    )


def _move_case(g: GeneratorBase, draft: CaseDraft, ref: ReferralDraft) -> None:
    """An accepted transfer: the former owner is recorded and the case moves."""
    assert ref.decided_ts is not None
    owner = draft.holder
    g.emit(
        CaseFormerOwner,
        FormerOwnerRow(
            g.new_id(CaseFormerOwner),
            draft.case_id,
            owner.org_id,
            g.at(ref.decided_ts),
            owner.regency_id,
            draft.opened_at,
        ),
    )
    new_owner = next(o for o in g.ctx.offices.values() if o.org_id == ref.to_org)
    draft.timeline.add(
        "transfer",
        "Kasus dipindahkan ke kantor penerima.",
        ref.decided_ts,
        ref.decider,
        ref.to_org,
        {"from_org": owner.org_id, "to_org": ref.to_org, "referral": ref.id},
    )
    draft.owner = new_owner
    draft.worker = ref.decider


def referral(g: GeneratorBase, draft: CaseDraft, opened: int) -> int:
    """One referral sent after `opened` (the case's opening or the previous
    referral's decision); moves the case (owner and worker) when it is an accepted
    transfer, and returns when this referral was last decided on."""
    ref = _address(g, draft, opened)
    _decide_status(g, draft, ref)
    _decide_times(g, draft, ref)
    _number_and_service(g, draft, ref, opened)
    g.emit(Referral, _referral_row(g, draft, ref))
    draft.timeline.add(
        "referral",
        f"{ref.label} dikirim.",
        ref.created,
        ref.sender,
        draft.holder.org_id,
        {"referral": ref.id},
    )
    _messages(g, draft, ref)
    _notification(g, ref)
    if ref.moves_case:
        _move_case(g, draft, ref)
        assert ref.decided_ts is not None
        return ref.decided_ts
    return ref.decided_ts or ref.created

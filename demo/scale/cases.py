"""Cases: status and timeline, reopenings, assessment, notes, direct services,
the referrals sent on them (demo/scale/referrals.py) and the case row itself."""

from __future__ import annotations

from cases.models import Assessment, Case, CaseEvent
from demo.scale import distributions as d
from demo.scale.base import GeneratorBase
from demo.scale.person import Person, person_label
from demo.scale.referrals import referral
from demo.scale.rows import AssessmentRow, CaseCategoryRow, CaseRow
from demo.scale.services import service
from demo.scale.timeline import CaseDraft, Timeline


def category(g: GeneratorBase, person: Person) -> str:
    rng = g.rng
    group = g.age_group(person.birth_date)
    if person.no_nik_reason == "street" and rng.random() < 0.6:
        code = rng.choice(d.STREET_CATEGORIES)
        if code != "PMKS04" or group in ("child", "toddler"):
            return code
    if person.household_category and rng.random() < 0.6:
        return person.household_category
    return g.category_choice[(group, person.sex)](rng)


def _open(g: GeneratorBase, person: Person, opened: int, last: bool) -> CaseDraft:
    """A case opened at `opened`: its number, worker and whether it is closed by now."""
    rng = g.rng
    office = person.office
    case_id = g.new_id(Case)
    code = category(g, person)
    prefix = f"{office.regency_code.replace('.', '')}/{g.year(opened)}"
    g.case_numbers[prefix] += 1
    number = f"{prefix}/{g.case_numbers[prefix]:05d}"
    worker = g.worker(office) if rng.random() < 0.96 else None
    age_days = (g.now - opened) / d.DAY
    closed = not last or rng.random() < min(0.85, age_days / 540)
    draft = CaseDraft(
        case_id=case_id,
        person=person,
        office=office,
        number=number,
        category=code,
        opened=opened,
        opened_at=g.at(opened),
        worker=worker,
        closed=closed,
        timeline=Timeline(g, case_id, opened),
    )
    draft.timeline.add("created", "Kasus dibuka.", opened, worker, office.org_id, {})
    return draft


def _status(g: GeneratorBase, draft: CaseDraft) -> None:
    rng = g.rng
    opened = draft.opened
    if draft.closed:
        draft.status = "closed"
        closed_ts = min(g.now - d.DAY // 2, opened + int((20 + 380 * rng.random()) * d.DAY))
        draft.closed_ts = max(closed_ts, opened + 3600)
        draft.previous = "monitoring" if rng.random() < 0.85 else "closure_requested"
    else:
        age_days = (g.now - opened) / d.DAY
        draft.status = "open" if age_days < 7 else g.active_status(rng)
        draft.closed_ts = None
        draft.previous = d.STATUS_BEFORE.get(draft.status, "")
    draft.end = draft.closed_ts or g.now


def _reopenings(g: GeneratorBase, draft: CaseDraft) -> None:
    """Some older cases were closed and reopened once or twice."""
    rng = g.rng
    opened, end = draft.opened, draft.end
    if not ((g.now - opened) / d.DAY > 60 and rng.random() < 0.04):
        return
    draft.reopened = 2 if rng.random() < 0.12 else 1
    span = end - opened
    org = draft.office.org_id
    for index in range(draft.reopened):
        closed_before = opened + int(span * (0.2 + 0.3 * index))
        back = closed_before + int(span * 0.1)
        draft.timeline.add(
            "status",
            "Status: monitoring → ditutup.",
            closed_before,
            draft.worker,
            org,
            {"from": "monitoring", "to": "closed"},
        )
        draft.timeline.add(
            "status",
            "Kasus dibuka kembali.",
            back,
            draft.worker,
            org,
            {"from": "closed", "to": "open", "reopen": True},
        )


def _assessment(g: GeneratorBase, draft: CaseDraft) -> None:
    rng = g.rng
    opened, end = draft.opened, draft.end
    if not (draft.status != "open" or draft.closed) or not rng.random() < 0.75:
        return
    draft.needs = rng.sample(d.NEEDS, rng.randint(1, 3))
    assessed = opened + int(min(14 * d.DAY, (end - opened) * 0.2) * rng.random())
    g.emit(
        Assessment,
        AssessmentRow(
            g.new_id(Assessment),
            draft.case_id,
            draft.needs,
            g.risk(rng),
            "Asesmen awal oleh pekerja sosial.",
            draft.worker or g.worker(draft.office),
            g.at(assessed),
        ),
    )
    draft.timeline.add(
        "assessment", "Asesmen dicatat.", assessed, draft.worker, draft.office.org_id, {}
    )


def _note_and_service(g: GeneratorBase, draft: CaseDraft) -> None:
    """A case note, and a service delivered directly by the office (referrals add more)."""
    rng = g.rng
    opened, end = draft.opened, draft.end
    if rng.random() < 0.6:
        text = rng.choice(d.NOTE_TEXTS)
        at = opened + int((end - opened) * rng.random())
        draft.timeline.add("note", text, at, draft.worker, draft.office.org_id, {})
    in_service = draft.closed or draft.status in ("in_service", "monitoring", "closure_requested")
    if in_service and rng.random() < 0.42:
        service(
            g,
            draft.case_id,
            draft.office,
            draft.worker,
            draft.needs,
            opened,
            end,
            draft.closed,
            None,
        )


def _referrals(g: GeneratorBase, draft: CaseDraft) -> None:
    """Referrals in time order; an accepted transfer moves the case."""
    rng = g.rng
    referral_count = 1 if rng.random() < 0.215 else 0
    if referral_count and rng.random() < 0.15:
        referral_count = 2
    earliest = draft.opened
    for _ in range(referral_count):
        if earliest >= draft.end - d.HOUR:
            break
        earliest = referral(g, draft, earliest)


def _other_categories(g: GeneratorBase, draft: CaseDraft) -> None:
    rng = g.rng
    categories = g.ctx.categories
    if rng.random() >= 0.15:
        return
    through = Case.other_categories.through
    for code in rng.sample(sorted(categories), rng.randint(1, 2)):
        if code != draft.category:
            g.emit(through, CaseCategoryRow(g.new_id(through), draft.case_id, categories[code]))


def _case_row(g: GeneratorBase, draft: CaseDraft) -> CaseRow:
    rng = g.rng
    closed, status, worker = draft.closed, draft.status, draft.worker
    requested = status == "closure_requested" or (closed and rng.random() < 0.7)
    requested_at = (
        (draft.closed_ts or draft.change) - int(2 * d.DAY * rng.random()) if requested else None
    )
    person, owner = draft.person, draft.holder
    return CaseRow(
        id=draft.case_id,
        number=draft.number,
        beneficiary_id=person.id,
        beneficiary_name=person.full_name,
        primary_category_id=g.ctx.categories[draft.category],
        owner_org_id=owner.org_id,
        regency_id=owner.regency_id,
        district_id=person.place.district_id,
        assigned_to_id=worker,
        priority=g.priority(rng),
        summary=f"{person_label(person)} {rng.choice(d.SUMMARY_SITUATIONS)}.",
        status=status,
        status_before_closure=draft.previous if status in ("closed", "closure_requested") else "",
        opened_at=draft.opened_at,
        closed_at=g.at(draft.closed_ts) if draft.closed_ts else None,
        closure_reason=g.closure_reason(rng) if closed else "",
        closure_note="Ditutup setelah evaluasi akhir." if closed else "",
        closure_requested_by_id=worker if requested else None,
        closure_requested_at=g.at(max(draft.opened, requested_at)) if requested_at else None,
        reopened_count=draft.reopened,
        created_by_id=worker,
        created_at=draft.opened_at,
        updated_at=g.at(draft.timeline.latest),
        version=len(draft.timeline.events),
    )


def case(g: GeneratorBase, person: Person, opened: int, last: bool) -> None:
    """One case of `person` and everything on it; `last` is their latest case
    (earlier ones are closed)."""
    draft = _open(g, person, opened, last)
    _status(g, draft)
    _reopenings(g, draft)
    if draft.closed:
        draft.change = draft.end
    else:
        draft.change = opened + int((draft.end - opened) * (0.3 + 0.6 * g.rng.random()))
    _assessment(g, draft)
    _note_and_service(g, draft)
    _referrals(g, draft)
    if draft.previous and draft.status != "open":
        draft.timeline.add(
            "status",
            f"Status: {draft.previous} → {draft.status}.",
            draft.change,
            draft.worker,
            draft.holder.org_id,
            {"from": draft.previous, "to": draft.status},
        )
    _other_categories(g, draft)
    g.emit(Case, _case_row(g, draft))
    for row in draft.timeline.events:
        g.emit(CaseEvent, row)

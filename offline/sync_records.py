"""One record of the offline outbox, checked by the same forms and written by the
same services as the HTML pages (so history, audit and outbox effects are the
same). Each `accept_<kind>` returns an Outcome: the HTTP status and JSON body of
the answer (docs/OFFLINE.md). The view holds the transaction and the idempotency
key; nothing here commits on its own.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from cases import selectors
from cases.forms import (
    AssessmentForm,
    BeneficiaryForm,
    CaseEditForm,
    NoteForm,
    ServiceForm,
    apply_errors,
)
from cases.models import Beneficiary, Case
from cases.nik import normalize_number
from cases.services import delivery, opening, registration, timeline
from offline import sync_matches
from offline.models import Resolution
from pmks.errors import DomainError, DuplicateFound, VersionConflict

KINDS = ("beneficiary", "assessment", "service", "note", "case_edit")
CASE_KINDS = ("assessment", "service", "note", "case_edit")
DECISIONS = (None, "link", "separate")


@dataclass(frozen=True)
class SyncRecord:
    uuid: uuid_module.UUID
    kind: str
    data: dict[str, Any]
    case: int | None = None
    base_version: int | None = None
    decision: str | None = None
    link_to: int | None = None

    def identity(self) -> dict[str, Any]:
        """What makes two sends the same record (hashed for the idempotency key).
        The answers to a prompt (decision, link_to, base_version) are not part of
        it: a stale resend of the same record gets the kept answer, not a 422."""
        return {"kind": self.kind, "case": self.case, "data": self.data}


@dataclass
class Outcome:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def refused(errors: dict[str, list[str]], *, status: int = 400) -> Outcome:
    return Outcome(status, {"status": "refused", "errors": errors})


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def _as_id(value: Any) -> int | None:
    """A positive id from a JSON number or a string of digits (a select's value)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def parse_record(payload: Any) -> SyncRecord | dict[str, list[str]]:
    """The record, or the errors of a malformed body (field: [message])."""
    if not isinstance(payload, dict):
        return {"__all__": [_("Isi permintaan harus objek JSON.")]}
    errors: dict[str, list[str]] = {}
    try:
        record_uuid = uuid_module.UUID(str(payload.get("uuid", "")))
    except ValueError:
        errors["uuid"] = [_("UUID catatan tidak sah.")]
    kind = payload.get("kind")
    if kind not in KINDS:
        errors["kind"] = [_("Jenis catatan tidak dikenal.")]
    data = payload.get("data")
    if not isinstance(data, dict):
        errors["data"] = [_("Isian catatan harus objek JSON.")]
    case = _as_id(payload.get("case"))
    if kind in CASE_KINDS and case is None:
        errors["case"] = [_("Pilih kasus.")]
    base_version = _as_id(payload.get("base_version"))
    if kind == "case_edit" and base_version is None:
        errors["base_version"] = [_("Versi kasus yang diubah tidak ada.")]
    decision = payload.get("decision")
    if decision not in DECISIONS:
        errors["decision"] = [_("Keputusan tidak dikenal.")]
    link_to = _as_id(payload.get("link_to"))
    if payload.get("link_to") is not None and link_to is None:
        errors["link_to"] = [_("Pilih orang yang ada.")]
    if errors:
        return errors
    assert isinstance(kind, str) and isinstance(data, dict)
    return SyncRecord(
        uuid=record_uuid,
        kind=kind,
        data=data,
        case=case if kind in CASE_KINDS else None,
        base_version=base_version if kind == "case_edit" else None,
        decision=decision,
        link_to=link_to,
    )


def _created(record: SyncRecord, pk: int, url: str, message: str, **extra: Any) -> Outcome:
    body = {"status": "created", "id": pk, "url": url, "message": message, **extra}
    return Outcome(201, body)


# --- beneficiary ----------------------------------------------------------------------


def _lock_registrations(regency_id: int) -> None:
    """Two syncs registering people of one kabupaten/kota at once run one after the
    other, so the second sees the first and is prompted (a person without a NIK
    has no unique index to stop a twin). SQLite's IMMEDIATE transactions already
    write one at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [15_0001, regency_id])


def _duplicate(user: User, record: SyncRecord, exc: DuplicateFound, note: str = "") -> Outcome:
    if exc.details.get("beneficiary") is not None:
        person, visible = exc.details["beneficiary"], exc.details["visible"]
        match_type, people = "nik", [(person, visible)]
        allowed = ["link"] if visible else []
        guidance = (
            _("Orang dengan NIK yang sama tidak dapat didaftarkan dua kali.")
            if visible
            else _(
                "Datanya tidak dapat Anda lihat; hubungi kantor tersebut, atau perbaiki NIK "
                "bila salah ketik."
            )
        )
    else:
        match_type = "similar"
        people = [(m["beneficiary"], m["visible"]) for m in exc.details["matches"]]
        allowed = ["separate", *(["link"] if any(v for _p, v in people) else [])]
        guidance = ""
    matches = sync_matches.summaries(user, people)
    decision = sync_matches.decision_record(
        user=user, record_uuid=record.uuid, kind=record.kind, match_type=match_type, matches=matches
    )
    message = " ".join(str(part) for part in (exc.message, guidance, note) if part)
    return Outcome(
        409,
        {
            "status": "duplicate",
            "match_type": match_type,
            "matches": matches,
            "allowed_decisions": allowed,
            "decision_id": decision.pk,
            "message": message,
        },
    )


def _person_created(user: User, record: SyncRecord, person: Beneficiary, how: str) -> Outcome:
    sync_matches.decision_resolve(
        user=user, record_uuid=record.uuid, resolution=how, beneficiary=person
    )
    open_case = (
        reverse("cases:case_create_for", args=[person.pk])
        if selectors.may_open_case_for(user, person)
        else None
    )
    return _created(
        record,
        person.pk,
        reverse("cases:beneficiary_detail", args=[person.pk]),
        _("%(name)s terdaftar. Lanjutkan dengan membuka kasus.") % {"name": person.full_name},
        open_case_url=open_case,
    )


def _link(user: User, record: SyncRecord) -> Outcome:
    """Decision "link": nothing is created or changed; the answer names the person
    the worker chose (the one the NIK belongs to, when the NIK is registered). It is
    201 like a creation (the record arrived and is settled; the client marks it
    sent), with status "linked"."""
    nik = normalize_number(str(record.data.get("nik") or ""))
    owner = Beneficiary.objects.filter(nik=nik).first() if nik else None
    target = record.link_to or (owner.pk if owner else None)
    if owner is not None and target != owner.pk:
        message = _("NIK ini milik orang lain; hanya data itu yang dapat dipilih.")
        return refused({"link_to": [message]})
    person = Beneficiary.objects.visible_to(user).filter(pk=target).first() if target else None
    if person is None:
        return refused({"link_to": [_("Pilih orang yang ada dan dapat Anda lihat.")]})
    sync_matches.decision_resolve(
        user=user, record_uuid=record.uuid, resolution=Resolution.LINK, beneficiary=person
    )
    return Outcome(
        201,
        {
            "status": "linked",
            "id": person.pk,
            "url": reverse("cases:beneficiary_detail", args=[person.pk]),
            "message": _(
                "Tidak didaftarkan sebagai orang baru: dipakai data %(name)s yang sudah ada. "
                "Isian yang dikirim tidak mengubah data itu."
            )
            % {"name": person.full_name},
        },
    )


def accept_beneficiary(user: User, record: SyncRecord) -> Outcome:
    if record.decision == "link":
        return _link(user, record)
    form = BeneficiaryForm(record.data)
    if not form.is_valid():
        return refused(form_errors(form))
    _lock_registrations(form.cleaned_data["regency"].pk)
    try:
        person = registration.beneficiary_register(
            actor=user, data=form.service_data(), confirm_new=record.decision == "separate"
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return refused(form_errors(form))
    except DuplicateFound as exc:
        note = ""
        if record.decision == "separate":
            note = _('Pilihan "daftarkan sebagai orang baru" tidak berlaku untuk NIK yang sama.')
        return _duplicate(user, record, exc, note)
    return _person_created(user, record, person, record.decision or Resolution.RESENT)


# --- records on a case --------------------------------------------------------------------


def _case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def accept_assessment(user: User, record: SyncRecord, case: Case) -> Outcome:
    form = AssessmentForm(record.data)
    if not form.is_valid():
        return refused(form_errors(form))
    try:
        assessment = delivery.assessment_record(actor=user, case=case, **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return refused(form_errors(form))
    return _created(record, assessment.pk, _case_url(case), _("Asesmen dicatat."))


def accept_service(user: User, record: SyncRecord, case: Case) -> Outcome:
    form = ServiceForm(record.data)
    if not form.is_valid():
        return refused(form_errors(form))
    try:
        service = delivery.service_delivery_add(actor=user, case=case, **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return refused(form_errors(form))
    return _created(record, service.pk, _case_url(case), _("Layanan dicatat."))


def accept_note(user: User, record: SyncRecord, case: Case) -> Outcome:
    form = NoteForm(record.data)
    if not form.is_valid():
        return refused(form_errors(form))
    try:
        event = timeline.case_add_note(actor=user, case=case, text=form.cleaned_data["text"])
    except ValidationError as exc:
        apply_errors(form, exc)
        return refused(form_errors(form))
    return _created(record, event.pk, _case_url(case), _("Catatan disimpan."))


def _form_value(current: Case, name: str) -> Any:
    """The saved value of a case field as the edit form takes it (ids for
    categories), so the client can resend "theirs" as it is."""
    if name == "other_categories":
        return sorted(current.other_categories.values_list("pk", flat=True))
    if name == "primary_category":
        return current.primary_category_id
    return getattr(current, name)


def _conflict(exc: VersionConflict, record: SyncRecord) -> Outcome:
    """The case edit form's conflict (templates/cases/_conflict.html) as JSON: each
    field's display (mine, theirs) and its form value (mine_value, theirs_value)."""
    current = exc.details["current"]
    return Outcome(
        409,
        {
            "status": "conflict",
            "message": str(exc.message),
            "field_conflicts": [
                {
                    "field": c["field"],
                    "label": c["label"],
                    "mine": c["yours"],
                    "theirs": c["current"],
                    "mine_value": record.data.get(c["field"]),
                    "theirs_value": _form_value(current, c["field"]),
                }
                for c in exc.details.get("changes", [])
            ],
            "server_version": current.version,
        },
    )


def accept_case_edit(user: User, record: SyncRecord, case: Case) -> Outcome:
    """An edit names only the fields it changes (the offline form edits priority and
    category): the others are checked as they are saved and not written."""
    saved = CaseEditForm.initial_for(case, list(case.other_categories.all()))
    form = CaseEditForm({**saved, **record.data, "version": record.base_version})
    if not form.is_valid():
        return refused(form_errors(form))
    data = {name: value for name, value in form.cleaned_data.items() if name in record.data}
    confirmed = bool(data.pop("age_mismatch_confirmed", False))
    version = form.cleaned_data["version"]
    try:
        changed = opening.case_update(
            actor=user,
            case=case,
            expected_version=version,
            data=data,
            age_mismatch_confirmed=confirmed,
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return refused(form_errors(form))
    except VersionConflict as exc:
        return _conflict(exc, record)
    return _created(
        record, changed.pk, _case_url(changed), _("Kasus disimpan."), version=changed.version
    )


CASE_HANDLERS: dict[str, Callable[[User, SyncRecord, Case], Outcome]] = {
    "assessment": accept_assessment,
    "service": accept_service,
    "note": accept_note,
    "case_edit": accept_case_edit,
}


def accept(user: User, record: SyncRecord) -> Outcome:
    """Check and write one record. Http404 (a case out of reach) and NotAllowed
    propagate to the view, which answers them as the HTML pages do (404, 403)."""
    if record.kind == "beneficiary":
        if not policy.may_register(user):
            return refused(
                {"__all__": [_("Anda hanya dapat melihat data, tidak dapat mendaftarkan orang.")]},
                status=403,
            )
        return accept_beneficiary(user, record)
    assert record.case is not None  # parse_record: a case kind names its case
    case = selectors.get_case_for_user(user, record.case, write=True)
    try:
        return CASE_HANDLERS[record.kind](user, record, case)
    except DomainError as exc:
        if exc.http_status == 403:
            raise
        return refused({"__all__": [str(exc.message)]})

"""Writes on beneficiaries and cases. Views, API views and tasks call these;
they never save case rows themselves.

Functions that other apps call (keep their signatures stable):
- case_add_event: append to a case's timeline.
- service_delivery_create: record a service on a case (referrals call it when a
  service referral is accepted).
- case_transfer_ownership: move a case to another office (referrals call it when
  a transfer is accepted, inside their own transaction).

Every edit of a versioned row (beneficiary, case, service) first claims the
version with a conditional UPDATE ... WHERE version = expected, so of two
concurrent saves exactly one wins and the other gets VersionConflict with what
changed; then the row is saved normally so django-auditlog records the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.models import Organization, User
from accounts.scoping import is_office_supervisor_of
from cases.attachments import check_upload, safe_name
from cases.models import (
    ACTIVE_STATUSES,
    SNAPSHOT_FIELDS,
    Assessment,
    Attachment,
    Beneficiary,
    Case,
    CaseEvent,
    CaseFormerOwner,
    CaseNumberCounter,
    CaseStatus,
    ClosureReason,
    EventKind,
    LegalBasis,
    Need,
    PmksCategory,
    RiskLevel,
    ServiceDelivery,
    ServiceStatus,
    ServiceType,
)
from cases.nik import nik_mismatches, normalize_number, parse_nik, validate_no_kk
from cases.selectors import (
    beneficiary_find_matches,
    describe_matches,
    may_write_beneficiary,
    may_write_case,
)
from pmks.errors import DuplicateFound, NotAllowed, TransitionNotAllowed, VersionConflict
from pmks.hooks import data_changed
from regions.models import PROVINCE_CODE, Level, Region

# --- helpers -----------------------------------------------------------------------


def _require_case_writer(actor: User, case: Case) -> None:
    if not may_write_case(actor, case):
        raise NotAllowed(_("Anda tidak dapat mengubah kasus ini."))


def _locked(case: Case) -> Case:
    """The case as saved now, locked for this transaction (the caller's copy may be stale)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("beneficiary", "primary_category", "owner_org", "assigned_to")
        .get(pk=case.pk)
    )


def _claim_version(model: type[models.Model], pk: int, expected: int) -> bool:
    """Conditional UPDATE: bump the version only if it is still `expected`."""
    return (
        model._default_manager.filter(pk=pk, version=expected).update(  # type: ignore[attr-defined]
            version=expected + 1
        )
        == 1
    )


def _display(instance: models.Model, field_name: str, value: Any) -> str:
    field = instance._meta.get_field(field_name)
    if value in (None, ""):
        return "—"
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))  # type: ignore[union-attr]
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return ", ".join(sorted(str(item) for item in value)) or "—"
    return str(value)


def _current_value(instance: models.Model, field_name: str) -> Any:
    field = instance._meta.get_field(field_name)
    if field.many_to_many:
        return list(getattr(instance, field_name).all())
    return getattr(instance, field_name)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, list | tuple | set) or isinstance(right, list | tuple | set):
        return {getattr(x, "pk", x) for x in left or ()} == {
            getattr(x, "pk", x) for x in right or ()
        }
    if isinstance(left, models.Model) or isinstance(right, models.Model):
        return getattr(left, "pk", left) == getattr(right, "pk", right)
    return (left or None) == (right or None)


def _label(field: models.Field[Any, Any] | models.ForeignObjectRel) -> str:
    """The verbose name of one of the model's own fields (the services' data never
    names a reverse relation, which has none)."""
    assert isinstance(field, models.Field), f"{field.name} is not a field of its own"
    return str(field.verbose_name)


def _version_conflict(current: models.Model, data: dict[str, Any]) -> VersionConflict:
    """What the user typed against what is saved now, field by field."""
    changes = []
    for name, theirs in data.items():
        try:
            field = current._meta.get_field(name)
        except Exception:  # noqa: BLE001  (form-only keys such as confirmations)
            continue
        now = _current_value(current, name)
        if not _same(theirs, now):
            changes.append(
                {
                    "field": name,
                    "label": _label(field),
                    "yours": _display(current, name, theirs),
                    "current": _display(current, name, now),
                }
            )
    return VersionConflict(
        _(
            "Data ini sudah diubah orang lain sejak Anda membukanya. Perubahan Anda belum "
            "disimpan; periksa perbedaannya lalu simpan lagi."
        ),
        current=current,
        changes=changes,
    )


def _changed_labels(instance: models.Model, data: dict[str, Any]) -> list[str]:
    labels = []
    for name, value in data.items():
        if not _same(value, _current_value(instance, name)):
            labels.append(_label(instance._meta.get_field(name)))
    return labels


# --- timeline, services, transfer (used by referrals) ------------------------------


def case_add_event(
    *,
    case: Case,
    kind: str,
    text: str,
    actor: User | None = None,
    actor_org: Organization | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Append one entry to the case timeline."""
    if actor_org is None and actor is not None:
        actor_org = actor.organization
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        text=text,
        actor=actor,
        actor_org=actor_org,
        data=data or {},
        created_at=at or timezone.now(),
    )


@transaction.atomic
def service_delivery_create(
    *,
    case: Case,
    service_type: ServiceType,
    actor: User | None,
    provider_org: Organization | None = None,
    provider_name: str = "",
    status: str = ServiceStatus.PLANNED,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    outcome: str = "",
) -> ServiceDelivery:
    """Record a service delivered (or planned) on a case, with a timeline entry."""
    service = ServiceDelivery(
        case=case,
        service_type=service_type,
        provider_org=provider_org,
        provider_name=provider_name,
        status=status,
        start_date=start_date,
        end_date=end_date,
        outcome=outcome,
        created_by=actor,
    )
    service.full_clean()
    service.save()
    provider = provider_org.name if provider_org else (provider_name or "-")
    case_add_event(
        case=case,
        kind=EventKind.SERVICE,
        text=f"{service_type.name} — {provider} ({service.get_status_display()})",
        actor=actor,
        data={"service_id": service.pk, "status": status},
    )
    data_changed("service", service.pk)
    return service


def _snapshot(case: Case) -> dict[str, Any]:
    """What the former owner keeps seeing of the case itself after a transfer."""
    snapshot: dict[str, Any] = {name: getattr(case, name) for name in SNAPSHOT_FIELDS}
    snapshot["other_category_ids"] = sorted(
        case.other_categories.values_list("pk", flat=True)  # type: ignore[arg-type]
    )
    return snapshot


@transaction.atomic
def case_transfer_ownership(
    *,
    case: Case,
    to_org: Organization,
    assigned_to: User | None,
    actor: User,
    note: str = "",
) -> Case:
    """Move a case to another office in the caller's transaction.

    The former owner keeps read access to the history up to now. The row is
    locked first so two transfers of one case cannot interleave.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    now = timezone.now()
    from_org = case.owner_org
    CaseFormerOwner.objects.create(
        case=case,
        organization=from_org,
        until=now,
        snapshot=_snapshot(case),
    )
    Case.objects.filter(pk=case.pk).update(
        owner_org=to_org,
        regency_id=to_org.region_id,
        assigned_to=assigned_to,
        version=F("version") + 1,
        updated_at=now,
    )
    case.refresh_from_db()
    case_add_event(
        case=case,
        kind=EventKind.TRANSFER,
        text=f"{from_org.name} → {to_org.name}" + (f": {note}" if note else ""),
        actor=actor,
        data={"from_org": from_org.pk, "to_org": to_org.pk},
        at=now,
    )
    data_changed("case", case.pk)
    return case


# --- beneficiaries -------------------------------------------------------------------

BENEFICIARY_FIELDS = (
    "nik",
    "nik_absent_reason",
    "no_kk",
    "full_name",
    "sex",
    "birth_date",
    "birth_date_estimated",
    "birth_place",
    "address",
    "region",
    "phone",
    "has_disability",
    "disability_note",
    "legal_basis",
    "consent_note",
)


@dataclass
class _Cleaned:
    values: dict[str, Any]
    regency: Region
    district: Region | None


def _resolve_region(region: Region | int | str | None) -> tuple[Region, Region, Region | None]:
    """The chosen region and its kabupaten/kota and kecamatan (one query at most)."""
    message = _("Pilih kabupaten/kota, kecamatan atau desa/kelurahan di Kalimantan Timur.")
    if region in (None, ""):
        raise ValidationError({"region": message})
    if not isinstance(region, Region):
        region = Region.objects.filter(pk=region).first()
    if region is None or region.level == Level.PROVINCE:
        raise ValidationError({"region": message})
    if not region.code.startswith(f"{PROVINCE_CODE}."):
        raise ValidationError({"region": message})
    parts = region.code.split(".")
    wanted = {".".join(parts[:2])}
    if len(parts) >= 3:
        wanted.add(".".join(parts[:3]))
    wanted.discard(region.code)
    found = {r.code: r for r in Region.objects.filter(code__in=wanted)} if wanted else {}
    found[region.code] = region
    regency = found[".".join(parts[:2])]
    district = found.get(".".join(parts[:3])) if len(parts) >= 3 else None
    return region, regency, district


def _nik_duplicate(actor: User, existing: Beneficiary) -> DuplicateFound:
    from cases.selectors import organization_contact

    visible = Beneficiary.objects.visible_to(actor).filter(pk=existing.pk).exists()
    organization = existing.registered_by_org
    return DuplicateFound(
        _("NIK ini sudah terdaftar atas nama orang lain di sistem."),
        beneficiary=existing,
        owner_org=organization.name,
        organization=organization,
        contact=organization_contact(organization),
        visible=visible,
    )


def _clean_beneficiary(
    actor: User, data: dict[str, Any], *, instance: Beneficiary | None = None
) -> _Cleaned:
    """Normalize and check the person's fields; collect every error at once.

    An existing NIK raises DuplicateFound before anything else: the caseworker
    must learn first that the person is already registered.
    """
    errors: dict[str, list[Any]] = {}
    values = {name: data.get(name) for name in BENEFICIARY_FIELDS if name in data}
    for text_field in (
        "nik_absent_reason",
        "full_name",
        "sex",
        "birth_place",
        "address",
        "phone",
        "disability_note",
        "legal_basis",
        "consent_note",
    ):
        values[text_field] = " ".join(str(values.get(text_field) or "").split())
    values["birth_date_estimated"] = bool(values.get("birth_date_estimated"))
    values["has_disability"] = bool(values.get("has_disability"))

    nik = normalize_number(data.get("nik"))
    info = None
    if nik:
        try:
            info = parse_nik(nik)
        except ValidationError as exc:
            errors["nik"] = exc.messages
        else:
            same_nik = Beneficiary.objects.filter(nik=info.nik)
            if instance is not None:
                same_nik = same_nik.exclude(pk=instance.pk)
            existing = same_nik.select_related("registered_by_org").first()
            if existing is not None:
                raise _nik_duplicate(actor, existing)
        values["nik"] = nik
        values["nik_absent_reason"] = ""
    else:
        values["nik"] = None
        if not values["nik_absent_reason"]:
            errors["nik_absent_reason"] = [
                _("Tanpa NIK, pilih alasannya (misalnya belum tercatat di Dukcapil).")
            ]

    if info is not None:
        if not values.get("sex"):
            values["sex"] = info.sex
        if not values.get("birth_date"):
            values["birth_date"] = info.birth_date
            values["birth_date_estimated"] = False
        if not data.get("nik_mismatch_confirmed"):
            for field, message in nik_mismatches(
                info, sex=values["sex"], birth_date=values["birth_date"]
            ).items():
                errors.setdefault(field, []).append(ValidationError(message, code="nik_mismatch"))

    no_kk = normalize_number(data.get("no_kk"))
    if no_kk:
        try:
            no_kk = validate_no_kk(no_kk)
        except ValidationError as exc:
            errors["no_kk"] = exc.messages
    values["no_kk"] = no_kk

    if not values["full_name"]:
        errors["full_name"] = [_("Nama lengkap wajib diisi.")]
    if not values.get("sex"):
        errors["sex"] = [_("Pilih jenis kelamin.")]
    birth_date = values.get("birth_date")
    if birth_date and birth_date > timezone.localdate():
        errors["birth_date"] = [_("Tanggal lahir tidak boleh di masa depan.")]
    if not values["legal_basis"]:
        errors["legal_basis"] = [
            _("Pilih dasar pemrosesan data pribadi (UU 27/2022 tentang Pelindungan Data Pribadi).")
        ]
    elif values["legal_basis"] == LegalBasis.CONSENT and not values["consent_note"]:
        errors["consent_note"] = [
            _("Catat siapa yang memberi persetujuan dan kapan (misalnya: ybs., lisan, 3 Mei).")
        ]
    if values["has_disability"] is False:
        values["disability_note"] = ""

    regency = district = None
    try:
        region, regency, district = _resolve_region(data.get("region"))
        values["region"] = region
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert regency is not None
    return _Cleaned(values=values, regency=regency, district=district)


@transaction.atomic
def beneficiary_register(
    *, actor: User, data: dict[str, Any], confirm_new: bool = False
) -> Beneficiary:
    """Register a person without creating a duplicate.

    - An existing NIK raises DuplicateFound(beneficiary=…, owner_org=…, visible=…):
      the caller links to the person, or names the office when it is out of scope.
    - Without a NIK match, likely matches (similar name, birth date ±2 years, same
      kabupaten/kota) raise DuplicateFound(matches=[…]) until `confirm_new`.
    """
    if not policy.may_register(actor):
        raise NotAllowed(_("Anda tidak dapat mendaftarkan penerima manfaat."))
    cleaned = _clean_beneficiary(actor, data)
    values = cleaned.values
    if not confirm_new:
        matches = beneficiary_find_matches(
            full_name=values["full_name"],
            birth_date=values.get("birth_date"),
            regency=cleaned.regency,
            without_nik_only=bool(values["nik"]),
        )
        if matches:
            raise DuplicateFound(
                _(
                    "Ada orang terdaftar yang mirip. Periksa daftar ini sebelum menyimpan "
                    "orang baru."
                ),
                matches=describe_matches(actor, matches),
            )
    organization = actor.organization
    beneficiary = Beneficiary(
        **values,
        regency=cleaned.regency,
        district=cleaned.district,
        registered_by_org=organization,
        registered_regency_id=organization.region_id,
        registered_by=actor,
    )
    beneficiary.full_clean()
    try:
        with transaction.atomic():
            beneficiary.save()
    except IntegrityError:
        existing = Beneficiary.objects.filter(nik=values["nik"]).first() if values["nik"] else None
        if existing is None:
            raise
        raise _nik_duplicate(actor, existing) from None
    data_changed("beneficiary", beneficiary.pk)
    return beneficiary


@transaction.atomic
def beneficiary_update(
    *, actor: User, beneficiary: Beneficiary, expected_version: int, data: dict[str, Any]
) -> Beneficiary:
    """Change a person's data; VersionConflict (nothing saved) if someone saved first."""
    if not may_write_beneficiary(actor, beneficiary):
        raise NotAllowed(_("Anda tidak dapat mengubah data orang ini."))
    cleaned = _clean_beneficiary(actor, data, instance=beneficiary)
    values = {**cleaned.values, "regency": cleaned.regency, "district": cleaned.district}
    if not _claim_version(Beneficiary, beneficiary.pk, expected_version):
        current = Beneficiary.objects.select_related("region").get(pk=beneficiary.pk)
        raise _version_conflict(current, {k: v for k, v in values.items() if k in data})
    current = Beneficiary.objects.get(pk=beneficiary.pk)
    district_changed = current.district_id != getattr(cleaned.district, "pk", None)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if district_changed:
        # Cases carry the person's kecamatan for lists and statistics.
        Case.objects.filter(beneficiary=current).update(district=cleaned.district)

    data_changed("beneficiary", current.pk)
    return current


# --- cases ---------------------------------------------------------------------------


def _next_case_number(regency: Region, year: int) -> str:
    """`6472/2026/00017`: per kabupaten/kota and year, gap-free under concurrency
    (the counter row is incremented with a single UPDATE before being read)."""
    prefix = f"{regency.code.replace('.', '')}/{year}"
    if not CaseNumberCounter.objects.filter(prefix=prefix).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(prefix=prefix, last=1)
        except IntegrityError:
            CaseNumberCounter.objects.filter(prefix=prefix).update(last=F("last") + 1)
    last = CaseNumberCounter.objects.get(prefix=prefix).last
    return f"{prefix}/{last:05d}"


def _check_assignee(assignee: User, organization: Organization) -> None:
    if not policy.is_assignable(assignee, organization):
        raise ValidationError(
            {
                "assigned_to": _("%(user)s bukan pekerja sosial aktif di %(org)s.")
                % {"user": assignee.display_name, "org": organization.name}
            }
        )


@transaction.atomic
def case_open(
    *,
    actor: User,
    beneficiary: Beneficiary,
    primary_category: PmksCategory,
    other_categories: Iterable[PmksCategory] = (),
    priority: str = "normal",
    summary: str = "",
    assigned_to: User | None = None,
) -> Case:
    """Open a case for a person the actor may see, owned by the actor's office."""
    organization = actor.organization
    if not policy.may_register(actor) or organization is None:
        raise NotAllowed(_("Anda tidak dapat membuka kasus."))
    if not Beneficiary.objects.writable_by(actor).filter(pk=beneficiary.pk).exists():
        # Registered elsewhere, or its case was transferred away from this office:
        # the office that owns the person's case now opens new ones (DESIGN.md).
        raise NotAllowed(
            _("Orang ini ditangani kantor lain; hubungi kantor tersebut untuk rujukan.")
        )
    if assigned_to is None:
        assigned_to = policy.default_assignee(actor)
    if assigned_to is not None:
        _check_assignee(assigned_to, organization)
    now = timezone.now()
    case = Case(
        number=_next_case_number(organization.region, timezone.localdate().year),
        beneficiary=beneficiary,
        primary_category=primary_category,
        owner_org=organization,
        regency_id=organization.region_id,
        district_id=beneficiary.district_id,
        assigned_to=assigned_to,
        priority=priority,
        summary=summary.strip(),
        status=CaseStatus.OPEN,
        opened_at=now,
        created_by=actor,
    )
    case.full_clean()
    case.save()
    others = [c for c in other_categories if c.pk != primary_category.pk]
    if others:
        case.other_categories.set(others)
    case_add_event(
        case=case,
        kind=EventKind.CREATED,
        text=_("Kasus dibuka: %(category)s") % {"category": primary_category.name},
        actor=actor,
        data={"to": CaseStatus.OPEN},
        at=now,
    )
    if assigned_to is not None:
        case_add_event(
            case=case,
            kind=EventKind.ASSIGNMENT,
            text=_("Ditugaskan kepada %(user)s") % {"user": assigned_to.display_name},
            actor=actor,
            data={"assigned_to": assigned_to.pk},
            at=now,
        )
    data_changed("case", case.pk)
    return case


CASE_EDIT_FIELDS = ("primary_category", "other_categories", "priority", "summary")


@transaction.atomic
def case_update(*, actor: User, case: Case, expected_version: int, data: dict[str, Any]) -> Case:
    """Edit a case's category, priority and summary; VersionConflict if stale."""
    _require_case_writer(actor, case)
    data = {k: v for k, v in data.items() if k in CASE_EDIT_FIELDS}
    if "summary" in data:
        data["summary"] = (data["summary"] or "").strip()
    if "other_categories" in data:
        data["other_categories"] = list(data["other_categories"] or ())
    if not _claim_version(Case, case.pk, expected_version):
        current = Case.objects.select_related(*_CASE_FK).get(pk=case.pk)
        raise _version_conflict(current, data)
    current = Case.objects.select_related(*_CASE_FK).get(pk=case.pk)
    changed = _changed_labels(current, data)
    others = data.pop("other_categories", None)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if others is not None:
        current.other_categories.set([c for c in others if c.pk != current.primary_category_id])
    if changed:
        case_add_event(
            case=current,
            kind=EventKind.EDIT,
            text=_("Data kasus diubah: %(fields)s") % {"fields": ", ".join(changed)},
            actor=actor,
        )
    data_changed("case", current.pk)
    return current


_CASE_FK = ("beneficiary", "primary_category", "owner_org", "assigned_to")


@dataclass(frozen=True)
class Move:
    """One row of the transition table. `target=None` means back to the status
    the case had before its closure was requested (a rejected closure)."""

    name: str
    label: Promise
    sources: tuple[str, ...]
    target: str | None
    supervisor_only: bool = False
    needs_reason: bool = False
    needs_closure_reason: bool = False
    style: str = ""


TRANSITIONS: tuple[Move, ...] = (
    Move("assess", gettext_lazy("Mulai asesmen"), (CaseStatus.OPEN,), CaseStatus.ASSESSMENT),
    Move(
        "serve",
        gettext_lazy("Mulai layanan"),
        (CaseStatus.ASSESSMENT, CaseStatus.MONITORING),
        CaseStatus.IN_SERVICE,
    ),
    Move(
        "monitor", gettext_lazy("Mulai pemantauan"), (CaseStatus.IN_SERVICE,), CaseStatus.MONITORING
    ),
    Move(
        "request_closure",
        gettext_lazy("Ajukan penutupan"),
        tuple(ACTIVE_STATUSES),
        CaseStatus.CLOSURE_REQUESTED,
        needs_closure_reason=True,
    ),
    Move(
        "approve_closure",
        gettext_lazy("Setujui penutupan"),
        (CaseStatus.CLOSURE_REQUESTED,),
        CaseStatus.CLOSED,
        supervisor_only=True,
        style="primary",
    ),
    Move(
        "reject_closure",
        gettext_lazy("Tolak penutupan"),
        (CaseStatus.CLOSURE_REQUESTED,),
        None,
        supervisor_only=True,
        needs_reason=True,
        style="danger",
    ),
    Move(
        "reopen",
        gettext_lazy("Buka kembali"),
        (CaseStatus.CLOSED,),
        CaseStatus.OPEN,
        needs_reason=True,
    ),
)


def _target_of(move: Move, case: Case) -> str:
    return move.target or case.status_before_closure or CaseStatus.OPEN


def find_move(case: Case, to_status: str) -> Move | None:
    for move in TRANSITIONS:
        if case.status in move.sources and _target_of(move, case) == to_status:
            return move
    return None


def allowed_moves(user: User, case: Case) -> list[tuple[Move, str]]:
    """(move, target status) the user may make now; the page shows only these."""
    if not may_write_case(user, case):
        return []
    supervisor = is_office_supervisor_of(user, case.owner_org)
    return [
        (move, _target_of(move, case))
        for move in TRANSITIONS
        if case.status in move.sources and (supervisor or not move.supervisor_only)
    ]


@transaction.atomic
def case_transition(
    *,
    actor: User,
    case: Case,
    to_status: str,
    expected_version: int | None = None,
    reason: str = "",
    closure_reason: str = "",
) -> Case:
    """Move a case through the one transition table above.

    open → assessment → in_service ⇄ monitoring; any active status → closure
    requested (with a closure reason) → closed (a supervisor of the office
    approves) or back where it was (a supervisor rejects, with a reason);
    closed → open (reopen, with a reason).
    """
    current = Case.objects.select_for_update(of=("self",)).select_related(*_CASE_FK).get(pk=case.pk)
    _require_case_writer(actor, current)
    if expected_version is not None and current.version != expected_version:
        raise _version_conflict(current, {"status": to_status})
    move = find_move(current, to_status)
    if move is None:
        raise TransitionNotAllowed(
            _("Status tidak dapat diubah dari “%(from)s” ke “%(to)s”.")
            % {
                "from": CaseStatus(current.status).label,
                "to": dict(CaseStatus.choices).get(to_status, to_status),
            }
        )
    if move.supervisor_only and not is_office_supervisor_of(actor, current.owner_org):
        raise NotAllowed(_("Hanya supervisor kantor pemilik kasus yang dapat memutuskan ini."))
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise ValidationError({"reason": _("Alasan wajib diisi.")})
    if move.needs_closure_reason and closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": _("Pilih alasan penutupan.")})
    if not _claim_version(Case, current.pk, current.version):
        raise _version_conflict(Case.objects.get(pk=current.pk), {"status": to_status})
    current.version += 1

    now = timezone.now()
    old = current.status
    data: dict[str, Any] = {"from": old, "to": to_status, "move": move.name}
    text = f"{CaseStatus(old).label} → {CaseStatus(to_status).label}"
    if move.name == "request_closure":
        current.status_before_closure = old
        current.closure_reason = closure_reason
        current.closure_note = reason
        current.closure_requested_by = actor
        current.closure_requested_at = now
        data["closure_reason"] = closure_reason
        text += f" ({ClosureReason(closure_reason).label})" + (f": {reason}" if reason else "")
    elif move.name == "approve_closure":
        current.closed_at = now
        text = _("Penutupan disetujui (%(reason)s)") % {
            "reason": ClosureReason(current.closure_reason).label if current.closure_reason else "-"
        }
        data["approved"] = True
    elif move.name == "reject_closure":
        current.status_before_closure = ""
        current.closure_reason = ""
        current.closure_note = ""
        current.closure_requested_by = None
        current.closure_requested_at = None
        text = _("Penutupan ditolak, kembali ke “%(status)s”: %(reason)s") % {
            "status": CaseStatus(to_status).label,
            "reason": reason,
        }
        data["rejected"] = True
    elif move.name == "reopen":
        current.closed_at = None
        current.closure_reason = ""
        current.closure_note = ""
        current.status_before_closure = ""
        current.closure_requested_by = None
        current.closure_requested_at = None
        current.reopened_count += 1
        data["reopen"] = True
        text = _("Kasus dibuka kembali: %(reason)s") % {"reason": reason}
    elif reason:
        text += f": {reason}"
    current.status = to_status
    current.full_clean()
    current.save()
    case_add_event(case=current, kind=EventKind.STATUS, text=text, actor=actor, data=data, at=now)
    data_changed("case", current.pk)
    return current


def case_request_closure(
    *,
    actor: User,
    case: Case,
    closure_reason: str,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    return case_transition(
        actor=actor,
        case=case,
        to_status=CaseStatus.CLOSURE_REQUESTED,
        closure_reason=closure_reason,
        reason=note,
        expected_version=expected_version,
    )


def case_approve_closure(*, actor: User, case: Case, expected_version: int | None = None) -> Case:
    return case_transition(
        actor=actor, case=case, to_status=CaseStatus.CLOSED, expected_version=expected_version
    )


def case_reject_closure(
    *, actor: User, case: Case, reason: str, expected_version: int | None = None
) -> Case:
    if case.status != CaseStatus.CLOSURE_REQUESTED:
        raise TransitionNotAllowed(_("Kasus ini tidak sedang menunggu persetujuan penutupan."))
    return case_transition(
        actor=actor,
        case=case,
        to_status=case.status_before_closure or CaseStatus.OPEN,
        reason=reason,
        expected_version=expected_version,
    )


def case_reopen(
    *, actor: User, case: Case, reason: str, expected_version: int | None = None
) -> Case:
    return case_transition(
        actor=actor,
        case=case,
        to_status=CaseStatus.OPEN,
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def case_assign(*, actor: User, cases: Iterable[Case], assignee: User) -> int:
    """Give cases to a caseworker of their owning office (supervisors of the office).

    All or nothing: one case the actor may not reassign, or an assignee outside a
    case's office, refuses the whole batch. Returns how many cases changed hands.
    """
    pks = [c.pk for c in cases]
    if not pks:
        return 0
    locked = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("owner_org", "beneficiary")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    for case in locked:
        if not may_write_case(actor, case) or not is_office_supervisor_of(actor, case.owner_org):
            raise NotAllowed(
                _("Anda tidak dapat menugaskan ulang kasus %(number)s.") % {"number": case.number}
            )
        _check_assignee(assignee, case.owner_org)
    changed = 0
    now = timezone.now()
    for case in locked:
        if case.assigned_to_id == assignee.pk:
            continue
        if not _claim_version(Case, case.pk, case.version):
            raise _version_conflict(Case.objects.get(pk=case.pk), {"assigned_to": assignee})
        case.version += 1
        case.assigned_to = assignee
        case.save()
        case_add_event(
            case=case,
            kind=EventKind.ASSIGNMENT,
            text=_("Ditugaskan kepada %(user)s") % {"user": assignee.display_name},
            actor=actor,
            data={"assigned_to": assignee.pk},
            at=now,
        )
        data_changed("case", case.pk)
        changed += 1
    return changed


@transaction.atomic
def case_add_note(*, actor: User, case: Case, text: str) -> CaseEvent:
    _require_case_writer(actor, case)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Catatan tidak boleh kosong.")})
    event = case_add_event(case=case, kind=EventKind.NOTE, text=text, actor=actor)
    data_changed("case", case.pk)
    return event


@transaction.atomic
def assessment_record(
    *, actor: User, case: Case, needs: Iterable[str], risk_level: str, notes: str = ""
) -> Assessment:
    """Record an assessment. A case still "open" moves to "assessment"."""
    case = _locked(case)
    _require_case_writer(actor, case)
    needs = list(dict.fromkeys(needs))
    unknown = [n for n in needs if n not in Need.values]
    errors = {}
    if unknown:
        errors["needs"] = _("Kebutuhan tidak dikenal: %(codes)s") % {"codes": ", ".join(unknown)}
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = _("Pilih tingkat risiko.")
    if case.status not in ACTIVE_STATUSES:
        raise TransitionNotAllowed(_("Asesmen hanya untuk kasus yang masih aktif."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    assessment = Assessment(
        case=case,
        needs=needs,
        risk_level=risk_level,
        notes=(notes or "").strip(),
        assessed_by=actor,
        assessed_at=now,
    )
    assessment.full_clean()
    assessment.save()
    labels = ", ".join(str(Need(n).label) for n in needs) or "-"
    case_add_event(
        case=case,
        kind=EventKind.ASSESSMENT,
        text=_("Asesmen: risiko %(risk)s; kebutuhan: %(needs)s")
        % {"risk": RiskLevel(risk_level).label, "needs": labels},
        actor=actor,
        data={"assessment_id": assessment.pk, "risk_level": risk_level, "needs": needs},
        at=now,
    )
    if case.status == CaseStatus.OPEN:
        case_transition(actor=actor, case=case, to_status=CaseStatus.ASSESSMENT)
    data_changed("case", case.pk)
    return assessment


def _check_service_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"end_date": _("Tanggal selesai tidak boleh sebelum tanggal mulai.")})


@transaction.atomic
def service_delivery_add(
    *,
    actor: User,
    case: Case,
    service_type: ServiceType,
    provider_org: Organization | None = None,
    provider_name: str = "",
    status: str = ServiceStatus.PLANNED,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    outcome: str = "",
) -> ServiceDelivery:
    """A caseworker records a service on their case (checks, then service_delivery_create)."""
    case = _locked(case)
    _require_case_writer(actor, case)
    if case.status not in ACTIVE_STATUSES:
        raise TransitionNotAllowed(_("Layanan hanya dapat dicatat pada kasus yang aktif."))
    _check_service_dates(start_date, end_date)
    if status == ServiceStatus.DONE and not (outcome or "").strip():
        raise ValidationError({"outcome": _("Isi hasil layanan yang sudah selesai.")})
    return service_delivery_create(
        case=case,
        service_type=service_type,
        actor=actor,
        provider_org=provider_org,
        provider_name=(provider_name or "").strip(),
        status=status,
        start_date=start_date,
        end_date=end_date,
        outcome=(outcome or "").strip(),
    )


SERVICE_EDIT_FIELDS = (
    "status",
    "start_date",
    "end_date",
    "outcome",
    "provider_org",
    "provider_name",
)


@transaction.atomic
def service_delivery_update(
    *, actor: User, service: ServiceDelivery, expected_version: int, data: dict[str, Any]
) -> ServiceDelivery:
    """Update a service's status, dates and outcome; VersionConflict if stale."""
    _require_case_writer(actor, service.case)
    data = {k: v for k, v in data.items() if k in SERVICE_EDIT_FIELDS}
    for text_field in ("outcome", "provider_name"):
        if text_field in data:
            data[text_field] = (data[text_field] or "").strip()
    if data.get("status") == ServiceStatus.DONE:
        if not data.get("outcome", service.outcome):
            raise ValidationError({"outcome": _("Isi hasil layanan yang sudah selesai.")})
        if not data.get("end_date", service.end_date):
            data["end_date"] = timezone.localdate()
    _check_service_dates(
        data.get("start_date", service.start_date), data.get("end_date", service.end_date)
    )
    if not _claim_version(ServiceDelivery, service.pk, expected_version):
        current = ServiceDelivery.objects.select_related("service_type", "provider_org").get(
            pk=service.pk
        )
        raise _version_conflict(current, data)
    current = ServiceDelivery.objects.select_related("service_type", "case").get(pk=service.pk)
    old_status = current.status
    changed = _changed_labels(current, data)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        text = f"{current.service_type.name}: " + ", ".join(changed)
        if old_status != current.status:
            text = (
                f"{current.service_type.name}: {ServiceStatus(old_status).label} → "
                f"{current.get_status_display()}"
            )
        case_add_event(
            case=current.case,
            kind=EventKind.SERVICE,
            text=text,
            actor=actor,
            data={"service_id": current.pk, "status": current.status, "from": old_status},
        )
    data_changed("service", current.pk)
    return current


@transaction.atomic
def attachment_add(
    *, actor: User, case: Case, uploaded_file: UploadedFile, description: str = ""
) -> Attachment:
    """Store a checked upload under MEDIA_ROOT (never served) with a timeline entry."""
    _require_case_writer(actor, case)
    name = safe_name(uploaded_file.name or "")
    size = uploaded_file.size or 0
    try:
        _ext, content_type = check_upload(uploaded_file, name=name, size=size)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    attachment = Attachment(
        case=case,
        original_name=name,
        content_type=content_type,
        size=size,
        description=(description or "").strip()[:200],
        uploaded_by=actor,
    )
    attachment.file.save(name, uploaded_file, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    case_add_event(
        case=case,
        kind=EventKind.ATTACHMENT,
        text=_("Lampiran: %(name)s") % {"name": name},
        actor=actor,
        data={"attachment_id": attachment.pk},
    )
    data_changed("case", case.pk)
    return attachment

"""Beneficiaries (persons), cases and everything recorded on a case.

Rules that change these rows live in cases/services.py; reads that users make
go through the `visible_to(user)` querysets here, which call accounts.scoping.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.scoping import Scope, in_reach, owned_q, scope_of
from regions.models import Region

# --- Reference data ------------------------------------------------------------


class PmksCategory(models.Model):
    """The 26 PMKS/PPKS types of Permensos 08/2012, with the project's own stable codes."""

    code = models.CharField(_("kode"), max_length=10, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    name_en = models.CharField(_("nama (Inggris)"), max_length=150)
    is_child = models.BooleanField(_("kategori anak"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("kategori PMKS")
        verbose_name_plural = _("kategori PMKS")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceType(models.Model):
    code = models.CharField(_("kode"), max_length=30, unique=True)
    name = models.CharField(_("nama"), max_length=150)
    name_en = models.CharField(_("nama (Inggris)"), max_length=150)
    has_capacity = models.BooleanField(
        _("berkapasitas"),
        default=False,
        help_text=_("Misalnya tempat tidur shelter, kursi pelatihan."),
    )
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("jenis layanan")
        verbose_name_plural = _("jenis layanan")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


# --- Beneficiaries -------------------------------------------------------------


class Sex(models.TextChoices):
    MALE = "M", _("Laki-laki")
    FEMALE = "F", _("Perempuan")


class NikAbsentReason(models.TextChoices):
    NOT_REGISTERED = "not_registered", _("Belum tercatat di Dukcapil")
    DOCUMENTS_LOST = "documents_lost", _("Dokumen hilang/rusak")
    STREET = "street", _("Hidup di jalan/tanpa tempat tinggal tetap")
    MIGRANT = "migrant", _("Pendatang, dokumen di daerah asal")
    UNKNOWN_CHILD = "unknown_child", _("Anak tanpa identitas")
    REFUSED = "refused", _("Tidak bersedia menyebutkan")
    OTHER = "other", _("Lainnya")


class LegalBasis(models.TextChoices):
    """Dasar pemrosesan data pribadi (UU 27/2022 Pasal 20)."""

    CONSENT = "consent", _("Persetujuan yang bersangkutan/wali")
    LEGAL_OBLIGATION = "legal_obligation", _("Kewajiban hukum")
    VITAL_INTEREST = "vital_interest", _("Pelindungan kepentingan vital")
    PUBLIC_TASK = "public_task", _("Tugas pelayanan publik/kewenangan")


class BeneficiaryQuerySet(models.QuerySet["Beneficiary"]):
    def visible_to(self, user: Any) -> BeneficiaryQuerySet:
        """Registered by an organization in reach, or with a case the user may see."""

        def within(scope: Scope) -> Q:
            # EXISTS, not pk IN (...): inside the OR, PostgreSQL materialized every
            # visible case (273k at 1M, ~1 s) where a correlated lookup per person
            # takes ~5 ms.
            visible_case = Case.objects.visible_to(user).filter(beneficiary=OuterRef("pk"))
            registered = owned_q(
                user, org_field="registered_by_org", regency_field="registered_regency"
            )
            return registered | Q(Exists(visible_case))

        return in_reach(self, user, within)

    def writable_by(self, user: Any) -> BeneficiaryQuerySet:
        """People whose data the user may change: with a case an office in the user's
        writing reach owns now, or registered in that reach and never handed over
        from it (after a transfer the former office only reads, DESIGN.md)."""
        if not scope_of(user).can_write:
            return self.none()
        owned_case = Case.objects.writable_by(user).filter(beneficiary=OuterRef("pk"))
        handed_over = CaseFormerOwner.objects.filter(
            owned_q(user, org_field="organization", regency_field="regency"),
            case__beneficiary=OuterRef("pk"),
        )
        registered = owned_q(
            user, org_field="registered_by_org", regency_field="registered_regency"
        )
        return self.filter(Exists(owned_case) | (registered & ~Exists(handed_over)))


class Beneficiary(models.Model):
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("16 digit Nomor Induk Kependudukan, jika ada."),
    )
    nik_absent_reason = models.CharField(
        _("alasan tanpa NIK"), max_length=20, choices=NikAbsentReason.choices, blank=True
    )
    no_kk = models.CharField(_("No. KK"), max_length=16, blank=True, db_index=True)
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("tanggal lahir"), null=True, blank=True)
    birth_date_estimated = models.BooleanField(_("tanggal lahir perkiraan"), default=False)
    birth_place = models.CharField(_("tempat lahir"), max_length=100, blank=True)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("wilayah domisili"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Desa/kelurahan, atau setidaknya kecamatan/kabupaten."),
    )
    # Denormalized from `region` so lists, scoping and statistics need no tree walk.
    regency = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Region,
        verbose_name=_("kecamatan"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    has_disability = models.BooleanField(_("penyandang disabilitas"), default=False)
    disability_note = models.CharField(_("keterangan disabilitas"), max_length=200, blank=True)
    legal_basis = models.CharField(
        _("dasar pemrosesan data"), max_length=20, choices=LegalBasis.choices
    )
    consent_note = models.CharField(
        _("keterangan persetujuan"),
        max_length=300,
        blank=True,
        help_text=_("Siapa yang memberi persetujuan dan kapan, atau dasar hukumnya."),
    )
    registered_by_org = models.ForeignKey(
        Organization,
        verbose_name=_("didaftarkan oleh"),
        on_delete=models.PROTECT,
        related_name="registered_beneficiaries",
    )
    registered_regency = models.ForeignKey(
        Region,
        verbose_name=_("kabupaten/kota pendaftar"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas pendaftar"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    version = models.PositiveIntegerField(_("versi"), default=1)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("penerima manfaat")
        verbose_name_plural = _("penerima manfaat")
        ordering = ["full_name", "pk"]
        indexes = [
            models.Index(fields=["regency", "birth_date"], name="benef_regency_birth_idx"),
            models.Index(fields=["registered_by_org", "-created_at"], name="benef_org_created_idx"),
            # The person list, newest first: walked and filtered by visibility (2.6 s -> 2 ms
            # for a caseworker at 1M beneficiaries, where the sort read every visible row).
            models.Index(fields=["-created_at", "-id"], name="benef_created_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        existing = not self._state.adding
        super().save(*args, **kwargs)
        if existing:
            # Cases carry the name (Case.beneficiary_name); one indexed UPDATE that
            # changes nothing unless the name did.
            Case.objects.filter(beneficiary=self).exclude(beneficiary_name=self.full_name).update(
                beneficiary_name=self.full_name
            )

    @property
    def is_child(self) -> bool:
        from datetime import date

        if not self.birth_date:
            return False
        today = date.today()  # noqa: DTZ011  (age in whole years, local date is fine)
        age = (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )
        return age < 18


# --- Cases -----------------------------------------------------------------------


class Priority(models.TextChoices):
    LOW = "low", _("Rendah")
    NORMAL = "normal", _("Biasa")
    HIGH = "high", _("Tinggi")
    URGENT = "urgent", _("Darurat")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Baru dibuka")
    ASSESSMENT = "assessment", _("Asesmen")
    IN_SERVICE = "in_service", _("Dalam layanan")
    MONITORING = "monitoring", _("Pemantauan")
    CLOSURE_REQUESTED = "closure_requested", _("Menunggu persetujuan penutupan")
    CLOSED = "closed", _("Ditutup")


ACTIVE_STATUSES = (
    CaseStatus.OPEN,
    CaseStatus.ASSESSMENT,
    CaseStatus.IN_SERVICE,
    CaseStatus.MONITORING,
)


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Tujuan layanan tercapai")
    TRANSFERRED = "transferred", _("Dirujuk/dipindahkan ke lembaga lain")
    MOVED = "moved", _("Pindah domisili")
    DECEASED = "deceased", _("Meninggal dunia")
    LOST_CONTACT = "lost_contact", _("Tidak dapat dihubungi")
    REFUSED = "refused", _("Menolak layanan")
    DUPLICATE = "duplicate", _("Kasus ganda")
    OTHER = "other", _("Lainnya")


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """Owned by an organization in reach, or formerly owned by the user's office."""

        def within(scope: Scope) -> Q:
            former = CaseFormerOwner.objects.filter(owned_q(user, org_field="organization"))
            owned = owned_q(user, org_field="owner_org", regency_field="regency")
            return owned | Q(pk__in=former.values("case_id"))

        return in_reach(self, user, within)

    def owned_in_reach_of(self, user: Any) -> CaseQuerySet:
        """Cases owned now by an organization in the user's reach (visible_to without
        the cases the user's office only owned before a transfer)."""
        return in_reach(
            self, user, lambda scope: owned_q(user, org_field="owner_org", regency_field="regency")
        )

    def writable_by(self, user: Any) -> CaseQuerySet:
        """Cases the user may change: owned (not formerly owned) within a writing scope."""
        if not scope_of(user).can_write:
            return self.none()
        return self.filter(owned_q(user, org_field="owner_org", regency_field="regency"))


class Case(models.Model):
    number = models.CharField(_("nomor kasus"), max_length=30, unique=True)
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("penerima manfaat"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    primary_category = models.ForeignKey(
        PmksCategory,
        verbose_name=_("kategori PMKS utama"),
        on_delete=models.PROTECT,
        related_name="primary_cases",
    )
    other_categories = models.ManyToManyField(
        PmksCategory, verbose_name=_("kategori PMKS lain"), blank=True, related_name="+"
    )
    owner_org = models.ForeignKey(
        Organization,
        verbose_name=_("kantor pemilik"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    # Denormalized: the owning office's kabupaten/kota and the beneficiary's kecamatan
    # (kept by the services: case_open, case_transfer_ownership, beneficiary_update),
    # and the beneficiary's name (kept by Beneficiary.save). The case list walks an
    # office's cases newest first from an index that holds the name, so a search by
    # name reads no other table (docs/PERFORMANCE.md, C7).
    beneficiary_name = models.CharField(
        _("nama penerima manfaat"), max_length=150, editable=False, default=""
    )
    regency = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Region,
        verbose_name=_("kecamatan"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pekerja sosial"),
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        null=True,
        blank=True,
    )
    priority = models.CharField(
        _("prioritas"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    summary = models.TextField(_("ringkasan"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    status_before_closure = models.CharField(
        max_length=20, choices=CaseStatus.choices, blank=True, editable=False
    )
    opened_at = models.DateTimeField(_("dibuka"))
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    closure_reason = models.CharField(
        _("alasan penutupan"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    closure_note = models.TextField(_("catatan penutupan"), blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closure_requested_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("dibuka kembali"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    version = models.PositiveIntegerField(_("versi"), default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("kasus")
        verbose_name_plural = _("kasus")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["owner_org", "status", "-opened_at"], name="case_org_status_idx"),
            models.Index(
                fields=["owner_org", "-opened_at", "-id"],
                name="case_org_opened_idx",
                include=["beneficiary_name"],
            ),
            models.Index(
                fields=["regency", "-opened_at", "-id"],
                name="case_regency_opened_idx",
                include=["beneficiary_name"],
            ),
            models.Index(
                fields=["regency", "status", "-opened_at"], name="case_regency_status_idx"
            ),
            models.Index(fields=["assigned_to", "status"], name="case_assignee_status_idx"),
            models.Index(
                fields=["-opened_at", "-id"], name="case_opened_idx", include=["beneficiary_name"]
            ),
            models.Index(fields=["status", "closure_requested_at"], name="case_closure_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.beneficiary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.beneficiary_name and self.beneficiary_id is not None:
            self.beneficiary_name = self.beneficiary.full_name
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class CaseNumberCounter(models.Model):
    """The last case number given per kabupaten/kota and year (see services._next_case_number)."""

    prefix = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("penghitung nomor kasus")
        verbose_name_plural = _("penghitung nomor kasus")

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


# The case's own fields a former owner keeps seeing as they were at the transfer.
SNAPSHOT_FIELDS = (
    "status",
    "priority",
    "summary",
    "primary_category_id",
    "assigned_to_id",
    "district_id",
    "reopened_count",
)


class CaseFormerOwner(models.Model):
    """An office that owned the case before a transfer keeps read access to its
    history up to `until` (the moment the transfer was accepted)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="former_owners")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    until = models.DateTimeField()
    # The case's own fields as they were at the transfer (SNAPSHOT_FIELDS):
    # the former owner's view of the case. NULL on rows written without one.
    snapshot = models.JSONField(null=True, blank=True, editable=False)
    # Copies, filled by save(): the organization's kabupaten/kota and the case's
    # opening time (neither changes). With them the case list walks an office's or a
    # regency's formerly owned cases newest first from an index, as it walks the
    # owned ones (cases.selectors.case_list_walks; docs/PERFORMANCE.md, C6).
    regency = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    case_opened_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pemilik sebelumnya")
        verbose_name_plural = _("pemilik sebelumnya")
        indexes = [
            models.Index(fields=["organization", "case"], name="former_owner_org_idx"),
            models.Index(
                fields=["organization", "-case_opened_at", "-case"], name="former_org_opened_idx"
            ),
            models.Index(
                fields=["regency", "-case_opened_at", "-case"], name="former_regency_opened_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} (s.d. {self.until:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.regency_id is None:
            self.regency_id = self.organization.region_id
        if self.case_opened_at is None:
            self.case_opened_at = self.case.opened_at
        super().save(*args, **kwargs)


class Need(models.TextChoices):
    SHELTER = "shelter", _("Tempat tinggal/shelter")
    FOOD = "food", _("Pangan")
    HEALTH = "health", _("Kesehatan")
    PSYCHOSOCIAL = "psychosocial", _("Psikososial")
    DOCUMENTATION = "documentation", _("Dokumen kependudukan")
    EDUCATION = "education", _("Pendidikan")
    EMPLOYMENT = "employment", _("Pekerjaan")
    PROTECTION = "protection", _("Perlindungan")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Rendah")
    MEDIUM = "medium", _("Sedang")
    HIGH = "high", _("Tinggi")


class Assessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    needs = models.JSONField(
        _("kebutuhan"),
        default=list,
        blank=True,
        help_text=_("Kebutuhan yang ditemukan; boleh kosong bila tidak ada."),
    )
    risk_level = models.CharField(_("tingkat risiko"), max_length=10, choices=RiskLevel.choices)
    notes = models.TextField(_("catatan"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(_("waktu asesmen"))

    class Meta:
        verbose_name = _("asesmen")
        verbose_name_plural = _("asesmen")
        ordering = ["-assessed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.assessed_at:%Y-%m-%d}"

    @property
    def need_labels(self) -> list[str]:
        labels = dict(Need.choices)
        return [str(labels.get(code, code)) for code in self.needs]


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Direncanakan")
    ONGOING = "ongoing", _("Berjalan")
    DONE = "done", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")


class ServiceDelivery(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("jenis layanan"), on_delete=models.PROTECT, related_name="+"
    )
    provider_org = models.ForeignKey(
        Organization,
        verbose_name=_("penyedia layanan"),
        on_delete=models.PROTECT,
        related_name="delivered_services",
        null=True,
        blank=True,
    )
    provider_name = models.CharField(
        _("penyedia lain"),
        max_length=200,
        blank=True,
        help_text=_("Jika penyedia tidak terdaftar sebagai organisasi."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED
    )
    start_date = models.DateField(_("tanggal mulai"), null=True, blank=True)
    end_date = models.DateField(_("tanggal selesai"), null=True, blank=True)
    outcome = models.TextField(_("hasil"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("layanan")
        verbose_name_plural = _("layanan")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "status"], name="service_case_status_idx")]

    def __str__(self) -> str:
        return f"{self.service_type} ({self.get_status_display()})"


class EventKind(models.TextChoices):
    NOTE = "note", _("Catatan")
    CREATED = "created", _("Kasus dibuka")
    STATUS = "status", _("Perubahan status")
    ASSIGNMENT = "assignment", _("Penugasan")
    ASSESSMENT = "assessment", _("Asesmen")
    SERVICE = "service", _("Layanan")
    APPROVAL = "approval", _("Persetujuan")
    ATTACHMENT = "attachment", _("Lampiran")
    REFERRAL = "referral", _("Rujukan")
    TRANSFER = "transfer", _("Pemindahan kasus")
    EDIT = "edit", _("Perubahan data")


class CaseEvent(models.Model):
    """The case timeline: notes typed by people and events recorded by services."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("jenis"), max_length=20, choices=EventKind.choices)
    text = models.TextField(_("isi"))
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    actor_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("waktu"), db_index=True)

    class Meta:
        verbose_name = _("peristiwa kasus")
        verbose_name_plural = _("linimasa kasus")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "-created_at"], name="event_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never carries the user's file name (it may hold personal data).
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{instance.case_id}/{uuid.uuid4().hex}.{suffix}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("berkas"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("nama berkas"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("ukuran"))
    description = models.CharField(_("keterangan"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

"""Summary tables that the dashboards read, rebuilt from the live tables by
stats/rollup.py in one transaction (see that module for how).

Every row carries `computed_at`, the moment of the data it summarizes (the
start of the rebuild transaction); RebuildRun records each rebuild. Foreign keys
here have no database constraint: a summary never blocks a change to the live
reference data, and the next rebuild drops a row that no longer matches.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from cases.models import PmksCategory, ServiceType
from regions.models import Region


class Period(models.TextChoices):
    """Windows the dashboards filter by, in calendar months up to now (WITA)."""

    MONTH = "month", _("Bulan ini")
    QUARTER = "3m", _("3 bulan terakhir")
    TWELVE_MONTHS = "12m", _("12 bulan terakhir")
    YEAR = "year", _("Tahun ini")
    ALL = "all", _("Semua waktu")


DEFAULT_PERIOD = Period.TWELVE_MONTHS


class AgeBand(models.TextChoices):
    UNDER_FIVE = "0-4", _("0–4 tahun")
    CHILD = "5-17", _("5–17 tahun")
    ADULT = "18-59", _("18–59 tahun")
    OLDER = "60+", _("60 tahun ke atas")
    UNKNOWN = "unknown", _("Tidak diketahui")


class AreaLevel(models.TextChoices):
    """Rows for the province page (per kabupaten/kota) or a regency page (per kecamatan)."""

    REGENCY = "regency", _("Kabupaten/kota")
    DISTRICT = "district", _("Kecamatan")


def _fk(to: type[models.Model], verbose_name: Any, *, null: bool = False) -> models.ForeignKey:
    # No index per foreign key: the dashboards read through the composite indexes in
    # Meta, and every index is written again for every row of every rebuild.
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        null=null,
        blank=null,
    )


class CaseFact(models.Model):
    """The case cube: one row per combination that occurs, with its count.

    `regency` is the owning office's kabupaten/kota now (a transferred case counts
    where it is owned); `district` is the beneficiary's kecamatan when it lies in
    that regency, else empty ("outside / unknown"). Sex and age band are the
    beneficiary's, age at the date of the rebuild.
    """

    regency = _fk(Region, _("kabupaten/kota"))
    district = _fk(Region, _("kecamatan"), null=True)
    category = _fk(PmksCategory, _("kategori PMKS utama"))
    status = models.CharField(_("status"), max_length=20)
    priority = models.CharField(_("prioritas"), max_length=10)
    sex = models.CharField(_("jenis kelamin"), max_length=1)
    age_band = models.CharField(_("kelompok umur"), max_length=10, choices=AgeBand.choices)
    total = models.PositiveIntegerField(_("jumlah"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("rekap kasus")
        verbose_name_plural = _("rekap kasus")
        # No index: the rebuild reads the cube whole to fold it into CaseCount and
        # CaseAgeSex; nothing else reads it.

    def __str__(self) -> str:
        return f"{self.regency_id}/{self.category_id}/{self.status}: {self.total}"


class CaseCount(models.Model):
    """What the dashboards read about cases: the cube folded to what they show.

    `level` regency: one row set per kabupaten/kota (district empty), for the
    province page; `level` district: per kecamatan (empty = outside/unknown), for a
    regency page. Built from CaseFact in the same transaction, so it stays small
    (at most areas × categories × statuses) however many cases there are.
    """

    level = models.CharField(_("tingkat"), max_length=10, choices=AreaLevel.choices)
    regency = _fk(Region, _("kabupaten/kota"))
    district = _fk(Region, _("kecamatan"), null=True)
    category = _fk(PmksCategory, _("kategori PMKS utama"))
    status = models.CharField(_("status"), max_length=20)
    total = models.PositiveIntegerField(_("jumlah"))
    high_priority_total = models.PositiveIntegerField(_("prioritas tinggi/darurat"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("rekap kasus dasbor")
        verbose_name_plural = _("rekap kasus dasbor")
        indexes = [
            models.Index(fields=["level", "regency", "category"], name="stats_count_level_idx")
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.regency_id}/{self.district_id}/{self.status}: {self.total}"


class CaseAgeSex(models.Model):
    """Cases by kabupaten/kota × category × sex × age band (folded from CaseFact)."""

    regency = _fk(Region, _("kabupaten/kota"))
    category = _fk(PmksCategory, _("kategori PMKS utama"))
    sex = models.CharField(_("jenis kelamin"), max_length=1)
    age_band = models.CharField(_("kelompok umur"), max_length=10, choices=AgeBand.choices)
    open_total = models.PositiveIntegerField(_("kasus aktif"))
    total = models.PositiveIntegerField(_("jumlah"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("rekap umur dan jenis kelamin")
        verbose_name_plural = _("rekap umur dan jenis kelamin")
        indexes = [models.Index(fields=["regency", "category"], name="stats_agesex_idx")]

    def __str__(self) -> str:
        return f"{self.regency_id}/{self.sex}/{self.age_band}: {self.open_total}"


class BeneficiaryFact(models.Model):
    """Registered beneficiaries by domicile."""

    regency = _fk(Region, _("kabupaten/kota"))
    district = _fk(Region, _("kecamatan"), null=True)
    sex = models.CharField(_("jenis kelamin"), max_length=1)
    age_band = models.CharField(_("kelompok umur"), max_length=10, choices=AgeBand.choices)
    total = models.PositiveIntegerField(_("jumlah"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("rekap penerima manfaat")
        verbose_name_plural = _("rekap penerima manfaat")
        indexes = [models.Index(fields=["regency"], name="stats_benef_regency_idx")]

    def __str__(self) -> str:
        return f"{self.regency_id}/{self.sex}/{self.age_band}: {self.total}"


class HouseholdReach(models.Model):
    """Households reached: distinct households (No. KK) with at least one case,
    where the case is owned (kabupaten/kota) and in the case's kecamatan.

    Distinct counts do not add up across areas (a household may have cases in two
    kabupaten/kota), so each level has its own rows: `province` (regency and
    district empty), `regency` (district empty) and `district` (empty district =
    outside/unknown). What the households report to DTSEN and the national aid they
    receive are counted over the same households.
    """

    level = models.CharField(_("tingkat"), max_length=10)  # province, regency, district
    regency = _fk(Region, _("kabupaten/kota"), null=True)
    district = _fk(Region, _("kecamatan"), null=True)
    reached_total = models.PositiveIntegerField(_("keluarga terjangkau"))
    open_total = models.PositiveIntegerField(_("dengan kasus aktif"))
    in_dtsen_total = models.PositiveIntegerField(_("terdaftar di DTSEN"))
    pkh_total = models.PositiveIntegerField(_("menerima PKH"))
    bpnt_total = models.PositiveIntegerField(_("menerima BPNT/Sembako"))
    pbi_jk_total = models.PositiveIntegerField(_("menerima PBI-JK"))
    blt_total = models.PositiveIntegerField(_("menerima BLT"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("rekap keluarga terjangkau")
        verbose_name_plural = _("rekap keluarga terjangkau")
        indexes = [models.Index(fields=["level", "regency"], name="stats_household_level_idx")]

    def __str__(self) -> str:
        return f"{self.level} {self.regency_id}/{self.district_id}: {self.reached_total}"


class CaseFlowColumns(models.Model):
    """The columns MonthlyCaseFlow and CaseFlowPeriod share: an area (`level` as in
    CaseCount) and category, and the cases opened, closed and reopened there."""

    level = models.CharField(_("tingkat"), max_length=10, choices=AreaLevel.choices)
    regency = _fk(Region, _("kabupaten/kota"))
    district = _fk(Region, _("kecamatan"), null=True)
    category = _fk(PmksCategory, _("kategori PMKS utama"))
    new_total = models.PositiveIntegerField(_("baru"))
    closed_total = models.PositiveIntegerField(_("ditutup"))
    reopened_total = models.PositiveIntegerField(_("dibuka kembali"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        abstract = True


class MonthlyCaseFlow(CaseFlowColumns):
    """Cases opened, closed and reopened per calendar month (WITA).

    New: by `opened_at`. Closed: cases closed now, by `closed_at`. Reopened: the
    reopen events of the timeline, by their time. Regency/district as in CaseFact;
    `level` as in CaseCount (the regency rows are the district rows summed).
    """

    month = models.DateField(_("bulan"))

    class Meta:
        verbose_name = _("arus kasus bulanan")
        verbose_name_plural = _("arus kasus bulanan")
        # The dashboards read the regency rows of the last 12 months (the trend),
        # from the index alone (covering: no heap visit once vacuumed).
        indexes = [
            models.Index(
                fields=["level", "regency", "month"],
                include=["category", "new_total", "closed_total", "reopened_total"],
                name="stats_flow_area_month_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.regency_id}/{self.category_id}"


class CaseFlowPeriod(CaseFlowColumns):
    """Cases opened, closed and reopened within each dashboard period: MonthlyCaseFlow
    summed over the period's months, per area (`level` as in CaseCount) and category.
    The dashboards read a few hundred rows of it, however long the history."""

    period = models.CharField(_("periode"), max_length=10, choices=Period.choices)

    class Meta:
        verbose_name = _("arus kasus per periode")
        verbose_name_plural = _("arus kasus per periode")
        indexes = [
            models.Index(
                fields=["period", "level", "regency"],
                include=["district", "category", "new_total", "closed_total", "reopened_total"],
                name="stats_flow_period_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.level} {self.regency_id}/{self.category_id}"


class ReferralFlow(models.Model):
    """Referrals sent within a period, origin × destination × kind × status.

    `category` empty = all categories (the median of a whole cannot be summed from
    its parts, so the rebuild also writes the all-categories rows).
    """

    period = models.CharField(_("periode"), max_length=10, choices=Period.choices)
    from_regency = _fk(Region, _("dari kabupaten/kota"))
    to_regency = _fk(Region, _("ke kabupaten/kota"))
    kind = models.CharField(_("jenis"), max_length=10)
    status = models.CharField(_("status"), max_length=10)
    category = _fk(PmksCategory, _("kategori PMKS utama"), null=True)
    total = models.PositiveIntegerField(_("jumlah"))
    overdue_total = models.PositiveIntegerField(_("terlambat"))
    decided_total = models.PositiveIntegerField(_("diputuskan"))
    on_time_total = models.PositiveIntegerField(_("diputuskan tepat waktu"))
    median_response_hours = models.FloatField(_("median waktu respons (jam)"), null=True)
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("arus rujukan")
        verbose_name_plural = _("arus rujukan")
        # Every dashboard read is one period and one category (or all): covered by one
        # index, so the reads stay small and serial (no parallel workers for a page).
        indexes = [
            models.Index(
                fields=["period", "category"],
                include=["from_regency", "to_regency", "status", "kind", "total", "overdue_total"],
                name="stats_ref_period_idx",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.period} {self.from_regency_id}→{self.to_regency_id} {self.status}: {self.total}"
        )


class ReferralOrgStat(models.Model):
    """Response and SLA by receiving organization, for referrals sent in a period.

    Decided = accepted, declined or completed with a decision time; on time =
    decided no later than `due_at`; overdue = still pending after `due_at`.
    Cancelled referrals count as received only.
    """

    period = models.CharField(_("periode"), max_length=10, choices=Period.choices)
    organization = _fk(Organization, _("organisasi penerima"))
    regency = _fk(Region, _("wilayah penerima"))
    category = _fk(PmksCategory, _("kategori PMKS utama"), null=True)
    received_total = models.PositiveIntegerField(_("diterima"))
    pending_total = models.PositiveIntegerField(_("menunggu"))
    overdue_total = models.PositiveIntegerField(_("terlambat"))
    cancelled_total = models.PositiveIntegerField(_("dibatalkan"))
    decided_total = models.PositiveIntegerField(_("diputuskan"))
    on_time_total = models.PositiveIntegerField(_("diputuskan tepat waktu"))
    median_response_hours = models.FloatField(_("median waktu respons (jam)"), null=True)
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("kinerja rujukan organisasi")
        verbose_name_plural = _("kinerja rujukan organisasi")
        indexes = [models.Index(fields=["period", "category", "regency"], name="stats_sla_idx")]

    def __str__(self) -> str:
        return f"{self.period} {self.organization_id}: {self.received_total}"


class ServiceFact(models.Model):
    """Services recorded on cases, by type × status × the case's regency and category."""

    regency = _fk(Region, _("kabupaten/kota"))
    category = _fk(PmksCategory, _("kategori PMKS utama"))
    service_type = _fk(ServiceType, _("jenis layanan"))
    status = models.CharField(_("status"), max_length=10)
    total = models.PositiveIntegerField(_("jumlah"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("rekap layanan")
        verbose_name_plural = _("rekap layanan")
        indexes = [models.Index(fields=["regency", "category"], name="stats_service_idx")]

    def __str__(self) -> str:
        return f"{self.service_type_id}/{self.status}: {self.total}"


class DailySnapshot(models.Model):
    """Cases by status at the end of a day, kept for trend charts (taken at midnight)."""

    date = models.DateField(_("tanggal"))
    regency = _fk(Region, _("kabupaten/kota"))
    category = _fk(PmksCategory, _("kategori PMKS utama"))
    status = models.CharField(_("status"), max_length=20)
    total = models.PositiveIntegerField(_("jumlah"))
    computed_at = models.DateTimeField(_("data per"))

    class Meta:
        verbose_name = _("potret harian")
        verbose_name_plural = _("potret harian")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "regency", "category", "status"], name="stats_snapshot_unique"
            )
        ]
        indexes = [models.Index(fields=["date", "regency"], name="stats_snapshot_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.regency_id}/{self.status}: {self.total}"


class RebuildRun(models.Model):
    """One committed rebuild: when its data is from and how long it took.

    Written in the rebuild's own transaction, so the latest row always describes
    the figures that are visible.
    """

    trigger = models.CharField(_("pemicu"), max_length=20)
    computed_at = models.DateTimeField(_("data per"), db_index=True)
    finished_at = models.DateTimeField(_("selesai"))
    duration_ms = models.PositiveIntegerField(_("durasi (ms)"))
    row_counts = models.JSONField(_("jumlah baris"), default=dict)
    timings_ms = models.JSONField(_("durasi per tabel (ms)"), default=dict)
    signature = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("pembangunan ulang statistik")
        verbose_name_plural = _("pembangunan ulang statistik")
        ordering = ["-computed_at", "-pk"]
        get_latest_by = ["computed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.computed_at:%Y-%m-%d %H:%M} ({self.trigger})"

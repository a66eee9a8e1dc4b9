"""What each list exports: its rows (scoped and filtered exactly as the list page
is) and its columns, as one `values_list` queryset whose SQL computes every cell.

Every cell is computed in SQL (choice labels, Ya/Tidak, local dates, the
neutralising prefix), so the two ways of reading the rows agree to the byte:
Postgres's `COPY (SELECT ...) TO STDOUT` and the ORM's iterator (SQLite, XLSX).

CSV/formula injection: a text cell beginning with `=`, `+`, `-`, `@`, a tab or a
carriage return is written with a leading `'` (OWASP's advice), so a spreadsheet
shows it as text and never evaluates it. The import strips that one leading `'`
(a file exported and imported back unchanged creates nothing new, issue 16).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Concat, Trim, TruncDate
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.scoping import Reach, owned_q, scope_of
from cases.filters import BeneficiaryFilter, CaseFilter
from cases.models import (
    Beneficiary,
    CaseFormerOwner,
    CaseStatus,
    ClosureReason,
    LegalBasis,
    NikAbsentReason,
    Priority,
    ServiceDelivery,
    ServiceStatus,
    Sex,
)
from cases.models import Case as CaseModel
from referrals.models import ReferralKind, ReferralStatus, Urgency
from regions.models import Level


class Neutralised(Func):
    """The text, with a leading `'` when it begins with = + - @ TAB or CR."""

    output_field = CharField()

    def _neutralised(self, compiler: Any, char: str) -> tuple[str, tuple[Any, ...]]:
        inner, params = compiler.compile(self.source_expressions[0])
        quote = "''''"  # SQL for the one-character string '
        sql = (
            f"CASE WHEN SUBSTR({inner}, 1, 1) IN ('=', '+', '-', '@', {char}(9), {char}(13)) "
            f"THEN {quote} || {inner} ELSE {inner} END"
        )
        return sql, (*params, *params, *params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return self._neutralised(compiler, "CHR")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._neutralised(compiler, "CHAR")


def neutralise(value: Any) -> Any:
    """The same rule in Python, for cells written outside the SQL (tests, headers)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _label(field_name: str, choices: Any) -> Case:
    """A choice's display label (translated now) computed in SQL."""
    whens = [When(**{field_name: value}, then=Value(str(label))) for value, label in choices]
    return Case(*whens, default=Value(""), output_field=CharField())


def _yes_no(field_name: str) -> Case:
    return Case(
        When(**{field_name: True}, then=Value(str(_("Ya")))),
        default=Value(str(_("Tidak"))),
        output_field=CharField(),
    )


def _local_date(field_name: str) -> TruncDate:
    return TruncDate(field_name, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _person(prefix: str) -> Trim:
    return Trim(
        Concat(
            F(f"{prefix}__first_name"),
            Value(" "),
            F(f"{prefix}__last_name"),
            output_field=CharField(),
        )
    )


def _only_if(condition: Q, expression: Any) -> Case:
    """The cell when `condition` holds for the row, else empty (present-state
    columns of a case the user's office handed over)."""
    return Case(When(condition, then=expression), default=Value(""), output_field=CharField())


@dataclass(frozen=True)
class Column:
    label: str | Promise
    expression: Any
    text: bool = False  # NIK, No. KK: a string cell formatted "@" in XLSX
    free_text: bool = True  # neutralised against formula injection

    def sql_expression(self) -> Any:
        return Neutralised(self.expression) if self.free_text else self.expression


@dataclass
class Dataset:
    name: str
    title: str | Promise
    columns: list[Column]
    rows: QuerySet[Any]  # the scoped, filtered, ordered rows (model instances)
    query: dict[str, str] = field(default_factory=dict)

    @property
    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    @property
    def text_columns(self) -> set[int]:
        return {index for index, column in enumerate(self.columns) if column.text}

    def values(self) -> QuerySet[Any]:
        """The rows as tuples of cells, in column order, each cell computed in SQL."""
        names = {f"export_c{index}": c.sql_expression() for index, c in enumerate(self.columns)}
        return self.rows.annotate(**names).values_list(*names)


def _region_columns() -> list[Column]:
    return [
        Column(_("Kode wilayah"), F("region__code"), free_text=False),
        Column(
            _("Desa/kelurahan"),
            _only_if(Q(region__level=Level.VILLAGE), F("region__name")),
        ),
        Column(_("Kecamatan"), F("district__name")),
        Column(_("Kabupaten/kota"), F("regency__name")),
    ]


def beneficiaries(user: Any, params: Mapping[str, Any]) -> Dataset:
    """The person list (cases.views.beneficiary_list): visible_to(user), its filter."""
    if scope_of(user).reach is Reach.NOTHING:
        raise Http404
    queryset = Beneficiary.objects.visible_to(user)
    people = BeneficiaryFilter(params or None, queryset=queryset)
    rows = people.qs if people.is_bound else queryset
    columns = [
        Column(_("NIK"), F("nik"), text=True),
        Column(
            _("Alasan tanpa NIK"),
            _label("nik_absent_reason", NikAbsentReason.choices),
            free_text=False,
        ),
        Column(_("No. KK"), F("no_kk"), text=True),
        Column(_("Nama lengkap"), F("full_name")),
        Column(_("Jenis kelamin"), _label("sex", Sex.choices), free_text=False),
        Column(_("Tanggal lahir"), F("birth_date"), free_text=False),
        Column(_("Tempat lahir"), F("birth_place")),
        Column(_("Alamat"), F("address")),
        *_region_columns(),
        Column(_("Disabilitas"), _yes_no("has_disability"), free_text=False),
        Column(_("Keterangan disabilitas"), F("disability_note")),
        Column(
            _("Dasar pemrosesan data"), _label("legal_basis", LegalBasis.choices), free_text=False
        ),
        Column(_("Keterangan persetujuan"), F("consent_note")),
        Column(_("Didaftarkan oleh"), F("registered_by_org__name")),
        Column(_("Tanggal daftar"), _local_date("created_at"), free_text=False),
    ]
    return Dataset(
        name="penerima-manfaat",
        title=_("Penerima manfaat"),
        columns=columns,
        rows=rows.order_by("-created_at", "-pk"),
    )


def cases(user: Any, params: Mapping[str, Any], *, owned_only: bool = False) -> Dataset:
    """The case list (cases.views.case_list): the cases owned in reach and those the
    user's office handed over, with the same filters (CaseFilter; a filter on a
    case's present state leaves the handed-over out). A handed-over row shows what
    the list shows of it: no present status, priority, caseworker or closure."""
    if scope_of(user).reach is Reach.NOTHING:
        raise Http404
    base = (
        CaseModel.objects.owned_in_reach_of(user)
        if owned_only
        else CaseModel.objects.visible_to(user)
    )
    rows = CaseFilter(params or None, queryset=base, user=user).qs
    owned = owned_q(user, org_field="owner_org", regency_field="regency")
    columns = [
        Column(_("Nomor kasus"), F("number")),
        Column(_("NIK"), F("beneficiary__nik"), text=True),
        Column(_("No. KK"), F("beneficiary__no_kk"), text=True),
        Column(_("Nama penerima manfaat"), F("beneficiary_name")),
        Column(_("Kategori PMKS"), F("primary_category__name")),
        Column(_("Kecamatan"), F("district__name")),
        Column(_("Kabupaten/kota"), F("regency__name")),
        Column(_("Kantor pemilik"), _only_if(owned, F("owner_org__name"))),
        Column(_("Status"), _only_if(owned, _label("status", CaseStatus.choices)), free_text=False),
        Column(
            _("Prioritas"), _only_if(owned, _label("priority", Priority.choices)), free_text=False
        ),
        Column(_("Pekerja sosial"), _only_if(owned, _person("assigned_to"))),
        Column(_("Tanggal dibuka"), _local_date("opened_at"), free_text=False),
        Column(
            _("Tanggal ditutup"),
            Case(
                When(owned, then=_local_date("closed_at")), default=None, output_field=DateField()
            ),
            free_text=False,
        ),
        Column(
            _("Alasan penutupan"),
            _only_if(owned, _label("closure_reason", ClosureReason.choices)),
            free_text=False,
        ),
        Column(
            _("Sudah dipindahkan"),
            Case(
                When(owned, then=Value(str(_("Tidak")))),
                default=Value(str(_("Ya"))),
                output_field=CharField(),
            ),
            free_text=False,
        ),
    ]
    return Dataset(
        name="kasus",
        title=_("Kasus"),
        columns=columns,
        rows=rows.order_by("-opened_at", "-pk"),
    )


def services(user: Any, params: Mapping[str, Any]) -> Dataset:
    """Services delivered in the cases of the case list, with the case list's
    filters: all services of the cases owned in reach, and of a case the user's
    office handed over those recorded up to the transfer (as the case page shows,
    cases.selectors.visible_services)."""
    if scope_of(user).reach is Reach.NOTHING:
        raise Http404
    case_rows = CaseFilter(params or None, queryset=CaseModel.objects.visible_to(user), user=user)
    owned_cases = CaseModel.objects.owned_in_reach_of(user).values("pk")
    former = CaseFormerOwner.objects.filter(
        owned_q(user, org_field="organization"),
        case_id=OuterRef("case_id"),
        until__gte=OuterRef("created_at"),
    )
    rows = ServiceDelivery.objects.filter(case__in=case_rows.qs.values("pk")).filter(
        Q(case__in=owned_cases) | Q(Exists(former))
    )
    columns = [
        Column(_("Nomor kasus"), F("case__number")),
        Column(_("NIK"), F("case__beneficiary__nik"), text=True),
        Column(_("Nama penerima manfaat"), F("case__beneficiary_name")),
        Column(_("Jenis layanan"), F("service_type__name")),
        Column(_("Penyedia layanan"), F("provider_org__name")),
        Column(_("Penyedia lain"), F("provider_name")),
        Column(_("Status"), _label("status", ServiceStatus.choices), free_text=False),
        Column(_("Tanggal mulai"), F("start_date"), free_text=False),
        Column(_("Tanggal selesai"), F("end_date"), free_text=False),
        Column(_("Hasil"), F("outcome")),
        Column(_("Dicatat"), _local_date("created_at"), free_text=False),
    ]
    return Dataset(
        name="layanan",
        title=_("Layanan yang diberikan"),
        columns=columns,
        rows=rows.order_by("-created_at", "-pk"),
    )


def referrals(user: Any, params: Mapping[str, Any]) -> Dataset:
    """One referral box (`box`: inbox, outbox, all) as its list page shows it
    (referrals.selectors.referral_list), with the same filters and the same
    columns: partner agencies see only their inbox's shared fields."""
    from referrals import selectors

    box = str(params.get("box") or "inbox")
    if box not in selectors.boxes_for(user):
        raise Http404
    filters = {key: value for key, value in params.items() if key != "box"}
    rows = selectors.referral_filterset(user=user, box=box, filters=filters).qs
    columns = [
        Column(_("Nomor surat rujukan"), F("number")),
        Column(_("Dikirim"), _local_date("created_at"), free_text=False),
        Column(_("Jenis"), _label("kind", ReferralKind.choices), free_text=False),
        Column(_("Penerima manfaat"), F("case__beneficiary__full_name")),
        Column(_("Dari"), F("from_org__name")),
        Column(_("Kepada"), F("to_org__name")),
        Column(_("Layanan"), F("service_type__name")),
        Column(_("Urgensi"), _label("urgency", Urgency.choices), free_text=False),
        Column(_("Status"), _label("status", ReferralStatus.choices), free_text=False),
        Column(_("Batas waktu"), _local_date("due_at"), free_text=False),
        Column(_("Terlambat"), _yes_no("is_overdue"), free_text=False),
    ]
    return Dataset(
        name=f"rujukan-{box}",
        title=_("Rujukan"),
        columns=columns,
        rows=rows.order_by("-created_at", "-pk"),
        query={"box": box},
    )


def households(user: Any, params: Mapping[str, Any]) -> Dataset:
    """Households with a member the user may see (households.selectors.household_list),
    filtered as the list page (households.selectors.filter_households). The head's
    name only when the user may see the head, as the beneficiary page shows an
    unseen member without name."""
    from households.models import Aid, Household
    from households.selectors import filter_households

    if scope_of(user).reach is Reach.NOTHING:
        raise Http404
    rows = filter_households(Household.objects.visible_to(user), params)
    head_visible = Exists(Beneficiary.objects.visible_to(user).filter(pk=OuterRef("head_id")))
    columns = [
        Column(_("No. KK"), F("no_kk"), text=True),
        Column(_("Kepala keluarga"), _only_if(Q(head_visible), F("head__full_name"))),
        Column(_("Alamat"), F("address")),
        Column(_("Kode wilayah"), F("village__code"), free_text=False),
        Column(_("Desa/kelurahan"), F("village__name")),
        Column(_("Kabupaten/kota"), F("regency__name")),
        Column(
            _("Terdaftar di DTSEN"),
            Case(
                When(in_dtsen=True, then=Value(str(_("Ya")))),
                When(in_dtsen=False, then=Value(str(_("Tidak")))),
                default=Value(""),
                output_field=CharField(),
            ),
            free_text=False,
        ),
        Column(_("Desil DTSEN"), F("desil"), free_text=False),
        *[
            Column(
                label,
                Case(
                    When(aid__icontains=f'"{code}"', then=Value(str(_("Ya")))),
                    default=Value(str(_("Tidak"))),
                    output_field=CharField(),
                ),
                free_text=False,
            )
            for code, label in Aid.choices
        ],
        Column(_("Didaftarkan oleh"), F("registered_by_org__name")),
        Column(_("Tanggal daftar"), _local_date("created_at"), free_text=False),
    ]
    return Dataset(
        name="keluarga",
        title=_("Keluarga"),
        columns=columns,
        rows=rows.order_by("-created_at", "-pk"),
    )


def imports(user: Any, params: Mapping[str, Any]) -> Dataset:
    """The import history the user may see (imports.models.ImportJob.visible_to:
    the requester, and the supervisors of the office), optionally by `status`."""
    from imports.models import ImportJob, JobStatus

    if scope_of(user).reach is Reach.NOTHING:
        raise Http404
    rows = ImportJob.objects.visible_to(user)
    if params.get("status") in JobStatus.values:
        rows = rows.filter(status=params["status"])
    columns = [
        Column(_("Diunggah"), _local_date("created_at"), free_text=False),
        Column(_("Nama berkas"), F("file_name")),
        Column(_("Diunggah oleh"), _person("created_by")),
        Column(_("Kantor"), F("organization__name")),
        Column(_("Status"), _label("status", JobStatus.choices), free_text=False),
        Column(_("Jumlah baris"), F("total_rows"), free_text=False),
        Column(_("Baru"), F("count_new"), free_text=False),
        Column(_("Ditautkan"), F("count_linked"), free_text=False),
        Column(_("Dilewati"), F("count_skipped"), free_text=False),
        Column(_("Ditolak"), F("count_refused"), free_text=False),
        Column(_("Perlu diperiksa"), F("count_flagged"), free_text=False),
        Column(_("Kasus dibuka"), F("count_cases"), free_text=False),
        Column(_("SHA-256"), F("sha256"), free_text=False),
    ]
    return Dataset(
        name="impor",
        title=_("Riwayat impor"),
        columns=columns,
        rows=rows.order_by("-created_at", "-pk"),
    )


DATASETS: dict[str, Callable[[Any, Mapping[str, Any]], Dataset]] = {
    "beneficiaries": beneficiaries,
    "cases": cases,
    "services": services,
    "referrals": referrals,
    "households": households,
    "imports": imports,
}


def build(name: str, user: Any, params: Mapping[str, Any]) -> Dataset:
    """The dataset `name` for `user` with the list's query string (404 when the
    list is not the user's)."""
    try:
        factory = DATASETS[name]
    except KeyError:
        raise Http404 from None
    clean = {
        key: value
        for key, value in params.items()
        if key not in ("page", "after", "before", "format")
    }
    return factory(user, clean)


def cell(value: Any) -> Any:
    """A cell as the CSV writes it (None → empty; dates ISO, as COPY writes them)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value

"""Province-scale demo data: N beneficiaries with households, cases, timelines,
assessments, services and referrals, generated fast and reproducibly.

    manage.py seed_demo --scale 1000000 --seed 1

How it stays fast: names, streets and sentences are drawn once from Faker id_ID
into pools and combined with one `random.Random(seed)`; rows are built in Python
and, on PostgreSQL, streamed into the tables with `COPY ... FROM STDIN` in chunks,
with ids taken from the sequences (which are moved past them at the end). At
large N the non-unique indexes and the foreign keys of the loaded tables are
dropped for the load and recreated (and so re-validated by PostgreSQL) in the
same transaction, then checked against the model state. On SQLite the rows are
inserted with executemany (small N only).

Robust to new fields: each table's column list is read from
`Model._meta.concrete_fields`; a column this module does not know gets the
field's default (NULL when nullable, "" for blank text), so a field added by an
app's owner never breaks the generator. Same seed and same day give the same data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import queue
import random
import sys
import threading
import time
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Organization, OrganizationKind, Role, User
from cases.models import (
    Assessment,
    Beneficiary,
    Case,
    CaseEvent,
    CaseFormerOwner,
    PmksCategory,
    ServiceDelivery,
    ServiceType,
)
from demo.organizations import DEMO_PASSWORD, REGENCY_SLUGS, seed_organizations
from referrals.models import Notification, Referral, ReferralMessage, ServiceOffer
from regions.loading import SHIPPED_CSV
from regions.models import Level, Region

DEFAULT_REGIONS_CSV = SHIPPED_CSV
# Above this many beneficiaries (PostgreSQL) indexes and foreign keys are rebuilt
# around the load instead of being maintained row by row.
BULK_THRESHOLD = 100_000
UTC = dt.UTC
HOUR = 3_600
DAY = 86_400
YEARS = 3

# --- Reference figures ---------------------------------------------------------------

# Population (thousands, Sensus Penduduk 2020), the weight of each kabupaten/kota.
REGENCY_POPULATION = {
    "64.01": 275,
    "64.02": 730,
    "64.03": 249,
    "64.07": 165,
    "64.08": 434,
    "64.09": 178,
    "64.11": 32,
    "64.71": 689,
    "64.72": 827,
    "64.74": 178,
}
# Kecamatan per kabupaten/kota, for NIKs when the tree below regencies is not loaded.
KECAMATAN_COUNT = {
    "64.01": 10,
    "64.02": 20,
    "64.03": 13,
    "64.07": 16,
    "64.08": 18,
    "64.09": 4,
    "64.11": 5,
    "64.71": 6,
    "64.72": 10,
    "64.74": 3,
}
# Where migrants' NIKs were issued: regency code, kecamatan count, birth place.
MIGRANT_ORIGINS = [
    ("35.78", 31, "Surabaya"),
    ("35.07", 33, "Malang"),
    ("35.09", 31, "Jember"),
    ("35.25", 18, "Gresik"),
    ("73.71", 15, "Makassar"),
    ("73.08", 27, "Bone"),
    ("73.13", 14, "Wajo"),
    ("73.72", 4, "Parepare"),
    ("33.74", 16, "Semarang"),
    ("63.71", 5, "Banjarmasin"),
    ("74.71", 11, "Kendari"),
    ("52.01", 10, "Lombok Barat"),
]
SHARE_NIK_OTHER_KECAMATAN = 0.12  # moved within Kaltim since the NIK was issued
SHARE_NIK_OUTSIDE_KALTIM = 0.03  # migrants
SHARE_WITHOUT_NIK = 0.08

# PMKS category weights (codes from cases migration 0002) by age group.
CATEGORY_WEIGHTS = {
    "PMKS01": 2.0,
    "PMKS02": 5.0,
    "PMKS03": 1.5,
    "PMKS04": 2.0,
    "PMKS05": 3.0,
    "PMKS06": 2.0,
    "PMKS07": 1.5,
    "PMKS08": 9.0,
    "PMKS09": 9.0,
    "PMKS10": 1.0,
    "PMKS11": 2.0,
    "PMKS12": 2.0,
    "PMKS13": 2.0,
    "PMKS14": 0.5,
    "PMKS15": 1.5,
    "PMKS16": 1.0,
    "PMKS17": 2.0,
    "PMKS18": 0.5,
    "PMKS19": 2.0,
    "PMKS20": 1.5,
    "PMKS21": 4.0,
    "PMKS22": 1.0,
    "PMKS23": 8.0,
    "PMKS24": 30.0,
    "PMKS25": 3.0,
    "PMKS26": 1.5,
}
TODDLER = {"PMKS01", "PMKS21", "PMKS22", "PMKS24", "PMKS26", "PMKS05"}
CHILD = {"PMKS02", "PMKS03", "PMKS04", "PMKS05", "PMKS06", "PMKS07", "PMKS21", "PMKS22"}
CHILD |= {"PMKS24", "PMKS26", "PMKS18"}
ELDERLY_ONLY = {"PMKS08"}
FEMALE_ONLY = {"PMKS23", "PMKS10"}
CHILD_ONLY = {"PMKS01", "PMKS02", "PMKS03", "PMKS04", "PMKS05", "PMKS06", "PMKS07"}
STREET_CATEGORIES = ["PMKS11", "PMKS12", "PMKS13", "PMKS04"]
HOUSEHOLD_CATEGORIES = {"PMKS24", "PMKS21", "PMKS22", "PMKS26", "PMKS25"}

HOUSEHOLD_SIZES = ([1, 2, 3, 4, 5, 6], [50, 14, 13, 11, 7, 5])
CASES_PER_PERSON = ([1, 2, 3], [82, 16, 2])  # mean 1.2
NIK_ABSENT_REASONS = (
    ["street", "not_registered", "documents_lost", "migrant", "unknown_child", "refused", "other"],
    [30, 25, 18, 12, 8, 3, 4],
)
# household members other than the head (children mostly) lack a NIK for these reasons
MEMBER_NIK_ABSENT_REASONS = (
    ["not_registered", "documents_lost", "unknown_child", "other"],
    [50, 25, 20, 5],
)
LEGAL_BASES = (["public_task", "consent", "vital_interest", "legal_obligation"], [58, 32, 5, 5])
PRIORITIES = (["low", "normal", "high", "urgent"], [15, 60, 18, 7])
ACTIVE_STATUSES = (
    ["open", "assessment", "in_service", "monitoring", "closure_requested"],
    [14, 20, 36, 20, 10],
)
STATUS_BEFORE = {
    "assessment": "open",
    "in_service": "assessment",
    "monitoring": "in_service",
    "closure_requested": "monitoring",
}
CLOSURE_REASONS = (
    ["goals_met", "transferred", "moved", "deceased", "lost_contact", "refused", "other"],
    [55, 6, 10, 6, 12, 6, 5],
)
NEEDS = ["shelter", "food", "health", "psychosocial", "documentation", "education", "employment"]
NEEDS += ["protection"]
RISK_LEVELS = (["low", "medium", "high"], [40, 42, 18])
URGENCIES = (["normal", "high", "urgent"], [70, 22, 8])
# referral statuses of a referral decided long enough ago (pending are the young ones)
DECIDED_STATUSES = (["accepted", "declined", "cancelled", "completed"], [20, 13, 6, 61])
SERVICE_FOR_NEED = {
    "shelter": "shelter",
    "food": "social_assistance",
    "health": "health",
    "psychosocial": "psychosocial",
    "documentation": "documentation",
    "education": "education",
    "employment": "training",
    "protection": "legal_aid",
}
# service type → organization codes that receive such referrals (first existing wins
# a weighted draw); "office" means another kabupaten/kota Dinsos office.
SERVICE_PROVIDERS = {
    "health": ["rsud-aws", "bpjs-samarinda"],
    "documentation": ["dukcapil-samarinda"],
    "psychosocial": ["lks-peduli-borneo", "uptd-ppa-balikpapan"],
    "legal_aid": ["uptd-ppa-balikpapan"],
    "training": ["disnaker-samarinda", "office"],
    "shelter": ["uptd-pstw-samarinda", "lks-peduli-borneo", "office"],
    "social_assistance": ["dinsos-kaltim"],
    "reunification": ["office"],
    "education": ["lks-peduli-borneo"],
    "other": ["office"],
}

NOTE_TEXTS = [
    "Kunjungan rumah dilakukan; kondisi penerima manfaat stabil.",
    "Keluarga dihubungi melalui telepon, bersedia mendampingi.",
    "Koordinasi dengan ketua RT setempat mengenai tempat tinggal.",
    "Penerima manfaat hadir di kantor untuk konsultasi lanjutan.",
    "Dokumen pendukung dari kelurahan sudah diterima.",
    "Pendamping melaporkan perkembangan positif.",
    "Penerima manfaat belum dapat ditemui; dijadwalkan ulang.",
    "Dilakukan rapat kasus bersama supervisor.",
]
SUMMARY_SITUATIONS = [
    "tinggal seorang diri tanpa penghasilan tetap",
    "membutuhkan pendampingan dan akses layanan dasar",
    "dilaporkan oleh ketua RT setempat",
    "dirujuk oleh puskesmas setempat",
    "ditemukan petugas saat penjangkauan",
    "keluarga meminta bantuan ke kantor dinas",
    "terdampak banjir dan kehilangan tempat tinggal",
    "tidak memiliki jaminan kesehatan",
]
REASON_TEXTS = [
    "Membutuhkan layanan yang tidak tersedia di kantor pengirim.",
    "Penerima manfaat pindah domisili; kasus perlu dilanjutkan di daerah tujuan.",
    "Perlu penanganan lanjutan oleh lembaga yang berwenang.",
    "Kapasitas layanan di daerah pengirim penuh.",
]
DECLINE_TEXTS = [
    "Kapasitas penuh untuk bulan ini.",
    "Bukan wilayah layanan kami.",
    "Data pendukung belum lengkap.",
]
OUTCOME_TEXTS = [
    "Layanan selesai diberikan sesuai rencana.",
    "Penerima manfaat sudah terdaftar dan menerima layanan.",
    "Layanan diberikan sebagian; dilanjutkan pemantauan oleh kantor pengirim.",
]
MESSAGE_TEXTS = [
    "Mohon konfirmasi jadwal penerimaan.",
    "Berkas sudah kami terima, sedang diproses.",
    "Apakah penerima manfaat didampingi keluarga?",
    "Terima kasih, kami tindak lanjuti minggu ini.",
]


# --- Rows: the fields this module fills, per model --------------------------------------


class BeneficiaryRow(NamedTuple):
    id: int
    nik: str | None
    nik_absent_reason: str
    no_kk: str
    full_name: str
    sex: str
    birth_date: dt.date | None
    birth_date_estimated: bool
    birth_place: str
    address: str
    region_id: int
    regency_id: int
    district_id: int | None
    phone: str
    has_disability: bool
    disability_note: str
    legal_basis: str
    consent_note: str
    registered_by_org_id: int
    registered_regency_id: int
    registered_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CaseRow(NamedTuple):
    id: int
    number: str
    beneficiary_id: int
    beneficiary_name: str
    primary_category_id: int
    owner_org_id: int
    regency_id: int
    district_id: int | None
    assigned_to_id: int | None
    priority: str
    summary: str
    status: str
    status_before_closure: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    closure_reason: str
    closure_note: str
    closure_requested_by_id: int | None
    closure_requested_at: dt.datetime | None
    reopened_count: int
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CaseCategoryRow(NamedTuple):
    id: int
    case_id: int
    pmkscategory_id: int


class FormerOwnerRow(NamedTuple):
    id: int
    case_id: int
    organization_id: int
    until: dt.datetime
    regency_id: int
    case_opened_at: dt.datetime


class AssessmentRow(NamedTuple):
    id: int
    case_id: int
    needs: list[str]
    risk_level: str
    notes: str
    assessed_by_id: int
    assessed_at: dt.datetime


class ServiceRow(NamedTuple):
    id: int
    case_id: int
    service_type_id: int
    provider_org_id: int | None
    provider_name: str
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    outcome: str
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class EventRow(NamedTuple):
    id: int
    case_id: int
    kind: str
    text: str
    data: dict[str, Any]
    actor_id: int | None
    actor_org_id: int | None
    created_at: dt.datetime


class ReferralRow(NamedTuple):
    id: int
    number: str
    kind: str
    case_id: int
    from_org_id: int
    to_org_id: int
    from_regency_id: int
    to_regency_id: int
    service_type_id: int | None
    offer_id: int | None
    holds_capacity: bool
    reason: str
    urgency: str
    shared_summary: str
    legal_basis: str
    consent_note: str
    status: str
    due_at: dt.datetime
    is_overdue: bool
    overdue_notified_at: dt.datetime | None
    created_by_id: int
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by_id: int | None
    decision_reason: str
    completed_at: dt.datetime | None
    completed_by_id: int | None
    outcome: str
    service_delivery_id: int | None
    updated_at: dt.datetime
    version: int


class MessageRow(NamedTuple):
    id: int
    referral_id: int
    author_id: int
    author_org_id: int
    body: str
    created_at: dt.datetime


class NotificationRow(NamedTuple):
    id: int
    user_id: int
    kind: str
    referral_id: int | None
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None


# Load order (parents first); the table set whose indexes may be rebuilt.
TABLE_ROWS: list[tuple[type[models.Model], type[tuple]]] = [
    (Beneficiary, BeneficiaryRow),
    (Case, CaseRow),
    (Case.other_categories.through, CaseCategoryRow),
    (CaseFormerOwner, FormerOwnerRow),
    (Assessment, AssessmentRow),
    (ServiceDelivery, ServiceRow),
    (CaseEvent, EventRow),
    (Referral, ReferralRow),
    (ReferralMessage, MessageRow),
    (Notification, NotificationRow),
]


# --- Tables and sinks --------------------------------------------------------------------

COPY_NULL = "\\N"


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        value = value.replace("\r", "\\r")
    return value


def _copy_converter(model_field: models.Field) -> Callable[[Any], str]:
    """Python value → PostgreSQL COPY text for one column."""
    base: Callable[[Any], str]
    if isinstance(model_field, models.BooleanField):
        base = _copy_bool
    elif isinstance(model_field, models.DateField):  # and DateTimeField
        base = _copy_isoformat
    elif isinstance(model_field, models.JSONField):
        base = _copy_json
    elif isinstance(model_field, models.CharField | models.TextField):
        base = _copy_text
    else:
        base = str
    if not model_field.null:
        return base

    def nullable(value: Any) -> str:
        return COPY_NULL if value is None else base(value)

    return nullable


def _copy_bool(value: Any) -> str:
    return "t" if value else "f"


def _copy_isoformat(value: Any) -> str:
    return value.isoformat()


def _copy_json(value: Any) -> str:
    return _copy_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _fallback(model: type[models.Model], model_field: models.Field, now: dt.datetime) -> Any:
    """Value of a column this module does not know: its default, NULL, or ""."""
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        return now
    if model_field.has_default():
        return model_field.get_default()
    if model_field.null:
        return None
    if model_field.blank and isinstance(model_field, models.CharField | models.TextField):
        return ""
    raise ImproperlyConfigured(
        f"demo/scale.py cannot fill {model._meta.label}.{model_field.name}: it has no "
        "default and is not nullable; teach the generator its value."
    )


class Table:
    """One model's destination: the generator supplies the row tuple's fields;
    every other concrete column gets its fallback value."""

    def __init__(self, model: type[models.Model], row_type: type[tuple], now: dt.datetime):
        self.model = model
        self.name = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        self.columns: list[str] = [str(f.column) for f in fields]
        position = {name: i for i, name in enumerate(row_type._fields)}  # type: ignore[attr-defined]
        # (index in the row or None, model field, fallback value)
        self.plan: list[tuple[int | None, models.Field, Any]] = []
        for model_field in fields:
            if model_field.attname in position:
                self.plan.append((position[model_field.attname], model_field, None))
            else:
                self.plan.append((None, model_field, _fallback(model, model_field, now)))
        self.next_id = 1
        self.count = 0

    def allocate(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk


class CopySink:
    """Buffers rows as COPY text per table and streams each buffer with copy_expert
    from a writer thread, so PostgreSQL stores one chunk while Python builds the
    next (psycopg2 releases the GIL while it waits on the server)."""

    def __init__(self, cursor: Any, flush_bytes: int = 8 << 20):
        self.raw_cursor = cursor.cursor  # the psycopg2 cursor under Django's wrapper
        self.flush_bytes = flush_bytes
        self.chunks: queue.Queue[tuple[str, io.StringIO] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.writer = threading.Thread(target=self._write, name="scale-copy", daemon=True)
        self.writer.start()
        self.buffers: dict[str, list[str]] = {}
        self.sizes: dict[str, int] = {}
        self.formats: dict[str, list[tuple[int | None, Callable[[Any], str], str]]] = {}
        self.tables: dict[str, Table] = {}

    def register(self, table: Table) -> None:
        plan = []
        for index, model_field, fallback in table.plan:
            convert = _copy_converter(model_field)
            constant = "" if index is not None else convert(fallback)
            plan.append((index, convert, constant))
        self.formats[table.name] = plan
        self.buffers[table.name] = []
        self.sizes[table.name] = 0
        self.tables[table.name] = table

    def add(self, table: Table, row: tuple) -> None:
        line = "\t".join(
            [
                convert(row[index]) if index is not None else constant
                for index, convert, constant in self.formats[table.name]
            ]
        )
        self.buffers[table.name].append(line)
        self.sizes[table.name] += len(line) + 1
        table.count += 1

    def full(self) -> bool:
        return any(size >= self.flush_bytes for size in self.sizes.values())

    def flush(self) -> None:
        for name, lines in self.buffers.items():  # registration order: parents first
            if not lines:
                continue
            if self.error is not None:
                break
            columns = ", ".join(connection.ops.quote_name(c) for c in self.tables[name].columns)
            sql = f"COPY {connection.ops.quote_name(name)} ({columns}) FROM STDIN"
            self.chunks.put((sql, io.StringIO("\n".join(lines) + "\n")))
            lines.clear()
            self.sizes[name] = 0
        if self.error is not None:
            raise self.error

    def finish(self) -> None:
        """Write what is buffered and wait for the writer thread."""
        self.flush()
        self.chunks.put(None)
        self.writer.join()
        if self.error is not None:
            raise self.error

    def _write(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is not None:
                continue  # drain after a failure; the main thread raises it
            sql, data = chunk
            try:
                self.raw_cursor.copy_expert(sql, data, size=1 << 20)
            except BaseException as exc:  # noqa: BLE001  (re-raised in the main thread)
                self.error = exc


class InsertSink:
    """executemany INSERTs, for SQLite and small data sets."""

    def __init__(self, cursor: Any, flush_rows: int = 5_000):
        self.cursor = cursor
        self.flush_rows = flush_rows
        self.rows: dict[str, list[list[Any]]] = {}
        self.tables: dict[str, Table] = {}
        self.constants: dict[str, list[Any]] = {}

    def register(self, table: Table) -> None:
        self.tables[table.name] = table
        self.rows[table.name] = []
        self.constants[table.name] = [
            None if index is not None else model_field.get_db_prep_save(fallback, connection)
            for index, model_field, fallback in table.plan
        ]

    def add(self, table: Table, row: tuple) -> None:
        values = [
            model_field.get_db_prep_save(row[index], connection) if index is not None else constant
            for (index, model_field, _), constant in zip(
                table.plan, self.constants[table.name], strict=True
            )
        ]
        self.rows[table.name].append(values)
        table.count += 1

    def full(self) -> bool:
        return any(len(rows) >= self.flush_rows for rows in self.rows.values())

    def flush(self) -> None:
        quote = connection.ops.quote_name
        for name, rows in self.rows.items():
            if not rows:
                continue
            table = self.tables[name]
            columns = ", ".join(quote(c) for c in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            self.cursor.executemany(f"INSERT INTO {quote(name)} ({columns}) VALUES ({marks})", rows)
            rows.clear()

    def finish(self) -> None:
        self.flush()


# --- Progress ------------------------------------------------------------------------------


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Prints what is happening every few seconds, with an estimate of the time left."""

    def __init__(self, total: int, write: Callable[[str], None], every: float = 3.0):
        self.total = total
        self.write = write
        self.every = every
        self.started = time.monotonic()
        self.generation_started = self.started
        self.last = 0.0

    def say(self, text: str) -> None:
        self.write(f"[scale {_duration(time.monotonic() - self.started)}] {text}")

    def update(self, done: int, rows: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.generation_started
        rate = done / elapsed if elapsed else 0.0
        left = (self.total - done) / rate if rate else 0.0
        # Indexes, keys, VACUUM and the statistics take roughly 40% of the generation again.
        after = 0.4 * self.total / rate if rate else 0.0
        self.say(
            f"{done:,}/{self.total:,} beneficiaries ({100 * done / self.total:.0f}%), "
            f"{rows:,} rows, {rate:,.0f} beneficiaries/s, about {_duration(left + after)} left"
        )


# --- What exists already -------------------------------------------------------------------


@dataclass
class Office:
    org_id: int
    regency_id: int
    regency_code: str
    slug: str
    workers: list[int] = field(default_factory=list)


@dataclass
class Place:
    """A kecamatan (or a whole regency when the tree is not loaded) and its villages."""

    regency_code: str
    regency_id: int
    district_id: int | None
    district_code: str
    nik_code: str  # the 6 digits a NIK or KK issued here starts with
    villages: list[tuple[int, str]]  # (region id, name); empty → live at this level
    name: str


@dataclass
class Context:
    offices: dict[str, Office]  # by regency code
    office_weights: list[float]
    places_by_regency: dict[str, tuple[list[Place], list[float]]]
    regency_codes: list[str]
    regency_cum: list[float]
    regency_names: dict[str, str]
    categories: dict[str, int]
    service_types: dict[str, int]
    orgs: dict[str, tuple[int, int, list[int]]]  # code → (org id, regency id, user ids)
    offers: dict[tuple[int, int], int]  # (org id, service type id) → offer id
    has_district_tree: bool


def _assert_ready() -> None:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise ImproperlyConfigured(
            f"{len(plan)} migrations are not applied; run manage.py migrate first."
        )


def ensure_regions(regions_csv: Path | None, say: Callable[[str], None]) -> bool:
    """Load the kecamatan/desa tree if it is missing and the CSV is there.
    Returns whether kecamatan exist afterwards."""
    if Region.objects.filter(level=Level.DISTRICT).exists():
        return True
    if regions_csv is not None and regions_csv.exists():
        from regions.loading import load_file

        result = load_file(regions_csv)
        say(f"loaded the region tree from {regions_csv} ({result.created} regions)")
        return True
    say("no kecamatan in the database and no region CSV: placing people at regency level")
    return False


def _create_workers(office: Office, count: int, rng: random.Random, pools: Pools) -> None:
    """Caseworkers of an office, so that cases spread over realistic caseloads."""
    existing = set(
        User.objects.filter(organization_id=office.org_id, role=Role.CASEWORKER).values_list(
            "username", flat=True
        )
    )
    password = make_password(DEMO_PASSWORD)
    new = []
    for i in range(1, count + 1):
        username = f"pekerja{i:03d}.{office.slug}"
        if username in existing:
            continue
        male = rng.random() < 0.45
        first = rng.choice(pools.male if male else pools.female)
        new.append(
            User(
                username=username,
                first_name=first,
                last_name=rng.choice(pools.last),
                email=f"{username}@demo.pmks.invalid",
                organization_id=office.org_id,
                role=Role.CASEWORKER,
                password=password,
            )
        )
    User.objects.bulk_create(new, batch_size=500)
    office.workers = list(
        User.objects.filter(organization_id=office.org_id, role=Role.CASEWORKER, is_active=True)
        .order_by("username")
        .values_list("pk", flat=True)
    )


def load_context(beneficiaries: int, rng: random.Random, pools: Pools) -> Context:
    regencies = {r.code: r for r in Region.objects.regencies()}
    districts: dict[str, list[Region]] = defaultdict(list)
    for district in Region.objects.filter(level=Level.DISTRICT).order_by("code"):
        districts[district.code[:5]].append(district)
    villages: dict[int, list[tuple[int, str]]] = defaultdict(list)
    kelurahan: dict[int, int] = defaultdict(int)
    for pk, parent_id, name, code in (
        Region.objects.filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("pk", "parent_id", "name", "code")
    ):
        villages[parent_id].append((pk, name))
        if code.rsplit(".", 1)[-1].startswith("1"):
            kelurahan[parent_id] += 1

    orgs_by_code = {org.code: org for org in Organization.objects.filter(is_active=True)}
    offices: dict[str, Office] = {}
    for code, regency in regencies.items():
        slug = REGENCY_SLUGS.get(code, code.replace(".", "-"))
        org = orgs_by_code.get(f"dinsos-{slug}")
        if org is None:
            raise ImproperlyConfigured(f"no Dinsos office dinsos-{slug}: run seed_organizations")
        offices[code] = Office(org.pk, regency.pk, code, slug)

    regency_codes = sorted(offices)
    weights = [float(REGENCY_POPULATION.get(code, 100)) for code in regency_codes]
    total_weight = sum(weights)
    for code, weight in zip(regency_codes, weights, strict=True):
        expected_cases = 1.2 * beneficiaries * weight / total_weight
        _create_workers(offices[code], max(2, min(120, round(expected_cases / 2500))), rng, pools)

    places_by_regency = {}
    for code in regency_codes:
        regency = regencies[code]
        places, place_weights = [], []
        for district in districts.get(code, []):
            rows = villages.get(district.pk, [])
            places.append(
                Place(
                    code,
                    regency.pk,
                    district.pk,
                    district.code,
                    district.code.replace(".", ""),
                    rows,
                    district.name,
                )
            )
            # Urban kecamatan (many kelurahan) hold more people.
            place_weights.append(1.0 + len(rows) + 3.0 * kelurahan[district.pk])
        if not places:
            count = KECAMATAN_COUNT.get(code, 5)
            for number in range(1, count + 1):
                nik_code = f"{code.replace('.', '')}{number:02d}"
                places.append(Place(code, regency.pk, None, code, nik_code, [], regency.name))
                place_weights.append(1.0)
        places_by_regency[code] = (places, list(accumulate(place_weights)))

    org_rows: dict[str, tuple[int, int, list[int]]] = {}
    users_by_org: dict[int, list[int]] = defaultdict(list)
    for pk, org_id in (
        User.objects.filter(is_active=True, organization__isnull=False)
        .order_by("pk")
        .values_list("pk", "organization_id")
    ):
        users_by_org[org_id].append(pk)
    region_regency = {r.pk: r.pk for r in regencies.values()}
    for code, org in orgs_by_code.items():
        regency_id = region_regency.get(org.region_id)
        if regency_id is None:  # a provincial organization: Samarinda is the capital
            regency_id = regencies["64.72"].pk if "64.72" in regencies else org.region_id
        if org.kind == OrganizationKind.REGENCY_OFFICE and org.region_id in region_regency:
            office = next(o for o in offices.values() if o.org_id == org.pk)
            users = office.workers
        else:
            users = users_by_org.get(org.pk, [])
        if users:
            org_rows[code] = (org.pk, regency_id, users)

    offers = {
        (org_id, type_id): pk
        for pk, org_id, type_id in ServiceOffer.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "organization_id", "service_type_id")
    }
    return Context(
        offices=offices,
        office_weights=weights,
        places_by_regency=places_by_regency,
        regency_codes=regency_codes,
        regency_cum=list(accumulate(weights)),
        regency_names={code: regencies[code].name for code in regency_codes},
        categories=dict(PmksCategory.objects.values_list("code", "pk")),
        service_types=dict(ServiceType.objects.values_list("code", "pk")),
        orgs=org_rows,
        offers=offers,
        has_district_tree=bool(districts),
    )


# --- Pools ---------------------------------------------------------------------------------


@dataclass
class Pools:
    male: list[str]
    female: list[str]
    last: list[str]
    streets: list[str]


def make_pools(seed: int) -> Pools:
    """Names and streets drawn once from Faker id_ID (Faker is too slow per row)."""
    from faker import Faker

    fake = Faker("id_ID")
    fake.seed_instance(seed)

    def pool(draw: Callable[[], str], size: int) -> list[str]:
        return sorted({draw() for _ in range(size)})

    return Pools(
        male=pool(fake.first_name_male, 3000),
        female=pool(fake.first_name_female, 3000),
        last=pool(fake.last_name, 3000),
        streets=pool(fake.street_name, 3000),
    )


# --- The generator -------------------------------------------------------------------------


class Choice:
    """A weighted choice with precomputed cumulative weights (faster than choices())."""

    def __init__(self, values: Iterable[Any], weights: Iterable[float]):
        self.values = list(values)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cum, rng.random() * self.total)]


@dataclass
class Person:
    id: int
    sex: str
    birth_date: dt.date | None
    place: Place
    region_id: int
    office: Office
    no_nik_reason: str
    household_category: str
    full_name: str = ""


@dataclass
class ScaleResult:
    beneficiaries: int
    seconds: float
    rows: dict[str, int]
    bulk: bool

    def summary(self) -> str:
        parts = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return f"{self.beneficiaries:,} beneficiaries in {_duration(self.seconds)}: {parts}"


class Generator:
    def __init__(self, ctx: Context, pools: Pools, rng: random.Random, now: dt.datetime):
        self.ctx = ctx
        self.pools = pools
        self.rng = rng
        self.now = int(now.timestamp())
        self.today = now.astimezone(timezone.get_default_timezone()).date()
        self.start = self.now - YEARS * 365 * DAY
        self.nik_serials: dict[str, int] = defaultdict(int)
        self.kk_serials: dict[str, int] = defaultdict(int)
        self.tz = timezone.get_default_timezone()
        # the numbering of cases/services._next_case_number and referrals/services._next_number
        self.case_numbers: dict[str, int] = defaultdict(int)  # "6472/2026" → last
        self.referral_numbers: dict[tuple[str, int], int] = defaultdict(int)
        self.pending_transfer_case = 0
        self.tables: dict[type[models.Model], Table] = {}
        self.sink: CopySink | InsertSink | None = None
        self.household_size = Choice(*HOUSEHOLD_SIZES)
        self.cases_per_person = Choice(*CASES_PER_PERSON)
        self.nik_absent = Choice(*NIK_ABSENT_REASONS)
        self.member_nik_absent = Choice(*MEMBER_NIK_ABSENT_REASONS)
        self.legal_basis = Choice(*LEGAL_BASES)
        self.priority = Choice(*PRIORITIES)
        self.active_status = Choice(*ACTIVE_STATUSES)
        self.closure_reason = Choice(*CLOSURE_REASONS)
        self.risk = Choice(*RISK_LEVELS)
        self.urgency = Choice(*URGENCIES)
        self.decided_status = Choice(*DECIDED_STATUSES)
        self.regency = Choice(ctx.regency_codes, ctx.office_weights)
        self.category_choice = self._category_choices()
        self.migrant_origin = Choice(MIGRANT_ORIGINS, [1.0] * len(MIGRANT_ORIGINS))
        self.sla = {key: days * DAY for key, days in settings.REFERRAL_SLA_DAYS.items()}

    # -- helpers

    def _category_choices(self) -> dict[tuple[str, str], Choice]:
        choices = {}
        for group in ("toddler", "child", "adult", "elderly"):
            for sex in ("M", "F"):
                codes = [c for c in CATEGORY_WEIGHTS if self._eligible(c, group, sex)]
                codes = [c for c in codes if c in self.ctx.categories]
                choices[(group, sex)] = Choice(codes, [CATEGORY_WEIGHTS[c] for c in codes])
        return choices

    @staticmethod
    def _eligible(code: str, group: str, sex: str) -> bool:
        if code in FEMALE_ONLY and sex != "F":
            return False
        if group == "toddler":
            return code in TODDLER
        if group == "child":
            return code in CHILD and code != "PMKS01"
        if code in CHILD_ONLY:
            return False
        return group == "elderly" or code not in ELDERLY_ONLY

    def _age_group(self, birth_date: dt.date | None) -> str:
        if birth_date is None:
            return "adult"
        age = (self.today - birth_date).days / 365.25
        if age < 5:
            return "toddler"
        if age < 18:
            return "child"
        return "elderly" if age >= 60 else "adult"

    def emit(self, model: type[models.Model], row: tuple) -> None:
        assert self.sink is not None
        self.sink.add(self.tables[model], row)

    def new_id(self, model: type[models.Model]) -> int:
        return self.tables[model].allocate()

    def _at(self, ts: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, UTC)

    def _year(self, ts: int) -> int:
        return dt.datetime.fromtimestamp(ts, self.tz).year

    def _date(self, ts: int) -> dt.date:
        return dt.date.fromtimestamp(ts)  # noqa: DTZ012  (calendar day of an instant, fine)

    def _worker(self, office: Office) -> int:
        return office.workers[int(self.rng.random() * len(office.workers))]

    # -- people

    def _name(self, sex: str, family: str | None) -> str:
        rng = self.rng
        first = rng.choice(self.pools.male if sex == "M" else self.pools.female)
        shape = rng.random()
        if shape < 0.15:
            return first
        last = family or rng.choice(self.pools.last)
        if shape < 0.25:
            middle = rng.choice(self.pools.male if sex == "M" else self.pools.female)
            if middle != first:
                return f"{first} {middle} {last}"
        return f"{first} {last}"

    def _birth_date(self, age_min: float, age_max: float) -> dt.date:
        days = int((age_min + (age_max - age_min) * self.rng.random()) * 365.25)
        return self.today - dt.timedelta(days=max(1, days))

    def _nik(self, region6: str, birth_date: dt.date, sex: str) -> str:
        day = birth_date.day + (40 if sex == "F" else 0)
        prefix = f"{region6}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
        self.nik_serials[prefix] += 1
        return f"{prefix}{self.nik_serials[prefix]:04d}"

    def _kk(self, region6: str) -> str:
        issued = self.today - dt.timedelta(days=int(self.rng.random() * 15 * 365))
        prefix = f"{region6}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        self.kk_serials[prefix] += 1
        return f"{prefix}{self.kk_serials[prefix]:04d}"

    def _place(self, regency_code: str) -> Place:
        places, cum = self.ctx.places_by_regency[regency_code]
        return places[bisect(cum, self.rng.random() * cum[-1])]

    def _members(self, size: int) -> list[tuple[str, dt.date]]:
        """Sex and birth date of each household member, head first."""
        rng = self.rng
        if size == 1:
            group = rng.random()
            if group < 0.25:
                return [("M" if rng.random() < 0.45 else "F", self._birth_date(60, 92))]
            if group < 0.33:
                return [("M" if rng.random() < 0.6 else "F", self._birth_date(6, 18))]
            return [("M" if rng.random() < 0.5 else "F", self._birth_date(18, 60))]
        head_sex = "M" if rng.random() < 0.75 else "F"
        head_age = 22 + 38 * rng.random()
        members = [(head_sex, self._birth_date(head_age, head_age + 0.9))]
        slots = size - 1
        if rng.random() < 0.8:
            spouse_age = max(18.0, head_age + rng.uniform(-8, 4))
            members.append(
                ("F" if head_sex == "M" else "M", self._birth_date(spouse_age, spouse_age + 0.9))
            )
            slots -= 1
        if slots >= 2 and rng.random() < 0.2:
            members.append(("F" if rng.random() < 0.6 else "M", self._birth_date(60, 85)))
            slots -= 1
        for _ in range(slots):
            child_age = max(0.1, min(head_age - 18, 25) * rng.random())
            members.append(
                ("M" if rng.random() < 0.5 else "F", self._birth_date(child_age, child_age + 0.5))
            )
        return members

    def household(self, room: int) -> int:
        """One household of at most `room` beneficiaries; returns its size."""
        rng = self.rng
        regency_code = self.regency(rng)
        office = self.ctx.offices[regency_code]
        place = self._place(regency_code)
        size = min(room, self.household_size(rng))
        members = self._members(size)
        family = rng.choice(self.pools.last) if rng.random() < 0.5 else None
        head_without_nik = rng.random() < SHARE_WITHOUT_NIK
        head_reason = self.nik_absent(rng) if head_without_nik else ""
        kk = ""
        if not (head_without_nik and head_reason in ("street", "unknown_child", "migrant")):
            kk = self._kk(place.nik_code) if rng.random() < 0.95 else ""
        village_id, village_name = (
            place.villages[int(rng.random() * len(place.villages))]
            if place.villages
            else (place.district_id or place.regency_id, "")
        )
        street = rng.choice(self.pools.streets)
        address = (
            f"{street} No. {rng.randint(1, 150)}, RT {rng.randint(1, 40):03d}/RW "
            f"{rng.randint(1, 12):03d}"
        )
        if village_name:
            address += f", {village_name}"
        if head_reason == "street":
            address = f"Tidak tetap, sekitar {street}"
        household_category = ""
        if rng.random() < 0.5:
            household_category = rng.choice(sorted(HOUSEHOLD_CATEGORIES))
        registered_by = self._worker(office)
        for index, (sex, birth_date) in enumerate(members):
            reason = head_reason if index == 0 else ""
            if index and (
                rng.random() < SHARE_WITHOUT_NIK / 2 or (head_without_nik and rng.random() < 0.6)
            ):
                reason = self.member_nik_absent(rng)
            person = Person(
                id=self.new_id(Beneficiary),
                sex=sex,
                birth_date=birth_date,
                place=place,
                region_id=village_id,
                office=office,
                no_nik_reason=reason,
                household_category=household_category,
            )
            self.person(person, kk, address, family if index else None, registered_by)
        return size

    def person(
        self, person: Person, kk: str, address: str, family: str | None, registered_by: int
    ) -> None:
        rng = self.rng
        place = person.place
        nik = None
        birth_place = self.ctx.regency_names[place.regency_code].replace("Kabupaten ", "")
        birth_place = birth_place.replace("Kota ", "")
        birth_date = person.birth_date
        estimated = False
        if person.no_nik_reason:
            if rng.random() < 0.35:
                estimated = True
                assert birth_date is not None
                birth_date = birth_date.replace(month=7, day=1)
            elif rng.random() < 0.15:
                birth_date = None
                person.birth_date = None
            birth_place = "" if rng.random() < 0.5 else birth_place
        else:
            assert birth_date is not None
            draw = rng.random()
            if draw < SHARE_NIK_OUTSIDE_KALTIM:
                origin, count, birth_place = self.migrant_origin(rng)
                region6 = f"{origin.replace('.', '')}{rng.randint(1, count):02d}"
            elif draw < SHARE_NIK_OUTSIDE_KALTIM + SHARE_NIK_OTHER_KECAMATAN:
                other = self._place(self.regency(rng))
                region6 = other.nik_code
            else:
                region6 = place.nik_code
            nik = self._nik(region6, birth_date, person.sex)
        full_name = person.full_name = self._name(person.sex, family)
        first_case = self.start + int(YEARS * 365 * DAY * rng.random() ** 1.15)
        registered = max(self.start, first_case - int(rng.random() * 20 * DAY))
        basis = self.legal_basis(rng)
        disability = rng.random() < 0.05
        self.emit(
            Beneficiary,
            BeneficiaryRow(
                id=person.id,
                nik=nik,
                nik_absent_reason=person.no_nik_reason,
                no_kk=kk,
                full_name=full_name,
                sex=person.sex,
                birth_date=birth_date,
                birth_date_estimated=estimated,
                birth_place=birth_place,
                address=address,
                region_id=person.region_id,
                regency_id=place.regency_id,
                district_id=place.district_id,
                phone=f"08{rng.randint(11, 59)}{rng.randint(1000000, 99999999)}"
                if rng.random() < 0.6
                else "",
                has_disability=disability,
                disability_note="Disabilitas fisik" if disability else "",
                legal_basis=basis,
                consent_note="Persetujuan lisan, disaksikan petugas" if basis == "consent" else "",
                registered_by_org_id=person.office.org_id,
                registered_regency_id=person.office.regency_id,
                registered_by_id=registered_by,
                created_at=self._at(registered),
                updated_at=self._at(registered),
                version=1,
            ),
        )
        count = self.cases_per_person(rng)
        opened = first_case
        for number in range(count):
            last = number == count - 1
            self.case(person, opened, last)
            if last:
                break
            opened = opened + int((self.now - opened) * rng.random() * 0.8) + DAY

    # -- cases

    def _category(self, person: Person) -> str:
        rng = self.rng
        group = self._age_group(person.birth_date)
        if person.no_nik_reason == "street" and rng.random() < 0.6:
            code = rng.choice(STREET_CATEGORIES)
            if code != "PMKS04" or group in ("child", "toddler"):
                return code
        if person.household_category and rng.random() < 0.6:
            return person.household_category
        return self.category_choice[(group, person.sex)](rng)

    def case(self, person: Person, opened: int, last: bool) -> None:
        rng = self.rng
        ctx = self.ctx
        office = person.office
        case_id = self.new_id(Case)
        category = self._category(person)
        opened_at = self._at(opened)
        prefix = f"{office.regency_code.replace('.', '')}/{self._year(opened)}"
        self.case_numbers[prefix] += 1
        number = f"{prefix}/{self.case_numbers[prefix]:05d}"
        worker = self._worker(office) if rng.random() < 0.96 else None
        age_days = (self.now - opened) / DAY
        closed = not last or rng.random() < min(0.85, age_days / 540)
        events: list[EventRow] = []
        latest = [opened]

        def event(kind: str, text: str, at: int, actor: int | None, org: int, data: dict) -> None:
            latest[0] = max(latest[0], at)
            events.append(
                EventRow(
                    self.new_id(CaseEvent), case_id, kind, text, data, actor, org, self._at(at)
                )
            )

        event("created", "Kasus dibuka.", opened, worker, office.org_id, {})
        if closed:
            status = "closed"
            closed_ts = min(self.now - DAY // 2, opened + int((20 + 380 * rng.random()) * DAY))
            closed_ts = max(closed_ts, opened + 3600)
            previous = "monitoring" if rng.random() < 0.85 else "closure_requested"
        else:
            status = "open" if age_days < 7 else self.active_status(rng)
            closed_ts = None
            previous = STATUS_BEFORE.get(status, "")
        end = closed_ts or self.now
        reopened = 0
        if age_days > 60 and rng.random() < 0.04:
            reopened = 2 if rng.random() < 0.12 else 1
            span = end - opened
            for index in range(reopened):
                closed_before = opened + int(span * (0.2 + 0.3 * index))
                back = closed_before + int(span * 0.1)
                event(
                    "status",
                    "Status: monitoring → ditutup.",
                    closed_before,
                    worker,
                    office.org_id,
                    {"from": "monitoring", "to": "closed"},
                )
                event(
                    "status",
                    "Kasus dibuka kembali.",
                    back,
                    worker,
                    office.org_id,
                    {"from": "closed", "to": "open", "reopen": True},
                )
        change = end if closed else opened + int((end - opened) * (0.3 + 0.6 * rng.random()))
        assessment_needed = status != "open" or closed
        needs: list[str] = []
        if assessment_needed and rng.random() < 0.75:
            needs = rng.sample(NEEDS, rng.randint(1, 3))
            assessed = opened + int(min(14 * DAY, (end - opened) * 0.2) * rng.random())
            self.emit(
                Assessment,
                AssessmentRow(
                    self.new_id(Assessment),
                    case_id,
                    needs,
                    self.risk(rng),
                    "Asesmen awal oleh pekerja sosial.",
                    worker or self._worker(office),
                    self._at(assessed),
                ),
            )
            event("assessment", "Asesmen dicatat.", assessed, worker, office.org_id, {})
        if rng.random() < 0.6:
            event(
                "note",
                rng.choice(NOTE_TEXTS),
                opened + int((end - opened) * rng.random()),
                worker,
                office.org_id,
                {},
            )
        # services delivered directly by the office (referrals add more below)
        in_service = closed or status in ("in_service", "monitoring", "closure_requested")
        if in_service and rng.random() < 0.42:
            self._service(case_id, office, worker, needs, opened, end, closed, None)

        # referrals, in time order; an accepted transfer moves the case
        owner = office
        referral_count = 1 if rng.random() < 0.215 else 0
        if referral_count and rng.random() < 0.15:
            referral_count = 2
        earliest = opened
        for _ in range(referral_count):
            if earliest >= end - HOUR:
                break
            owner, worker, earliest = self.referral(
                case_id, person, owner, worker, needs, earliest, end, closed, event, opened_at
            )

        if previous and status != "open":
            event(
                "status",
                f"Status: {previous} → {status}.",
                change,
                worker,
                owner.org_id,
                {"from": previous, "to": status},
            )
        other = []
        if rng.random() < 0.15:
            other = rng.sample(sorted(ctx.categories), rng.randint(1, 2))
            for code in other:
                if code != category:
                    self.emit(
                        Case.other_categories.through,
                        CaseCategoryRow(
                            self.new_id(Case.other_categories.through),
                            case_id,
                            ctx.categories[code],
                        ),
                    )
        requested = status == "closure_requested" or (closed and rng.random() < 0.7)
        requested_at = (closed_ts or change) - int(2 * DAY * rng.random()) if requested else None
        self.emit(
            Case,
            CaseRow(
                id=case_id,
                number=number,
                beneficiary_id=person.id,
                beneficiary_name=person.full_name,
                primary_category_id=ctx.categories[category],
                owner_org_id=owner.org_id,
                regency_id=owner.regency_id,
                district_id=person.place.district_id,
                assigned_to_id=worker,
                priority=self.priority(rng),
                summary=f"{person_label(person)} {rng.choice(SUMMARY_SITUATIONS)}.",
                status=status,
                status_before_closure=previous if status in ("closed", "closure_requested") else "",
                opened_at=opened_at,
                closed_at=self._at(closed_ts) if closed_ts else None,
                closure_reason=self.closure_reason(rng) if closed else "",
                closure_note="Ditutup setelah evaluasi akhir." if closed else "",
                closure_requested_by_id=worker if requested else None,
                closure_requested_at=self._at(max(opened, requested_at)) if requested_at else None,
                reopened_count=reopened,
                created_by_id=worker,
                created_at=opened_at,
                updated_at=self._at(latest[0]),
                version=len(events),
            ),
        )
        for row in events:
            self.emit(CaseEvent, row)

    def _service(
        self,
        case_id: int,
        office: Office,
        worker: int | None,
        needs: list[str],
        opened: int,
        end: int,
        closed: bool,
        provider: tuple[int, str] | None,
        *,
        start: int | None = None,
        done: bool | None = None,
    ) -> int:
        rng = self.rng
        need = rng.choice(needs) if needs else "food"
        type_code = provider[1] if provider else SERVICE_FOR_NEED[need]
        begin = start if start is not None else opened + int((end - opened) * 0.3 * rng.random())
        finished = closed if done is None else done
        if finished:
            status = "done" if rng.random() < 0.9 else "cancelled"
        else:
            status = "ongoing" if rng.random() < 0.7 else "planned"
        stop = min(end, begin + int((7 + 120 * rng.random()) * DAY)) if status == "done" else None
        service_id = self.new_id(ServiceDelivery)
        self.emit(
            ServiceDelivery,
            ServiceRow(
                id=service_id,
                case_id=case_id,
                service_type_id=self.ctx.service_types[type_code],
                provider_org_id=provider[0] if provider else office.org_id,
                provider_name="",
                status=status,
                start_date=self._date(begin) if status != "planned" else None,
                end_date=self._date(stop) if stop else None,
                outcome=rng.choice(OUTCOME_TEXTS) if status == "done" else "",
                created_by_id=worker,
                created_at=self._at(begin),
                updated_at=self._at(stop or begin),
                version=1,
            ),
        )
        return service_id

    # -- referrals

    def _receiver(self, service_code: str, owner: Office) -> tuple[int, int, list[int]]:
        rng = self.rng
        candidates = SERVICE_PROVIDERS.get(service_code, ["office"])
        code = rng.choice(candidates)
        if code != "office" and code in self.ctx.orgs:
            return self.ctx.orgs[code]
        return self._other_office(owner)

    def _other_office(self, owner: Office) -> tuple[int, int, list[int]]:
        while True:
            target = self.ctx.offices[self.regency(self.rng)]
            if target.org_id != owner.org_id or len(self.ctx.offices) == 1:
                return (target.org_id, target.regency_id, target.workers)

    def referral(
        self,
        case_id: int,
        person: Person,
        owner: Office,
        worker: int | None,
        needs: list[str],
        opened: int,
        end: int,
        closed: bool,
        event: Callable[..., None],
        case_opened_at: dt.datetime,
    ) -> tuple[Office, int | None, int]:
        """One referral sent after `opened` (the case's opening or the previous
        referral's decision); returns the case's owner and worker afterwards and
        when this referral was last decided on."""
        rng = self.rng
        ctx = self.ctx
        # at most one pending transfer per case (ref_one_pending_transfer_per_case)
        transfer = (
            len(ctx.offices) > 1 and rng.random() < 0.2 and self.pending_transfer_case != case_id
        )
        created = opened + int((end - opened) * (0.1 + 0.8 * rng.random()))
        urgency = self.urgency(rng)
        service_code = ""
        if transfer:
            to_org, to_regency, to_users = self._other_office(owner)
        else:
            need = rng.choice(needs) if needs else rng.choice(NEEDS)
            service_code = SERVICE_FOR_NEED[need]
            to_org, to_regency, to_users = self._receiver(service_code, owner)
        # pending only on active cases, and mostly for the young ones
        young = self.now - created < 30 * DAY
        if not closed and (young or rng.random() < 0.12):
            status = "pending" if rng.random() < 0.7 else self.decided_status(rng)
        else:
            status = self.decided_status(rng)
        if transfer and status == "completed":
            status = "accepted" if rng.random() < 0.8 else "completed"
        if status == "pending" and created > self.now - HOUR:
            created = self.now - HOUR
        if status == "pending" and transfer:
            self.pending_transfer_case = case_id
        due = created + self.sla.get(urgency, 7 * DAY)
        sender = worker or self._worker(owner)
        decider = to_users[int(rng.random() * len(to_users))]
        decided_ts = completed_ts = None
        if status != "pending":
            decided_ts = min(self.now - 60, created + int((0.1 + 5 * rng.random()) * DAY))
        if status == "completed" and decided_ts is not None:
            completed_ts = min(self.now - 30, decided_ts + int((3 + 60 * rng.random()) * DAY))
        overdue = status == "pending" and due < self.now and rng.random() < 0.85
        referral_id = self.new_id(Referral)
        sender_region = owner.regency_code
        self.referral_numbers[(sender_region, self._year(created))] += 1
        serial = self.referral_numbers[(sender_region, self._year(created))]
        service_delivery = None
        if not transfer and status in ("accepted", "completed"):
            service_delivery = self._service(
                case_id,
                owner,
                sender,
                needs,
                opened,
                end,
                closed,
                (to_org, service_code),
                start=decided_ts,
                done=status == "completed",
            )
        self.emit(
            Referral,
            ReferralRow(
                id=referral_id,
                number=f"RJ/{sender_region}/{self._year(created)}/{serial:06d}",
                kind="transfer" if transfer else "service",
                case_id=case_id,
                from_org_id=owner.org_id,
                to_org_id=to_org,
                from_regency_id=owner.regency_id,
                to_regency_id=to_regency,
                service_type_id=ctx.service_types[service_code] if service_code else None,
                offer_id=ctx.offers.get((to_org, ctx.service_types.get(service_code, 0))),
                holds_capacity=False,
                reason=rng.choice(REASON_TEXTS),
                urgency=urgency,
                shared_summary=f"{person_label(person)}; kebutuhan: {', '.join(needs) or '-'}.",
                legal_basis="public_task" if rng.random() < 0.7 else "consent",
                consent_note="",
                status=status,
                due_at=self._at(due),
                is_overdue=overdue,
                overdue_notified_at=self._at(due + 600) if overdue else None,
                created_by_id=sender,
                created_at=self._at(created),
                decided_at=self._at(decided_ts) if decided_ts else None,
                decided_by_id=decider if decided_ts else None,
                decision_reason=rng.choice(DECLINE_TEXTS)
                if status in ("declined", "cancelled")
                else "",
                completed_at=self._at(completed_ts) if completed_ts else None,
                completed_by_id=decider if completed_ts else None,
                outcome=rng.choice(OUTCOME_TEXTS) if completed_ts else "",
                service_delivery_id=service_delivery,
                updated_at=self._at(completed_ts or decided_ts or created),
                version=1 + (decided_ts is not None) + (completed_ts is not None),
            ),
        )
        label = "Pemindahan kasus" if transfer else "Rujukan layanan"
        event(
            "referral",
            f"{label} dikirim.",
            created,
            sender,
            owner.org_id,
            {"referral": referral_id},
        )
        for index in range(rng.choice((0, 0, 0, 1, 1, 2))):
            author, org = (sender, owner.org_id) if index % 2 == 0 else (decider, to_org)
            self.emit(
                ReferralMessage,
                MessageRow(
                    self.new_id(ReferralMessage),
                    referral_id,
                    author,
                    org,
                    rng.choice(MESSAGE_TEXTS),
                    self._at(min(self.now - 10, created + int((index + 1) * 0.3 * DAY))),
                ),
            )
        if self.now - created < 60 * DAY:
            read = status != "pending" or rng.random() < 0.5
            self.emit(
                Notification,
                NotificationRow(
                    self.new_id(Notification),
                    decider,
                    "new_referral",
                    referral_id,
                    f"Rujukan baru {label.lower()} dari kantor pengirim.",
                    self._at(created),
                    self._at(min(self.now - 5, created + 3600)) if read else None,
                ),
            )
        if transfer and status in ("accepted", "completed"):
            assert decided_ts is not None
            self.emit(
                CaseFormerOwner,
                FormerOwnerRow(
                    self.new_id(CaseFormerOwner),
                    case_id,
                    owner.org_id,
                    self._at(decided_ts),
                    owner.regency_id,
                    case_opened_at,
                ),
            )
            new_owner = next(o for o in ctx.offices.values() if o.org_id == to_org)
            event(
                "transfer",
                "Kasus dipindahkan ke kantor penerima.",
                decided_ts,
                decider,
                to_org,
                {"from_org": owner.org_id, "to_org": to_org, "referral": referral_id},
            )
            return new_owner, decider, decided_ts
        return owner, worker, decided_ts or created

    # -- the run

    def run(self, total: int, progress: Progress, sink: CopySink | InsertSink) -> None:
        self.sink = sink
        done = 0
        while done < total:
            done += self.household(total - done)
            if sink.full():
                sink.flush()
                progress.update(done, sum(t.count for t in self.tables.values()))
        sink.finish()
        progress.update(done, sum(t.count for t in self.tables.values()), force=True)


def person_label(person: Person) -> str:
    word = "Laki-laki" if person.sex == "M" else "Perempuan"
    if person.birth_date is None:
        return f"{word}, usia tidak diketahui,"
    return f"{word}, lahir {person.birth_date.year},"


# --- Bulk load: indexes and foreign keys around the COPY -------------------------------------


class DataExists(Exception):
    """The database already holds beneficiaries: scale data goes into an empty one."""


@dataclass(frozen=True)
class Schema:
    indexes: dict[str, tuple[str, str, bool]]  # name → (table, definition, rebuildable)
    foreign_keys: dict[str, tuple[str, str]]  # name → (table, definition)

    def rebuildable_indexes(self) -> list[tuple[str, str, str]]:
        return [(n, t, d) for n, (t, d, rebuild) in sorted(self.indexes.items()) if rebuild]


def schema_snapshot(cursor: Any, tables: list[str]) -> Schema:
    """Indexes (non-unique ones that back no constraint are rebuildable) and
    foreign keys of `tables`, with their full definitions."""
    cursor.execute(
        """
        SELECT t.relname, i.relname, pg_get_indexdef(i.oid),
               NOT (ix.indisunique OR ix.indisprimary OR con.oid IS NOT NULL)
        FROM pg_index ix
        JOIN pg_class i ON i.oid = ix.indexrelid
        JOIN pg_class t ON t.oid = ix.indrelid
        LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid
        WHERE t.oid = ANY(%s::regclass[])
        """,
        [tables],
    )
    indexes = {name: (table, definition, rebuild) for table, name, definition, rebuild in cursor}
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
        """,
        [tables],
    )
    foreign_keys = {name: (table, definition) for table, name, definition in cursor}
    return Schema(indexes, foreign_keys)


def drop_for_load(cursor: Any, schema: Schema, say: Callable[[str], None]) -> None:
    quote = connection.ops.quote_name
    # Check what is pending now (the users just created): ALTER TABLE refuses
    # tables with pending deferred trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, (table, _) in sorted(schema.foreign_keys.items()):
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _, _ in schema.rebuildable_indexes():
        cursor.execute(f"DROP INDEX {quote(name)}")
    say(
        f"dropped {len(schema.rebuildable_indexes())} non-unique indexes and "
        f"{len(schema.foreign_keys)} foreign keys for the load"
    )


def restore_after_load(cursor: Any, schema: Schema, say: Callable[[str], None]) -> None:
    """Recreate what drop_for_load removed; PostgreSQL validates every foreign key."""
    quote = connection.ops.quote_name
    indexes = schema.rebuildable_indexes()
    say(f"recreating {len(indexes)} indexes")
    all_started = time.monotonic()
    for number, (name, table, definition) in enumerate(indexes, start=1):
        started = time.monotonic()
        cursor.execute(definition)
        if time.monotonic() - started > 5:
            seconds = time.monotonic() - started
            say(f"index {number}/{len(indexes)} {name} on {table}: {seconds:.0f}s")
    say(f"{len(indexes)} indexes recreated: {time.monotonic() - all_started:.1f}s")
    started = time.monotonic()
    for name, (table, definition) in sorted(schema.foreign_keys.items()):
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    say(
        f"{len(schema.foreign_keys)} foreign keys re-added and validated: "
        f"{time.monotonic() - started:.1f}s"
    )


def verify_schema(cursor: Any, models_: list[type[models.Model]], before: Schema | None) -> None:
    """Every index, unique constraint and foreign key of the migration state
    exists (and, after a bulk load, exactly what existed before it)."""
    tables = [m._meta.db_table for m in models_]
    if before is not None and connection.vendor == "postgresql":
        after = schema_snapshot(cursor, tables)
        if after != before:
            missing = set(before.indexes) - set(after.indexes)
            missing |= set(before.foreign_keys) - set(after.foreign_keys)
            raise RuntimeError(f"indexes or keys differ after the load: {sorted(missing)}")
    state = MigrationExecutor(connection).loader.project_state()
    problems = []
    for model in models_:
        historical = state.apps.get_model(model._meta.app_label, model._meta.model_name)
        table = historical._meta.db_table
        constraints = connection.introspection.get_constraints(cursor, table)
        for index in historical._meta.indexes:
            if index.name not in constraints:
                problems.append(f"{table}: index {index.name}")
        for constraint in historical._meta.constraints:
            if constraint.name not in constraints:
                problems.append(f"{table}: constraint {constraint.name}")
        for model_field in historical._meta.concrete_fields:
            column = model_field.column
            covering = [c for c in constraints.values() if c["columns"][:1] == [column]]
            unique = [c for c in covering if c["unique"] or c["primary_key"]]
            if model_field.unique and not any(c["columns"] == [column] for c in unique):
                problems.append(f"{table}.{column}: unique")
            elif model_field.db_index and not any(c["index"] or c in unique for c in covering):
                problems.append(f"{table}.{column}: index")
            if (
                model_field.is_relation
                and getattr(model_field, "db_constraint", False)
                and not any(c["foreign_key"] for c in covering)
            ):
                problems.append(f"{table}.{column}: foreign key")
    if problems:
        raise RuntimeError(f"missing after the load: {', '.join(problems)}")


def _next_ids(cursor: Any, table: Table) -> int:
    pk = str(table.model._meta.pk.column)  # type: ignore[union-attr]
    quote = connection.ops.quote_name
    cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table.name)}")
    highest = cursor.fetchone()[0]
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.name, pk])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            highest = max(highest, last_value if is_called else last_value - 1)
    return highest + 1


def _reset_sequences(cursor: Any, models_: list[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    for sql in connection.ops.sequence_reset_sql(no_style(), models_):
        cursor.execute(sql)


def save_number_counters(generator: Generator) -> None:
    """Move the case and referral number counters past the generated numbers, so
    cases and referrals created afterwards get the next free number."""
    import cases.models
    import referrals.models

    case_counter = getattr(cases.models, "CaseNumberCounter", None)
    if case_counter is not None:
        for prefix, last in generator.case_numbers.items():
            counter, _ = case_counter.objects.get_or_create(prefix=prefix)
            counter.last = max(counter.last, last)
            counter.save(update_fields=["last"])
    referral_sequence = getattr(referrals.models, "ReferralNumberSequence", None)
    if referral_sequence is not None:
        for (region_code, year), last in generator.referral_numbers.items():
            sequence, _ = referral_sequence.objects.get_or_create(
                region_code=region_code, year=year
            )
            sequence.last = max(sequence.last, last)
            sequence.save(update_fields=["last"])


def rebuild_statistics(say: Callable[[str], None]) -> None:
    """Run stats.rollup.rebuild() when the stats app provides it."""
    try:
        from stats import rollup  # type: ignore[attr-defined]
    except ImportError:
        say("statistics: stats.rollup not available, skipped")
        return
    rebuild = getattr(rollup, "rebuild", None)
    if rebuild is None:
        say("statistics: stats.rollup.rebuild not available, skipped")
        return
    started = time.monotonic()
    rebuild()
    say(f"statistics rebuilt: {time.monotonic() - started:.1f}s")


def generate_scale(
    *,
    beneficiaries: int,
    seed: int = 1,
    now: dt.datetime | None = None,
    regions_csv: Path | None = DEFAULT_REGIONS_CSV,
    write: Callable[[str], None] = _stderr,
    bulk: bool | None = None,
    statistics: bool = True,
) -> ScaleResult:
    """Generate `beneficiaries` persons and everything around them (see the module
    docstring). Refuses (DataExists) when beneficiaries exist already."""
    if beneficiaries < 1:
        raise ValueError("beneficiaries must be at least 1")
    started = time.monotonic()
    progress = Progress(beneficiaries, write)
    _assert_ready()
    existing = Beneficiary.objects.count()
    if existing:
        raise DataExists(
            f"the database already holds {existing:,} beneficiaries; scale data is generated "
            "into an empty database (create a fresh one, migrate, then run this again)"
        )
    postgres = connection.vendor == "postgresql"
    bulk = postgres and beneficiaries >= BULK_THRESHOLD if bulk is None else bulk and postgres
    if now is None:
        now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    ensure_regions(regions_csv, progress.say)
    seed_organizations()
    rng = random.Random(seed)
    pools = make_pools(seed)
    models_ = [model for model, _ in TABLE_ROWS]
    names = [model._meta.db_table for model in models_]
    schema: Schema | None = None
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            quoted = ", ".join(connection.ops.quote_name(n) for n in names)
            cursor.execute(f"LOCK TABLE {quoted} IN EXCLUSIVE MODE")
        # the caseworkers draw from their own generator: they exist only once
        ctx = load_context(beneficiaries, random.Random(f"workers-{seed}"), pools)
        generator = Generator(ctx, pools, rng, now)
        sink: CopySink | InsertSink = CopySink(cursor) if postgres else InsertSink(cursor)
        for model, row_type in TABLE_ROWS:
            table = Table(model, row_type, now)
            table.next_id = _next_ids(cursor, table)
            generator.tables[model] = table
            sink.register(table)
        if postgres:
            schema = schema_snapshot(cursor, names)
            if bulk:
                drop_for_load(cursor, schema, progress.say)
        progress.say(f"generating {beneficiaries:,} beneficiaries (seed {seed})")
        progress.generation_started = time.monotonic()
        generator.run(beneficiaries, progress, sink)
        if bulk and schema is not None:
            restore_after_load(cursor, schema, progress.say)
        verify_schema(cursor, models_, schema)
        _reset_sequences(cursor, models_)
        save_number_counters(generator)
        progress.say("indexes and keys verified against the migration state; committing")
    with connection.cursor() as cursor:
        started_analyze = time.monotonic()
        # also the region tree and the users written above: fresh planner statistics
        for name in [*names, Region._meta.db_table, User._meta.db_table]:
            quoted_name = connection.ops.quote_name(name)
            if postgres and not connection.in_atomic_block:
                cursor.execute(f"VACUUM (ANALYZE) {quoted_name}")
            else:
                cursor.execute(f"ANALYZE {quoted_name}")
        progress.say(f"VACUUM/ANALYZE: {time.monotonic() - started_analyze:.1f}s")
    if statistics:
        rebuild_statistics(progress.say)
    result = ScaleResult(
        beneficiaries=beneficiaries,
        seconds=time.monotonic() - started,
        rows={t.model._meta.db_table: t.count for t in generator.tables.values()},
        bulk=bulk,
    )
    progress.say(f"done: {result.summary()}")
    return result

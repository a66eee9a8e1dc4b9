"""Demo service directory and referrals in every state, made through the real
services (numbers, notifications, capacity, case timelines are real), then
moved back in time so the dates read naturally and some are overdue.

Idempotent (a scenario that exists is skipped, offers are get_or_create) and
deterministic (no randomness: a fixed list of scenarios). Call after
seed_organizations() and seed_cases(); cases are taken from the demo cases of
each office, and a few more people are registered through cases.services when
an office has no free active case left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Organization, User
from cases.models import ACTIVE_STATUSES, Beneficiary, Case, CaseEvent, PmksCategory, ServiceType
from cases.services import opening as case_opening
from cases.services import registration as case_registration
from referrals.models import Referral, ReferralMessage, ServiceOffer
from referrals.services import conversation, creation, decisions, notify, sla
from regions.models import Region

DEMO_REF_MARK = "[demo-rujukan]"


@dataclass(frozen=True)
class Offer:
    key: str
    org: str
    name: str
    service: str
    regencies: tuple[str, ...]  # region codes served ("64" = the whole province)
    total: int | None = None
    free: int | None = None
    description: str = ""


OFFERS = (
    Offer(
        "uptd-shelter",
        "uptd-pstw-samarinda",
        "Shelter sementara UPTD Nirwana Puri",
        "shelter",
        ("64.72", "64.02", "64.74"),
        30,
        6,
        "Tempat tinggal sementara bagi lansia dan dewasa telantar, makan tiga kali sehari.",
    ),
    Offer(
        "samarinda-singgah",
        "dinsos-samarinda",
        "Rumah Singgah Kota Samarinda",
        "shelter",
        ("64.72",),
        12,
        3,
        "Rumah singgah untuk gelandangan, pengemis dan anak jalanan, paling lama 14 hari.",
    ),
    Offer(
        "balikpapan-singgah",
        "dinsos-balikpapan",
        "Rumah Singgah Kota Balikpapan",
        "shelter",
        ("64.71", "64.09"),
        10,
        0,
        "Termasuk pendatang yang terlantar di pelabuhan dan terminal.",
    ),
    Offer(
        "disnaker-training",
        "disnaker-samarinda",
        "Pelatihan kerja berbasis kompetensi (menjahit, tata boga, las)",
        "training",
        ("64.72", "64.02"),
        40,
        8,
        "Angkatan baru setiap bulan; peserta mendapat sertifikat dan uang transport.",
    ),
    Offer(
        "rsud-health",
        "rsud-aws",
        "Layanan kesehatan jiwa dan rawat jalan pasien PBI",
        "health",
        ("64",),
    ),
    Offer(
        "bpjs-pbi",
        "bpjs-samarinda",
        "Pendaftaran peserta PBI JK",
        "health",
        ("64.72",),
    ),
    Offer(
        "dukcapil-docs",
        "dukcapil-samarinda",
        "Perekaman KTP-el, penerbitan KK dan akta kelahiran",
        "documentation",
        ("64.72",),
        description="Layanan jemput bola untuk warga tanpa dokumen.",
    ),
    Offer(
        "lks-psychosocial",
        "lks-peduli-borneo",
        "Pendampingan psikososial anak dan remaja",
        "psychosocial",
        ("64.72", "64.74", "64.71"),
        15,
        4,
    ),
    Offer(
        "ppa-psychosocial",
        "uptd-ppa-balikpapan",
        "Pendampingan korban kekerasan terhadap perempuan dan anak",
        "psychosocial",
        ("64.71", "64.09"),
    ),
    Offer(
        "ppu-reunification",
        "dinsos-ppu",
        "Pemulangan dan reunifikasi keluarga pendatang (kawasan IKN)",
        "reunification",
        ("64.09",),
    ),
    Offer(
        "bontang-assistance",
        "dinsos-bontang",
        "Bantuan sosial sembako dan permakanan",
        "social_assistance",
        ("64.74",),
    ),
)


@dataclass(frozen=True)
class Scenario:
    key: str
    sender: str  # username of the caseworker who sends
    kind: str
    to_org: str  # organization code
    reason: str
    state: str  # pending | accepted | declined | cancelled | completed
    age_days: float  # how long ago it was sent
    urgency: str = "normal"
    service: str | None = None
    offer: str | None = None
    decider: str | None = None  # username deciding/cancelling
    decision_reason: str = ""
    outcome: str = ""
    same_case_as: str | None = None
    messages: tuple[tuple[str, str], ...] = ()  # (username, text)


SCENARIOS = (
    # --- transfers between regencies ------------------------------------------------
    Scenario(
        "t-pending",
        "pekerja.samarinda",
        "transfer",
        "dinsos-balikpapan",
        "Keluarga pindah domisili ke Balikpapan; penanganan dilanjutkan di sana.",
        "pending",
        1.2,
        messages=(
            ("pekerja.samarinda", "Alamat baru di Balikpapan Utara, nomor HP keluarga tetap."),
        ),
    ),
    Scenario(
        "t-accepted",
        "pekerja.samarinda",
        "transfer",
        "dinsos-balikpapan",
        "Ybs. bekerja dan menetap di Balikpapan sejak bulan lalu.",
        "accepted",
        6,
        decider="pekerja.balikpapan",
    ),
    Scenario(
        "t-declined",
        "pekerja.balikpapan",
        "transfer",
        "dinsos-samarinda",
        "Ybs. menyatakan akan kembali ke keluarga di Samarinda.",
        "declined",
        4,
        decider="supervisor.samarinda",
        decision_reason="Alamat keluarga ternyata di Kutai Kartanegara; mohon dirujuk ke sana.",
    ),
    Scenario(
        "t-cancelled",
        "pekerja.bontang",
        "transfer",
        "dinsos-samarinda",
        "Rencana pindah ke Samarinda untuk berobat.",
        "cancelled",
        3,
        decider="pekerja.bontang",
        decision_reason="Ybs. batal pindah.",
    ),
    Scenario(
        "t-overdue",
        "pekerja.kukar",
        "transfer",
        "dinsos-samarinda",
        "Ybs. kini tinggal bersama anaknya di Samarinda Seberang.",
        "pending",
        10,
    ),
    Scenario(
        "t-accepted-supervisor",
        "pekerja.ppu",
        "transfer",
        "dinsos-balikpapan",
        "Pekerja proyek IKN yang di-PHK, kini tinggal di Balikpapan Barat.",
        "accepted",
        8,
        decider="supervisor.balikpapan",
    ),
    # --- service referrals -------------------------------------------------------------
    Scenario(
        "s-rsud-overdue",
        "pekerja.samarinda",
        "service",
        "rsud-aws",
        "Gejala gangguan jiwa berat, perlu pemeriksaan psikiater.",
        "pending",
        3,
        urgency="urgent",
        service="health",
        offer="rsud-health",
        messages=(("pekerja.samarinda", "Mohon kabar jadwal pemeriksaan, kondisi memburuk."),),
    ),
    Scenario(
        "s-rsud-accepted",
        "pekerja2.samarinda",
        "service",
        "rsud-aws",
        "Luka kronis di kaki, belum pernah diperiksa.",
        "accepted",
        2,
        urgency="high",
        service="health",
        offer="rsud-health",
        decider="staf.rsud",
        messages=(
            ("staf.rsud", "Pasien dijadwalkan ke poli bedah hari Kamis pukul 08.00."),
            ("pekerja2.samarinda", "Baik, kami antar dengan mobil dinas."),
        ),
    ),
    Scenario(
        "s-rsud-completed",
        "pekerja.samarinda",
        "service",
        "rsud-aws",
        "Pemeriksaan kesehatan menyeluruh sebelum masuk shelter.",
        "completed",
        12,
        service="health",
        decider="staf.rsud",
        outcome="Pemeriksaan selesai; sehat, tidak ada penyakit menular.",
    ),
    Scenario(
        "s-dukcapil-completed",
        "pekerja.samarinda",
        "service",
        "dukcapil-samarinda",
        "Belum memiliki KTP-el dan tidak tercatat dalam KK.",
        "completed",
        20,
        service="documentation",
        offer="dukcapil-docs",
        decider="staf.dukcapil",
        outcome="KTP-el dan KK baru sudah terbit dan diserahkan.",
    ),
    Scenario(
        "s-dukcapil-pending",
        "pekerja2.samarinda",
        "service",
        "dukcapil-samarinda",
        "Akta kelahiran anak hilang saat kebakaran.",
        "pending",
        1,
        urgency="high",
        service="documentation",
        offer="dukcapil-docs",
    ),
    Scenario(
        "s-shelter-accepted",
        "pekerja.samarinda",
        "service",
        "uptd-pstw-samarinda",
        "Lansia telantar, tidur di emperan pasar.",
        "accepted",
        4,
        urgency="high",
        service="shelter",
        offer="uptd-shelter",
        decider="pekerja.uptd",
    ),
    Scenario(
        "s-ppa-declined",
        "pekerja.balikpapan",
        "service",
        "uptd-ppa-balikpapan",
        "Korban kekerasan dalam rumah tangga, butuh pendampingan psikologis.",
        "declined",
        9,
        service="psychosocial",
        offer="ppa-psychosocial",
        decider="staf.ppa",
        decision_reason="Kuota psikolog bulan ini penuh; silakan ke LKS mitra.",
    ),
    Scenario(
        "s-lks-after-decline",
        "pekerja.balikpapan",
        "service",
        "lks-peduli-borneo",
        "Dirujuk ulang: pendampingan psikologis korban KDRT.",
        "accepted",
        8,
        service="psychosocial",
        offer="lks-psychosocial",
        decider="staf.lks",
        same_case_as="s-ppa-declined",
    ),
    Scenario(
        "s-training-pending",
        "pekerja.samarinda",
        "service",
        "disnaker-samarinda",
        "Ybs. ingin bekerja; berminat pelatihan menjahit.",
        "pending",
        2,
        service="training",
        offer="disnaker-training",
    ),
    Scenario(
        "s-training-completed",
        "pekerja.bontang",
        "service",
        "disnaker-samarinda",
        "Pelatihan las untuk persiapan kerja di kawasan industri.",
        "completed",
        25,
        service="training",
        offer="disnaker-training",
        decider="staf.disnaker",
        outcome="Lulus pelatihan las dasar, bersertifikat.",
    ),
    Scenario(
        "s-lks-cancelled",
        "pekerja.ppu",
        "service",
        "lks-peduli-borneo",
        "Anak putus sekolah, perlu pendampingan.",
        "cancelled",
        5,
        service="psychosocial",
        offer="lks-psychosocial",
        decider="pekerja.ppu",
        decision_reason="Keluarga pindah ke luar Kalimantan Timur.",
    ),
    Scenario(
        "s-shelter-overdue",
        "pekerja.balikpapan",
        "service",
        "uptd-pstw-samarinda",
        "Lansia tanpa keluarga, rumah singgah Balikpapan penuh.",
        "pending",
        5,
        urgency="high",
        service="shelter",
        offer="uptd-shelter",
    ),
    Scenario(
        "s-bpjs-overdue",
        "pekerja2.samarinda",
        "service",
        "bpjs-samarinda",
        "Belum terdaftar sebagai peserta PBI JK.",
        "pending",
        9,
        service="health",
        offer="bpjs-pbi",
    ),
    Scenario(
        "s-ppu-reunification",
        "pekerja.kutim",
        "service",
        "dinsos-ppu",
        "Pendatang ingin kembali ke keluarganya di Sepaku.",
        "accepted",
        6,
        service="reunification",
        offer="ppu-reunification",
        decider="pekerja.ppu",
    ),
)

# Extra people registered when an office has no free active case left.
EXTRA_PEOPLE = (
    ("Siti Rahmawati", "F", "1979-04-12"),
    ("Ahmad Fauzi", "M", "1984-09-03"),
    ("Nurhaliza Putri", "F", "1996-01-25"),
    ("Budi Santoso", "M", "1958-07-30"),
    ("Rukmini", "F", "1951-11-02"),
    ("Yohanes Lewi", "M", "1990-06-18"),
    ("Wati Kusuma", "F", "1988-03-09"),
    ("Daeng Mappa", "M", "1972-12-21"),
    ("Fitri Handayani", "F", "2001-08-14"),
    ("Hendra Gunawan", "M", "1969-02-05"),
    ("Marlina Sihombing", "F", "1993-10-27"),
    ("Samsul Bahri", "M", "1963-05-16"),
)


@dataclass
class SeedReferralsResult:
    offers: int = 0
    referrals: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    people_added: int = 0
    overdue_marked: int = 0
    skipped: int = 0


class _Seeder:
    def __init__(self) -> None:
        self.now = timezone.now()
        self.users = {u.username: u for u in User.objects.select_related("organization")}
        self.orgs = {o.code: o for o in Organization.objects.select_related("region")}
        self.types = {t.code: t for t in ServiceType.objects.all()}
        self.offers: dict[str, ServiceOffer] = {}
        self.used_cases: set[int] = set(
            Referral.objects.values_list("case_id", flat=True).distinct()
        )
        self.case_of: dict[str, Case] = {}
        self.extra_index = Beneficiary.objects.filter(
            consent_note__startswith=DEMO_REF_MARK
        ).count()
        self.result = SeedReferralsResult()

    # -- directory ------------------------------------------------------------

    def offer(self, spec: Offer) -> None:
        organization = self.orgs.get(spec.org)
        if organization is None:
            return
        offer, created = ServiceOffer.objects.get_or_create(
            organization=organization,
            name=spec.name,
            defaults={
                "service_type": self.types[spec.service],
                "description": spec.description,
                "capacity_total": spec.total,
                "capacity_free": spec.free,
                "capacity_updated_at": self.now - dt.timedelta(hours=5),
            },
        )
        if created:
            offer.regencies.set(Region.objects.filter(code__in=spec.regencies))
            self.result.offers += 1
        self.offers[spec.key] = offer

    # -- cases ----------------------------------------------------------------

    def case_for(self, sender: User, scenario: Scenario) -> Case:
        if scenario.same_case_as and scenario.same_case_as in self.case_of:
            return self.case_of[scenario.same_case_as]
        case = (
            Case.objects.writable_by(sender)
            .filter(owner_org=sender.organization, status__in=ACTIVE_STATUSES)
            .exclude(pk__in=self.used_cases)
            .order_by("number")
            .first()
        )
        if case is None:
            case = self.new_case(sender)
        self.used_cases.add(case.pk)
        return case

    def new_case(self, sender: User) -> Case:
        name, sex, birth = EXTRA_PEOPLE[self.extra_index % len(EXTRA_PEOPLE)]
        organization = sender.organization
        assert organization is not None, f"{sender} is a scenario sender without an office"
        self.extra_index += 1
        person = case_registration.beneficiary_register(
            actor=sender,
            data={
                "nik": "",
                "nik_absent_reason": "documents_lost",
                "full_name": name,
                "sex": sex,
                "birth_date": dt.date.fromisoformat(birth),
                "birth_date_estimated": True,
                "address": "Belum tetap",
                "region": organization.region,
                "legal_basis": "consent",
                "consent_note": f"{DEMO_REF_MARK} Persetujuan lisan ybs. saat penjangkauan.",
            },
            confirm_new=True,
        )
        self.result.people_added += 1
        return case_opening.case_open(
            actor=sender,
            beneficiary=person,
            primary_category=PmksCategory.objects.get(code="PMKS11"),
            summary="Dijangkau petugas; kebutuhan dasar belum terpenuhi.",
            assigned_to=sender,
        )

    # -- referrals ------------------------------------------------------------

    def exists(self, scenario: Scenario) -> Referral | None:
        sender = self.users[scenario.sender]
        return (
            Referral.objects.filter(reason=scenario.reason, created_by=sender)
            .select_related("case")
            .first()
        )

    def play(self, scenario: Scenario) -> None:
        existing = self.exists(scenario)
        if existing is not None:
            self.case_of[scenario.key] = existing.case
            self.result.skipped += 1
            return
        sender = self.users.get(scenario.sender)
        to_org = self.orgs.get(scenario.to_org)
        if sender is None or to_org is None:
            return
        case = self.case_for(sender, scenario)
        self.case_of[scenario.key] = case
        first_event = CaseEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        referral = creation.referral_create(
            actor=sender,
            case=case,
            kind=scenario.kind,
            to_org=to_org,
            reason=scenario.reason,
            urgency=scenario.urgency,
            shared_summary=(case.summary or scenario.reason)
            + " Identitas dan ringkasan ini dibagikan untuk keperluan rujukan.",
            legal_basis="consent",
            consent_note="Persetujuan lisan ybs., dicatat oleh petugas.",
            service_type=self.types[scenario.service] if scenario.service else None,
            offer=self.offers.get(scenario.offer) if scenario.offer else None,
        )
        decider = self.users.get(scenario.decider or "")
        for username, text in scenario.messages:
            conversation.referral_message_post(
                actor=self.users[username], referral=referral, body=text
            )
        if scenario.state in ("accepted", "completed") and decider:
            decisions.referral_accept(actor=decider, referral=referral)
        elif scenario.state == "declined" and decider:
            decisions.referral_decline(
                actor=decider, referral=referral, reason=scenario.decision_reason
            )
        elif scenario.state == "cancelled" and decider:
            decisions.referral_cancel(
                actor=decider, referral=referral, reason=scenario.decision_reason
            )
        if scenario.state == "completed" and decider:
            decisions.referral_complete(actor=decider, referral=referral, outcome=scenario.outcome)
        self.backdate(referral, scenario, first_event)
        self.result.referrals += 1
        status = Referral.objects.values_list("status", flat=True).get(pk=referral.pk)
        self.result.by_status[status] = self.result.by_status.get(status, 0) + 1

    def backdate(self, referral: Referral, scenario: Scenario, first_event: int) -> None:
        """Move the referral's moments (and the case events it wrote) into the past."""
        sent = self.now - dt.timedelta(days=scenario.age_days)
        days = settings.REFERRAL_SLA_DAYS.get(scenario.urgency, 7)
        decided = sent + dt.timedelta(days=min(days, scenario.age_days) * 0.4)
        completed = decided + (self.now - decided) * 0.6
        fields: dict[str, Any] = {
            "created_at": sent,
            "due_at": sent + dt.timedelta(days=days),
            "updated_at": completed if scenario.state == "completed" else decided,
        }
        referral.refresh_from_db()
        if referral.decided_at:
            fields["decided_at"] = decided
        if referral.completed_at:
            fields["completed_at"] = completed
        if scenario.state == "pending":
            fields["updated_at"] = sent
        Referral.objects.filter(pk=referral.pk).update(**fields)
        messages = list(referral.messages.order_by("pk"))
        for index, message in enumerate(messages, start=1):
            message.created_at = sent + (decided - sent) * (index / (len(messages) + 1))
        ReferralMessage.objects.bulk_update(messages, ["created_at"])
        referral.notifications.update(created_at=fields.get("updated_at", sent))
        events = list(CaseEvent.objects.filter(case=referral.case, pk__gt=first_event))
        if events:
            events[0].created_at = sent
            for event in events[1:]:
                event.created_at = completed if "selesai" in event.text.lower() else decided
            CaseEvent.objects.bulk_update(events, ["created_at"])


@transaction.atomic
def seed_referrals() -> SeedReferralsResult:
    """The service directory and ~20 referrals in every state; then the overdue sweep."""
    seeder = _Seeder()
    with notify.emails_suppressed():  # demo users' addresses are not real
        for spec in OFFERS:
            seeder.offer(spec)
        # oldest first, so the numbers follow the dates
        for scenario in sorted(SCENARIOS, key=lambda s: -s.age_days):
            seeder.play(scenario)
        seeder.result.overdue_marked = sla.mark_overdue_referrals()
    return seeder.result

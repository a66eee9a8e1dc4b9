"""Reference figures and weights the generator draws from (Sensus Penduduk 2020,
PMKS shares, status mixes) and the sentences it writes."""

from __future__ import annotations

import datetime as dt

from regions.loading import SHIPPED_CSV

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

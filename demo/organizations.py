"""Demo organizations and users: one Dinsos office per kabupaten/kota, the
provincial office, a UPTD and a few partner agencies. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Organization, OrganizationKind, Role, Sector, User
from regions.models import Region

DEMO_PASSWORD = "demo-pmks-2026"  # noqa: S105  (documented in the README; demo only)

# regency code → short slug used in org codes and usernames
REGENCY_SLUGS = {
    "64.01": "paser",
    "64.02": "kukar",
    "64.03": "berau",
    "64.07": "kubar",
    "64.08": "kutim",
    "64.09": "ppu",
    "64.11": "mahulu",
    "64.71": "balikpapan",
    "64.72": "samarinda",
    "64.74": "bontang",
}

AGENCIES = [
    # code, name, sector, regency code, username
    ("rsud-aws", "RSUD Abdul Wahab Sjahranie", Sector.HEALTH, "64.72", "staf.rsud"),
    ("uptd-ppa-balikpapan", "UPTD PPA Kota Balikpapan", Sector.WOMEN_CHILDREN, "64.71", "staf.ppa"),
    (
        "disnaker-samarinda",
        "Dinas Tenaga Kerja Kota Samarinda",
        Sector.LABOUR,
        "64.72",
        "staf.disnaker",
    ),
    (
        "dukcapil-samarinda",
        "Disdukcapil Kota Samarinda",
        Sector.POPULATION_REGISTRY,
        "64.72",
        "staf.dukcapil",
    ),
    (
        "bpjs-samarinda",
        "BPJS Kesehatan Cabang Samarinda",
        Sector.SOCIAL_INSURANCE,
        "64.72",
        "staf.bpjs",
    ),
    ("lks-peduli-borneo", "LKS Yayasan Peduli Anak Borneo", Sector.NGO, "64.72", "staf.lks"),
]


@dataclass
class DemoLogin:
    username: str
    role: str
    organization: str


def _user(username: str, first: str, last: str, org: Organization, role: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "organization": org,
            "role": role,
            "email": f"{username}@demo.pmks.invalid",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed_organizations() -> list[DemoLogin]:
    """Every demo organization and its users; the logins, in the order the demo
    command lists them."""
    provincial = _seed_provincial_office()
    logins = [_login("supervisor.provinsi", "Rina", "Hapsari", provincial, Role.SUPERVISOR)]
    for regency in Region.objects.regencies():
        logins += _seed_regency_office(regency)
    logins.append(_seed_uptd())
    logins += [_seed_agency(*agency) for agency in AGENCIES]
    logins.append(_seed_admin(provincial))
    return logins


def _login(username: str, first: str, last: str, org: Organization, role: str) -> DemoLogin:
    """The demo user `username` (made if missing) and its line in the login list."""
    _user(username, first, last, org, role)
    return DemoLogin(username, role, org.name)


def _seed_provincial_office() -> Organization:
    """Dinas Sosial Provinsi Kalimantan Timur."""
    provincial, _ = Organization.objects.get_or_create(
        code="dinsos-kaltim",
        defaults={
            "name": "Dinas Sosial Provinsi Kalimantan Timur",
            "region": Region.objects.get(code="64"),
            "kind": OrganizationKind.PROVINCE_OFFICE,
            "address": "Jl. Basuki Rahmat No. 92, Samarinda",
            "phone": "(0541) 741234",
        },
    )
    return provincial


def _seed_regency_office(regency: Region) -> list[DemoLogin]:
    """The Dinsos office of one kabupaten/kota with a caseworker and a supervisor
    (Samarinda gets a second caseworker)."""
    slug = REGENCY_SLUGS.get(regency.code, regency.code.replace(".", "-"))
    office, _ = Organization.objects.get_or_create(
        code=f"dinsos-{slug}",
        defaults={
            "name": f"Dinas Sosial {regency.name}",
            "region": regency,
            "kind": OrganizationKind.REGENCY_OFFICE,
            "address": f"Kantor Dinas Sosial, {regency.name}",
        },
    )
    place = regency.name.replace("Kabupaten ", "").replace("Kota ", "")
    logins = [
        _login(f"pekerja.{slug}", "Pekerja", place, office, Role.CASEWORKER),
        _login(f"supervisor.{slug}", "Kepala", place, office, Role.SUPERVISOR),
    ]
    if slug == "samarinda":
        logins.append(_login("pekerja2.samarinda", "Dewi", "Lestari", office, Role.CASEWORKER))
    return logins


def _seed_uptd() -> DemoLogin:
    """The provincial UPTD in Samarinda and its caseworker."""
    uptd, _ = Organization.objects.get_or_create(
        code="uptd-pstw-samarinda",
        defaults={
            "name": "UPTD Panti Sosial Tresna Werdha Nirwana Puri",
            "region": Region.objects.get(code="64.72"),
            "kind": OrganizationKind.UPTD,
            "address": "Jl. Mayjend Sutoyo, Samarinda",
        },
    )
    return _login("pekerja.uptd", "Pekerja", "UPTD", uptd, Role.CASEWORKER)


def _seed_agency(code: str, name: str, sector: str, regency_code: str, username: str) -> DemoLogin:
    """One partner agency (a row of AGENCIES) and its staff member."""
    agency, _ = Organization.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "sector": sector,
            "kind": OrganizationKind.AGENCY,
            "region": Region.objects.get(code=regency_code),
        },
    )
    return _login(username, "Staf", name.split()[0], agency, Role.AGENCY_STAFF)


def _seed_admin(provincial: Organization) -> DemoLogin:
    """The superuser `admin`, of the provincial office."""
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "first_name": "Admin",
            "role": Role.ADMIN,
            "organization": provincial,
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    return DemoLogin("admin", Role.ADMIN, provincial.name)

"""Load setup: distinct logins for every simulated person and one API key each.

Creates (idempotently) `load.pekerja.NNN` caseworkers and `load.supervisor.NNN`
supervisors spread over the Dinas Sosial kabupaten/kota offices, with the demo
password (hashed once: the hash is shared, the logins are not), and fresh API keys
named "load" for the partner agencies (the previous run's are deleted first).
Refuses a database without the demo organizations (run seed_demo first).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def create_load_users(count: int, keys: int, out: Path) -> Path:
    from django.contrib.auth.hashers import make_password

    from accounts.models import Organization, OrganizationKind, Role, User
    from api.models import OrganizationAPIKey
    from api.services import api_key_create
    from demo.organizations import DEMO_PASSWORD

    offices = list(
        Organization.objects.filter(kind=OrganizationKind.REGENCY_OFFICE).order_by("code")
    )
    agencies = list(Organization.objects.filter(kind=OrganizationKind.AGENCY).order_by("code"))
    if not offices or not agencies:
        raise SystemExit("No demo organizations: run `manage.py seed_demo` first.")
    password = make_password(DEMO_PASSWORD)
    names = {"caseworkers": [], "supervisors": []}  # type: dict[str, list[str]]
    for kind, role, prefix in (
        ("caseworkers", Role.CASEWORKER, "load.pekerja"),
        ("supervisors", Role.SUPERVISOR, "load.supervisor"),
    ):
        wanted = [f"{prefix}.{index:03d}" for index in range(count)]
        existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        User.objects.bulk_create(
            User(
                username=name,
                password=password,
                role=role,
                organization=offices[index % len(offices)],
                first_name="Uji",
                last_name=f"Beban {index}",
                email=f"{name}@load.pmks.invalid",
            )
            for index, name in enumerate(wanted)
            if name not in existing
        )
        names[kind] = wanted
    admin, _created = User.objects.get_or_create(
        username="load-admin", defaults={"role": Role.ADMIN, "is_staff": True}
    )
    OrganizationAPIKey.objects.filter(name="load").delete()
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    clear_keys = [
        api_key_create(
            actor=admin,
            organization=agencies[index % len(agencies)],
            name="load",
            expiry_date=expiry,
        )[1]
        for index in range(keys)
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**names, "keys": clear_keys, "password": DEMO_PASSWORD}))
    return out

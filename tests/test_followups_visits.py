"""Visits (kunjungan): recorded from the case page, shown there, a location kept
only when the button gave one (with the person's legal basis), and a visit that
completes a follow-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from followups import services
from followups.models import FollowUp, Visit
from referrals.testing import make_case

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def case(orgs, alice):
    return make_case(orgs["samarinda"], assigned_to=alice)


def post(client, case, **extra):
    data = {
        "visit-visited_on": "10/03/2026",
        "visit-place": "Rumah, Jl. Pahlawan 3",
        "visit-met_with": "Ibu Siti dan anaknya",
        "visit-notes": "Kondisi membaik.",
        **{f"visit-{k}": v for k, v in extra.items()},
    }
    return client.post(reverse("followups:visit_add", args=[case.pk]), data, follow=True)


def test_a_visit_without_the_button_stores_no_location(client, alice, case):
    client.force_login(alice)
    response = post(client, case)
    visit = Visit.objects.get(case=case)
    assert (visit.visited_on, visit.met_with) == (dt.date(2026, 3, 10), "Ibu Siti dan anaknya")
    assert visit.latitude is None and visit.longitude is None
    assert visit.location_legal_basis == ""
    assert "Rumah, Jl. Pahlawan 3" in response.content.decode()  # shown on the case page


def test_a_location_given_is_stored_with_the_legal_basis(client, alice, case):
    client.force_login(alice)
    post(client, case, latitude="-0.502106123", longitude="117.153709")
    visit = Visit.objects.get(case=case)
    assert visit.latitude == Decimal("-0.502106") and visit.longitude == Decimal("117.153709")
    assert visit.location_legal_basis == case.beneficiary.legal_basis == "consent"


def test_half_a_location_is_refused_and_nothing_saved(alice, case):
    with pytest.raises(ValidationError):
        services.visit_record(
            actor=alice,
            case=case,
            visited_on=dt.date(2026, 3, 10),
            place="Rumah",
            met_with="Ibu",
            latitude=Decimal("1.0"),
        )
    assert not Visit.objects.exists()


def test_a_location_out_of_range_is_refused(client, alice, case):
    client.force_login(alice)
    post(client, case, latitude="95", longitude="117")
    assert not Visit.objects.exists()


def test_a_visit_completes_the_chosen_follow_up(client, alice, case):
    followup = FollowUp.objects.create(
        case=case, kind="home_visit", due_date=dt.date(2026, 3, 10), assignee=alice
    )
    client.force_login(alice)
    post(client, case, followup=str(followup.pk))
    followup.refresh_from_db()
    visit = Visit.objects.get(case=case)
    assert followup.is_done and followup.done_by == alice
    assert "Ibu Siti" in followup.result and visit.followup == followup


def test_a_follow_up_of_another_case_cannot_be_completed_by_a_visit(client, orgs, alice, case):
    other = FollowUp.objects.create(
        case=make_case(orgs["samarinda"], assigned_to=alice),
        kind="home_visit",
        due_date=dt.date(2026, 3, 10),
        assignee=alice,
    )
    client.force_login(alice)
    post(client, case, followup=str(other.pk))
    other.refresh_from_db()
    assert not other.is_done and not Visit.objects.exists()


def test_a_visit_on_a_foreign_case_answers_404(client, orgs, bob, case):
    client.force_login(bob)
    assert post(client, case).status_code == 404
    assert not Visit.objects.exists()


def test_the_location_button_is_a_static_script_without_inline_code(client, alice, case):
    client.force_login(alice)
    case_page = client.get(reverse("cases:case_detail", args=[case.pk]))
    visit_url = reverse("followups:visit_add", args=[case.pk])
    assert visit_url in case_page.content.decode()
    # the case page keeps the site's policy: no location asked for there
    assert "geolocation=()" in case_page["Permissions-Policy"]
    response = client.get(visit_url)
    page = response.content.decode()
    assert "data-geolocation-take" in page and "js/geolocation" in page
    assert "onclick" not in page
    # the visit page alone lets its own origin ask (and only the button asks)
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    script = (ROOT / "static" / "js" / "geolocation.js").read_text()
    assert "navigator.geolocation.getCurrentPosition" in script
    assert 'addEventListener("click"' in script  # only on the user's press


def test_refused_input_is_shown_again_with_what_was_typed(client, alice, case):
    client.force_login(alice)
    response = client.post(
        reverse("followups:visit_add", args=[case.pk]),
        {"visit-visited_on": "31/02/2026", "visit-place": "Rumah Pak RT", "visit-met_with": "RT"},
    )
    assert response.status_code == 200
    assert "Rumah Pak RT" in response.content.decode()
    assert not Visit.objects.exists()


def test_the_former_owner_sees_no_follow_up_or_visit_made_after_the_transfer(
    client, orgs, alice, bob, case
):
    from referrals.services import decisions
    from referrals.testing import send

    services.visit_record(
        actor=alice, case=case, visited_on=dt.date(2026, 3, 1), place="Pasar Pagi", met_with="Ibu"
    )
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    decisions.referral_accept(actor=bob, referral=transfer)
    case.refresh_from_db()
    services.visit_record(
        actor=bob, case=case, visited_on=dt.date(2026, 3, 9), place="Rumah Baru", met_with="Ibu"
    )
    client.force_login(alice)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Pasar Pagi" in page and "Rumah Baru" not in page
    assert "Kontak pertama" not in page  # the new office's first contact
    client.force_login(bob)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Rumah Baru" in page and "Kontak pertama" in page


def test_a_visit_and_a_follow_up_leave_a_change_history(alice, case):
    from auditlog.models import LogEntry

    visit = services.visit_record(
        actor=alice, case=case, visited_on=dt.date(2026, 3, 1), place="Rumah", met_with="Ibu"
    )
    followup = services.followup_create(
        actor=alice, case=case, kind="phone_call", due_date=dt.date(2026, 3, 5)
    )
    assert LogEntry.objects.get_for_object(visit).exists()
    assert LogEntry.objects.get_for_object(followup).exists()

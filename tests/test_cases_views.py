"""The registry and case pages for each persona: own office works, another
regency and agency staff get 404, the provincial supervisor reads only."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Beneficiary, Case, CaseStatus, EventKind
from cases.services import attachments, closure, delivery, opening, registration, transfer, workflow
from cases.testing import (  # noqa: F401  (fixtures used by name)
    category_fixture,
    fast_password_hashing_fixture,
    make_nik,
    other_category_fixture,
    person_data,
    registration_form_data,
    samarinda_case_fixture,
    shelter_fixture,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def world(settings, tmp_path, orgs, alice, shelter):
    """A Samarinda case with a service and an attachment."""
    settings.MEDIA_ROOT = tmp_path
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    service = delivery.service_delivery_add(actor=alice, case=case, service_type=shelter)
    attachment = attachments.attachment_add(
        actor=alice, case=case, uploaded_file=SimpleUploadedFile("surat.pdf", PDF)
    )
    case.refresh_from_db()
    return {"case": case, "service": service, "attachment": attachment}


def urls(world):
    case, person = world["case"], world["case"].beneficiary
    service, attachment = world["service"], world["attachment"]
    return {
        "case_list": ("get", reverse("cases:case_list"), {}),
        "approval_queue": ("get", reverse("cases:approval_queue"), {}),
        "register": ("get", reverse("cases:beneficiary_register"), {}),
        "region_options": ("get", reverse("cases:region_options") + "?regency=1", {}),
        "nik_check": ("get", reverse("cases:nik_check") + "?nik=6472015705900003", {}),
        "case_detail": ("get", reverse("cases:case_detail", args=[case.pk]), {}),
        "case_edit": ("get", reverse("cases:case_edit", args=[case.pk]), {}),
        "case_open": ("get", reverse("cases:case_create_for", args=[person.pk]), {}),
        "transition": (
            "post",
            reverse("cases:case_transition", args=[case.pk]),
            {"to_status": "assessment", "version": case.version},
        ),
        "note": ("post", reverse("cases:case_note", args=[case.pk]), {"text": "Catatan"}),
        "assessment": ("get", reverse("cases:assessment_create", args=[case.pk]), {}),
        "service_create": ("get", reverse("cases:service_create", args=[case.pk]), {}),
        "service_update": (
            "get",
            reverse("cases:service_update", args=[case.pk, service.pk]),
            {},
        ),
        "upload": ("get", reverse("cases:attachment_upload", args=[case.pk]), {}),
        "download": (
            "get",
            reverse("cases:attachment_download", args=[case.pk, attachment.pk]),
            {},
        ),
        "beneficiary_list": ("get", reverse("cases:beneficiary_list"), {"q": "a"}),
        "beneficiary_detail": ("get", reverse("cases:beneficiary_detail", args=[person.pk]), {}),
        "beneficiary_edit": ("get", reverse("cases:beneficiary_edit", args=[person.pk]), {}),
    }


# Expected status per view for each persona. 404: outside scope or not their page;
# 403: visible but read-only (provincial supervisor); 302: a POST that worked.
MATRIX = {
    #                     alice  bob  sari  prov  agnes amir budi adam
    "case_list": (200, 200, 200, 200, 404, 200, 200, 404),
    "approval_queue": (404, 404, 200, 200, 404, 404, 200, 404),
    "register": (200, 200, 200, 403, 404, 200, 200, 404),
    "region_options": (200, 200, 200, 200, 404, 200, 200, 404),
    "nik_check": (200, 200, 200, 200, 404, 200, 200, 404),
    "case_detail": (200, 404, 200, 200, 404, 200, 404, 404),
    "case_edit": (200, 404, 200, 403, 404, 200, 404, 404),
    "case_open": (200, 404, 200, 403, 404, 200, 404, 404),
    "transition": (302, 404, 302, 403, 404, 302, 404, 404),
    "note": (302, 404, 302, 403, 404, 302, 404, 404),
    "assessment": (200, 404, 200, 403, 404, 200, 404, 404),
    "service_create": (200, 404, 200, 403, 404, 200, 404, 404),
    "service_update": (200, 404, 200, 403, 404, 200, 404, 404),
    "upload": (200, 404, 200, 403, 404, 200, 404, 404),
    "download": (200, 404, 200, 200, 404, 200, 404, 404),
    "beneficiary_list": (200, 200, 200, 200, 404, 200, 200, 404),
    "beneficiary_detail": (200, 404, 200, 200, 404, 200, 404, 404),
    "beneficiary_edit": (200, 404, 200, 403, 404, 200, 404, 404),
}
PERSONAS = ("alice", "bob", "sari", "prov", "agnes", "amir", "budi", "adam")


@pytest.mark.parametrize("view", sorted(MATRIX))
def test_every_view_for_every_persona(request, client, world, view):
    method, url, data = urls(world)[view]
    for persona, expected in zip(PERSONAS, MATRIX[view], strict=True):
        client.force_login(request.getfixturevalue(persona))
        before = _state(world)
        response = getattr(client, method)(url, data)
        assert response.status_code == expected, (view, persona, response.status_code)
        if expected >= 400:  # a refusal changes nothing
            assert _state(world) == before, (view, persona)


@pytest.mark.parametrize("view", sorted(MATRIX))
def test_anonymous_users_are_sent_to_the_login_page(client, world, view):
    method, url, data = urls(world)[view]
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- registration ------------------------------------------------------------------


def form_data(regions, **overrides):
    return registration_form_data(regions, **overrides)


def test_registering_a_person_leads_to_opening_their_case(client, alice, regions):
    client.force_login(alice)
    response = client.post(reverse("cases:beneficiary_register"), form_data(regions))
    person = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_create_for", args=[person.pk])


def test_a_duplicate_nik_links_to_the_person_in_scope(client, alice, regions):
    client.force_login(alice)
    client.post(reverse("cases:beneficiary_register"), form_data(regions))
    person = Beneficiary.objects.get()
    response = client.post(
        reverse("cases:beneficiary_register"), form_data(regions, full_name="Siti R")
    )
    assert response.status_code == 200
    assert reverse("cases:beneficiary_detail", args=[person.pk]) in response.text
    assert Beneficiary.objects.count() == 1


def test_a_duplicate_nik_out_of_scope_names_the_office_but_no_personal_data(
    client, alice, bob, regions, orgs
):
    orgs["samarinda"].email = "dinsos@samarinda.go.id"
    orgs["samarinda"].save()
    client.force_login(alice)
    client.post(reverse("cases:beneficiary_register"), form_data(regions, address="Jl. Rahasia"))
    person = Beneficiary.objects.get()
    client.logout()  # another browser: nothing of Alice's session carries over
    client.force_login(bob)
    response = client.post(
        reverse("cases:beneficiary_register"),
        form_data(regions, full_name="Orang Lain", regency=regions["64.71"].pk),
    )
    text = response.text
    assert "Dinas Sosial Kota Samarinda" in text
    assert "dinsos@samarinda.go.id" in text
    assert reverse("cases:beneficiary_detail", args=[person.pk]) not in text
    assert "Siti Rahmawati" not in text
    assert "Jl. Rahasia" not in text


def test_likely_matches_are_listed_and_a_new_person_is_confirmed(client, alice, regions, orgs):
    existing = BeneficiaryFactory(
        full_name="Rudi Hartono",
        birth_date=dt.date(1980, 1, 1),
        registered_by_org=orgs["samarinda"],
    )
    client.force_login(alice)
    data = form_data(
        regions,
        nik="",
        nik_absent_reason="street",
        full_name="Rudi Hartono",
        sex="M",
        birth_date="1981-03-03",
    )
    response = client.post(reverse("cases:beneficiary_register"), data)
    assert 'data-testid="likely-matches"' in response.text
    assert reverse("cases:case_create_for", args=[existing.pk]) in response.text
    assert Beneficiary.objects.count() == 1
    response = client.post(reverse("cases:beneficiary_register"), {**data, "confirm_new": "1"})
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_a_nik_contradicting_the_typed_sex_is_shown_with_a_confirmation(client, alice, regions):
    client.force_login(alice)
    response = client.post(reverse("cases:beneficiary_register"), form_data(regions, sex="M"))
    assert "digit 7–12 (tanggal lahir) menunjukkan Perempuan" in response.text
    assert 'name="nik_mismatch_confirmed"' in response.text
    assert not Beneficiary.objects.exists()
    response = client.post(
        reverse("cases:beneficiary_register"),
        form_data(regions, sex="M", nik_mismatch_confirmed="on"),
    )
    assert response.status_code == 302


def test_the_live_nik_check_names_the_wrong_digits(client, alice):
    client.force_login(alice)
    response = client.get(reverse("cases:nik_check"), {"nik": "6472019905900003"})
    assert "Digit 7–12 (tanggal lahir)" in response.text
    response = client.get(reverse("cases:nik_check"), {"nik": "6472015705900003", "sex": "M"})
    assert "17/05/1990" in response.text
    assert "Tidak sesuai dengan NIK" in response.text


def test_the_kecamatan_list_follows_the_chosen_kabupaten(client, alice, regions):
    from regions.models import Region

    Region.objects.get(code="64.72.02")
    Region.objects.get(code="64.71.01")
    client.force_login(alice)
    response = client.get(reverse("cases:region_options"), {"regency": regions["64.72"].pk})
    assert "Samarinda Seberang" in response.text
    assert "Balikpapan Timur" not in response.text
    assert 'id="id_village" hx-swap-oob' in response.text


# --- pages -------------------------------------------------------------------------


def test_viewing_a_person_or_a_case_is_logged_with_who(client, alice, samarinda_case):
    client.force_login(alice)
    client.get(reverse("cases:case_detail", args=[samarinda_case.pk]))
    client.get(reverse("cases:beneficiary_detail", args=[samarinda_case.beneficiary_id]))
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=alice)
    assert {e.content_type.model for e in entries} == {"case", "beneficiary"}
    assert {e.object_id for e in entries} == {samarinda_case.pk, samarinda_case.beneficiary_id}


def test_supervisors_see_the_change_history_and_caseworkers_do_not(client, alice, sari, regions):
    from regions.models import Region

    ulu = Region.objects.get(code="64.72.01")
    client.force_login(alice)
    client.post(reverse("cases:beneficiary_register"), form_data(regions))
    person = Beneficiary.objects.get()
    response = client.post(
        reverse("cases:beneficiary_edit", args=[person.pk]),
        form_data(regions, phone="0811 000", district=ulu.pk, version=1),
    )
    assert response.status_code == 302
    url = reverse("cases:beneficiary_detail", args=[person.pk])
    assert "Riwayat perubahan" not in client.get(url).text
    client.force_login(sari)
    response = client.get(url)
    [change, *_] = [row for row in response.context["history"] if row["action"] == "diubah"]
    assert change["actor"] == alice
    assert ("Telepon", "—", "0811 000") in change["changes"]
    assert ("Kecamatan", "—", "Palaran") in change["changes"]
    assert "Riwayat perubahan" in response.text
    assert {row["action"] for row in response.context["history"]} == {
        "dibuat",
        "diubah",
        "dilihat",
    }


def test_a_childs_page_carries_the_sensitive_data_badge(client, alice, orgs):
    child = BeneficiaryFactory(
        registered_by_org=orgs["samarinda"],
        birth_date=timezone.localdate() - dt.timedelta(days=365 * 9),
    )
    adult = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    client.force_login(alice)
    assert (
        "Data anak — sensitif"
        in client.get(reverse("cases:beneficiary_detail", args=[child.pk])).text
    )
    assert (
        "Data anak — sensitif"
        not in client.get(reverse("cases:beneficiary_detail", args=[adult.pk])).text
    )


def test_the_household_lists_only_members_the_user_may_see(client, alice, orgs):
    kk = "6472012003150007"
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"], no_kk=kk)
    BeneficiaryFactory(full_name="Anak Satu", registered_by_org=orgs["samarinda"], no_kk=kk)
    BeneficiaryFactory(full_name="Kakak Jauh", registered_by_org=orgs["balikpapan"], no_kk=kk)
    client.force_login(alice)
    text = client.get(reverse("cases:beneficiary_detail", args=[person.pk])).text
    assert "Anak Satu" in text
    assert "Kakak Jauh" not in text


def test_the_provincial_supervisor_sees_the_case_without_action_buttons(
    client, prov, samarinda_case
):
    client.force_login(prov)
    text = client.get(reverse("cases:case_detail", args=[samarinda_case.pk])).text
    assert samarinda_case.number in text
    for action in ("cases:case_transition", "cases:case_note", "cases:case_edit"):
        assert reverse(action, args=[samarinda_case.pk]) not in text
    assert "Ajukan penutupan" not in text


def test_the_case_page_offers_only_the_allowed_moves(client, alice, samarinda_case):
    client.force_login(alice)
    text = client.get(reverse("cases:case_detail", args=[samarinda_case.pk])).text
    assert "Mulai asesmen" in text
    assert "Ajukan penutupan" in text
    assert "Setujui penutupan" not in text
    assert "Mulai pemantauan" not in text


def test_a_status_move_by_htmx_swaps_the_page_in_place(client, alice, samarinda_case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:case_transition", args=[samarinda_case.pk]),
        {"to_status": "assessment", "version": samarinda_case.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="case-page"' in response.text
    samarinda_case.refresh_from_db()
    assert samarinda_case.status == CaseStatus.ASSESSMENT


def test_a_move_from_a_stale_page_is_refused_with_a_message(client, alice, amir, samarinda_case):
    seen = samarinda_case.version
    workflow.case_transition(actor=amir, case=samarinda_case, to_status="assessment")
    client.force_login(alice)
    response = client.post(
        reverse("cases:case_transition", args=[samarinda_case.pk]),
        {"to_status": "closure_requested", "closure_reason": "moved", "version": seen},
        HTTP_HX_REQUEST="true",
    )
    assert "baru saja diubah orang lain" in response.text
    samarinda_case.refresh_from_db()
    assert samarinda_case.status == CaseStatus.ASSESSMENT


def test_a_note_by_htmx_returns_the_timeline_with_it(client, alice, samarinda_case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:case_note", args=[samarinda_case.pk]),
        {"text": "Ditemui di Pasar Segiri"},
        HTTP_HX_REQUEST="true",
    )
    assert 'id="timeline"' in response.text
    assert "Ditemui di Pasar Segiri" in response.text
    assert samarinda_case.events.filter(kind=EventKind.NOTE).count() == 1


def test_an_edit_over_a_newer_version_shows_the_differences_and_keeps_the_input(
    client, alice, amir, samarinda_case, category
):
    seen = samarinda_case.version
    opening.case_update(
        actor=amir, case=samarinda_case, expected_version=seen, data={"summary": "Versi Amir"}
    )
    client.force_login(alice)
    response = client.post(
        reverse("cases:case_edit", args=[samarinda_case.pk]),
        {
            "primary_category": category.pk,
            "priority": "high",
            "summary": "Versi Alice yang panjang",
            "version": seen,
        },
    )
    assert response.status_code == 200
    text = response.text
    assert 'data-testid="version-conflict"' in text
    assert "Versi Amir" in text  # what is saved now
    assert text.count("Versi Alice yang panjang") >= 2  # in the table and still in the form
    assert f'name="version" value="{seen + 1}"' in text
    samarinda_case.refresh_from_db()
    assert samarinda_case.summary == "Versi Amir"
    # Having seen the differences, saving again keeps Alice's version.
    response = client.post(
        reverse("cases:case_edit", args=[samarinda_case.pk]),
        {
            "primary_category": category.pk,
            "priority": "high",
            "summary": "Versi Alice yang panjang",
            "version": seen + 1,
        },
    )
    assert response.status_code == 302
    samarinda_case.refresh_from_db()
    assert samarinda_case.summary == "Versi Alice yang panjang"


def test_a_beneficiary_edit_over_a_newer_version_loses_nothing(client, alice, amir, regions, orgs):
    person = registration.beneficiary_register(
        actor=alice,
        data={
            "nik": make_nik(female=True),
            "full_name": "Siti Rahmawati",
            "region": regions["64.72"],
            "legal_basis": "public_task",
        },
    )
    data = form_data(regions, phone="0812 9999", version=1, legal_basis="public_task")
    registration.beneficiary_update(
        actor=amir,
        beneficiary=person,
        expected_version=1,
        data=person_data(regions, phone="0812 1111", legal_basis="public_task"),
    )
    client.force_login(alice)
    response = client.post(reverse("cases:beneficiary_edit", args=[person.pk]), data)
    text = response.text
    assert 'data-testid="version-conflict"' in text
    assert "0812 1111" in text
    assert 'value="0812 9999"' in text


def test_a_service_update_over_a_newer_version_loses_nothing(client, alice, amir, world):
    service = world["service"]
    delivery.service_delivery_update(
        actor=amir, service=service, expected_version=1, data={"status": "ongoing"}
    )
    client.force_login(alice)
    response = client.post(
        reverse("cases:service_update", args=[world["case"].pk, service.pk]),
        {"status": "cancelled", "outcome": "Menolak tinggal di shelter", "version": 1},
    )
    assert 'data-testid="version-conflict"' in response.text
    assert "Menolak tinggal di shelter" in response.text
    service.refresh_from_db()
    assert service.status == "ongoing"


def test_the_download_is_an_attachment_that_browsers_do_not_sniff(client, alice, world):
    client.force_login(alice)
    response = client.get(
        reverse("cases:attachment_download", args=[world["case"].pk, world["attachment"].pk])
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="surat.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_an_attachment_of_another_case_is_not_reachable_through_this_one(
    client, alice, world, orgs
):
    other = CaseFactory(owner_org=orgs["samarinda"])
    client.force_login(alice)
    response = client.get(
        reverse("cases:attachment_download", args=[other.pk, world["attachment"].pk])
    )
    assert response.status_code == 404


def test_a_rejected_upload_says_why(client, alice, world):
    client.force_login(alice)
    response = client.post(
        reverse("cases:attachment_upload", args=[world["case"].pk]),
        {"file": SimpleUploadedFile("palsu.pdf", b"\x89PNG\r\n\x1a\n....")},
    )
    assert response.status_code == 200
    assert "tidak sesuai" in response.text


# --- approval queue and reassignment -----------------------------------------------


def test_a_supervisor_approves_from_the_queue(client, alice, sari, samarinda_case):
    closure.case_request_closure(actor=alice, case=samarinda_case, closure_reason="goals_met")
    client.force_login(sari)
    queue = client.get(reverse("cases:approval_queue")).text
    assert samarinda_case.number in queue
    samarinda_case.refresh_from_db()
    response = client.post(
        reverse("cases:case_transition", args=[samarinda_case.pk]),
        {
            "to_status": "closed",
            "version": samarinda_case.version,
            "next": reverse("cases:approval_queue"),
        },
    )
    assert response["Location"] == reverse("cases:approval_queue")
    samarinda_case.refresh_from_db()
    assert samarinda_case.status == CaseStatus.CLOSED


def test_the_provincial_queue_is_read_only(client, alice, prov, samarinda_case):
    closure.case_request_closure(actor=alice, case=samarinda_case, closure_reason="goals_met")
    client.force_login(prov)
    text = client.get(reverse("cases:approval_queue")).text
    assert samarinda_case.number in text
    assert "Setujui" not in text


def test_a_supervisor_reassigns_selected_cases_from_the_list(client, sari, alice, amir, orgs):
    cases = [CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice) for _ in range(3)]
    client.force_login(sari)
    assert 'data-testid="bulk-assign"' in client.get(reverse("cases:case_list")).text
    response = client.post(
        reverse("cases:case_assign"),
        {"cases": [cases[0].pk, cases[1].pk], "assignee": amir.pk},
    )
    assert response.status_code == 302
    assert list(Case.objects.order_by("pk").values_list("assigned_to", flat=True)) == [
        amir.pk,
        amir.pk,
        alice.pk,
    ]


def test_a_caseworker_cannot_reassign_through_the_form(client, alice, amir, samarinda_case):
    client.force_login(alice)
    assert 'data-testid="bulk-assign"' not in client.get(reverse("cases:case_list")).text
    client.post(reverse("cases:case_assign"), {"cases": [samarinda_case.pk], "assignee": amir.pk})
    samarinda_case.refresh_from_db()
    assert samarinda_case.assigned_to == alice


def test_a_foreign_case_cannot_be_reassigned_by_another_regency(client, budi, samarinda_case):
    from accounts.factories import UserFactory

    bp_worker = UserFactory(organization=budi.organization, role="caseworker")
    client.force_login(budi)
    client.post(
        reverse("cases:case_assign"), {"cases": [samarinda_case.pk], "assignee": bp_worker.pk}
    )
    samarinda_case.refresh_from_db()
    assert samarinda_case.assigned_to.username == "alice"


# --- case list filters -------------------------------------------------------------


@pytest.fixture
def listed(orgs, alice, amir, category, other_category, regions):
    from regions.models import Region

    ulu = Region.objects.get(code="64.72.01")
    siti = BeneficiaryFactory(
        full_name="Siti Aminah", nik=make_nik(female=True), registered_by_org=orgs["samarinda"]
    )
    rudi = BeneficiaryFactory(full_name="Rudi Hartono", registered_by_org=orgs["samarinda"])
    first = CaseFactory(
        owner_org=orgs["samarinda"],
        beneficiary=siti,
        assigned_to=alice,
        priority="urgent",
        district=ulu,
        opened_at=timezone.now() - dt.timedelta(days=40),
    )
    second = CaseFactory(
        owner_org=orgs["samarinda"],
        beneficiary=rudi,
        assigned_to=amir,
        status="closed",
        primary_category=other_category,
    )
    second.other_categories.add(category)
    return {"siti": first, "rudi": second, "ulu": ulu}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"siti", "rudi"}),
        ({"status": "active"}, {"siti"}),
        ({"status": "closed"}, {"rudi"}),
        ({"priority": "urgent"}, {"siti"}),
        ({"q": "aminah"}, {"siti"}),
        ({"q": "6472015705900001"}, {"siti"}),
        ({"q": "6472 0157 0590 0001"}, {"siti"}),
        ({"category": "PMKS11"}, {"siti", "rudi"}),  # primary or secondary
        ({"category": "PMKS24"}, {"rudi"}),
        ({"assigned_to": "amir"}, {"rudi"}),
        ({"district": "ulu"}, {"siti"}),
        ({"opened_before": -30}, {"siti"}),
        ({"opened_after": -30}, {"rudi"}),
    ],
)
def test_the_case_list_filters(client, alice, amir, listed, params, expected):
    from cases.models import PmksCategory

    query = dict(params)
    if "category" in query:
        query["category"] = PmksCategory.objects.get(code=query["category"]).pk
    if "assigned_to" in query:
        query["assigned_to"] = amir.pk
    if "district" in query:
        query["district"] = listed["ulu"].pk
    for key in ("opened_before", "opened_after"):
        if key in query:
            query[key] = (timezone.localdate() + dt.timedelta(days=query[key])).isoformat()
    client.force_login(alice)
    text = client.get(reverse("cases:case_list"), query).text
    shown = {name for name, case in listed.items() if name != "ulu" and case.number in text}
    assert shown == expected


def test_the_filter_form_lists_choices_by_name_and_keeps_the_chosen_ones(
    client, alice, amir, listed
):
    from accounts.factories import UserFactory

    UserFactory(
        username="nur",
        first_name="",
        last_name="",
        organization=alice.organization,
        role="caseworker",
    )
    amir.last_name = "<Rahman>"
    amir.save()
    client.force_login(alice)
    response = client.get(reverse("cases:case_list"), {"assigned_to": amir.pk, "status": "closed"})
    form = response.text.split('role="search"')[1].split("</form>")[0]
    assert f'<option value="{amir.pk}" selected>Amir &lt;Rahman&gt;</option>' in form
    assert f'<option value="{alice.pk}">Alice</option>' in form
    assert ">nur</option>" in form  # no name: the username, as User.__str__
    assert '<option value="closed" selected>' in form
    caseworkers = form.split('name="assigned_to"')[1].split("</select>")[0]
    assert caseworkers.count(" selected") == 1
    assert [c.pk for c in response.context["page"].rows] == [listed["rudi"].pk]


def test_the_case_list_search_finds_a_case_by_its_number_only(client, alice, listed):
    siti, rudi = listed["siti"], listed["rudi"]
    client.force_login(alice)
    url = reverse("cases:case_list")

    def found(q):
        return {c.pk for c in client.get(url, {"q": q}).context["page"].rows}

    assert found(siti.number) == {siti.pk}
    assert found(" ".join(siti.number.replace("/", " / ").split())) == {siti.pk}
    assert found(f"{siti.number}9") == set()
    # A name never matches the number, nor a number the name.
    assert found(rudi.number.split("/")[-1]) == set()


def _link(response, testid):
    """The query string of a pager link of the page (None when there is none)."""
    import html
    import re

    found = re.search(rf'href="\?([^"]*)" data-testid="{testid}"', response.text)
    return html.unescape(found.group(1)) if found else None


def test_the_case_list_pages_by_cursor_without_counting(client, alice, orgs):
    now = timezone.now()
    # 27 open cases, three of them opened at the same instant (ties broken by id),
    # and one closed case the status filter leaves out.
    cases = [
        CaseFactory(owner_org=orgs["samarinda"], opened_at=now - dt.timedelta(hours=n // 3 * 3 + 1))
        for n in range(27)
    ]
    CaseFactory(owner_org=orgs["samarinda"], status="closed", opened_at=now)
    newest_first = sorted(cases, key=lambda c: (c.opened_at, c.pk), reverse=True)
    client.force_login(alice)
    url = reverse("cases:case_list")

    first = client.get(url, {"status": "open"})
    assert [c.pk for c in first.context["page"].rows] == [c.pk for c in newest_first[:25]]
    assert first.context["page"].has_next and not first.context["page"].has_previous
    assert _link(first, "previous-page") is None
    following = _link(first, "next-page")
    assert following.startswith("status=open&after=")  # the filters go along

    second = client.get(f"{url}?{following}")
    assert [c.pk for c in second.context["page"].rows] == [c.pk for c in newest_first[25:]]
    assert not second.context["page"].has_next and second.context["page"].has_previous
    assert _link(second, "next-page") is None
    assert _link(second, "first-page") == "status=open"

    back = client.get(f"{url}?{_link(second, 'previous-page')}")
    assert [c.pk for c in back.context["page"].rows] == [c.pk for c in newest_first[:25]]
    assert not back.context["page"].has_previous


def test_a_case_list_page_of_many_goes_back_one_page_at_a_time(client, alice, orgs):
    now = timezone.now()
    cases = [
        CaseFactory(owner_org=orgs["samarinda"], opened_at=now - dt.timedelta(minutes=n))
        for n in range(60)
    ]
    client.force_login(alice)
    url = reverse("cases:case_list")
    second = client.get(f"{url}?{_link(client.get(url), 'next-page')}")
    third = client.get(f"{url}?{_link(second, 'next-page')}")
    assert [c.pk for c in third.context["page"].rows] == [c.pk for c in cases[50:]]
    second = client.get(f"{url}?{_link(third, 'previous-page')}")
    assert [c.pk for c in second.context["page"].rows] == [c.pk for c in cases[25:50]]
    assert second.context["page"].has_previous and second.context["page"].has_next


@pytest.mark.parametrize(
    "cursor",
    [
        "after=bogus",
        "after=2026-01-01T00:00:00Z",  # no id
        "after=2026-01-01T00:00:00_5",  # no time zone
        "after=2026-02-30T00:00:00Z_5",
        "after=2026-01-01T00:00:00Z_99999999999999999999999",  # past a bigint
        "after=2026-01-01T00:00:00Z_%C2%B2",  # a superscript 2
        "after=0001-01-01T00:00:00%2B05:00_5",  # before year 1 in UTC
        "before=9999-12-31T23:59:59-05:00_5",  # past year 9999 in UTC
    ],
)
def test_an_unreadable_cursor_shows_the_first_page_and_says_so(
    client, alice, samarinda_case, cursor
):
    client.force_login(alice)
    response = client.get(f"{reverse('cases:case_list')}?{cursor}")
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].rows] == [samarinda_case.pk]
    assert 'data-testid="cursor-invalid"' in response.text


# --- home pages --------------------------------------------------------------------


def test_the_caseworker_home_shows_what_waits_on_them(client, alice, orgs, shelter):
    waiting = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    assessed = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    delivery.assessment_record(actor=alice, case=assessed, needs=["food"], risk_level="low")
    delivery.service_delivery_add(actor=alice, case=assessed, service_type=shelter)
    client.force_login(alice)
    response = client.get(reverse("home"))
    blocks = response.context["cases_home"]
    assert blocks["assessment_due"] == [waiting]
    assert [s.case for s in blocks["services_to_update"]] == [assessed]
    assert set(blocks["my_open_cases"]) == {waiting, assessed}
    assert "Menunggu tindakan saya" in response.text


def test_the_supervisor_home_counts_pending_approvals(client, alice, sari, samarinda_case):
    closure.case_request_closure(actor=alice, case=samarinda_case, closure_reason="moved")
    client.force_login(sari)
    response = client.get(reverse("home"))
    assert response.context["cases_home"]["pending_approvals"] == 1
    assert reverse("cases:approval_queue") in response.text


def test_the_person_search_finds_by_nik_only_within_scope(client, alice, bob, orgs):
    nik = make_nik(female=True)
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"], nik=nik)
    BeneficiaryFactory(full_name="Orang Lain", registered_by_org=orgs["samarinda"])
    client.force_login(alice)
    response = client.get(reverse("cases:beneficiary_list"), {"q": nik})
    assert [p.pk for p in response.context["page"].rows] == [person.pk]
    client.force_login(bob)
    response = client.get(reverse("cases:beneficiary_list"), {"q": nik})
    assert response.context["page"].rows == []


def test_a_supervisor_reassigns_one_case_from_its_page(client, alice, amir, sari, samarinda_case):
    url = reverse("cases:case_detail", args=[samarinda_case.pk])
    client.force_login(alice)
    assert 'data-testid="assign-one"' not in client.get(url).text
    client.force_login(sari)
    assert 'data-testid="assign-one"' in client.get(url).text
    response = client.post(
        reverse("cases:case_assign"),
        {"cases": [samarinda_case.pk], "assignee": amir.pk, "next": url},
    )
    assert response["Location"] == url
    samarinda_case.refresh_from_db()
    assert samarinda_case.assigned_to == amir


def test_a_former_owner_sees_the_history_up_to_the_transfer_only(client, orgs, alice, bob):
    """After a transfer Samarinda keeps read access to what happened before it."""
    import datetime as dt

    from django.utils import timezone

    from cases.factories import CaseFactory
    from cases.models import CaseEvent, CaseFormerOwner

    case = CaseFactory(owner_org=orgs["balikpapan"])
    transfer_time = timezone.now() - dt.timedelta(hours=1)
    CaseFormerOwner.objects.create(case=case, organization=orgs["samarinda"], until=transfer_time)
    CaseEvent.objects.create(
        case=case,
        kind="note",
        text="before the transfer",
        created_at=transfer_time - dt.timedelta(minutes=5),
    )
    CaseEvent.objects.create(
        case=case, kind="note", text="after the transfer", created_at=timezone.now()
    )
    client.force_login(alice)
    html = client.get(f"/kasus/{case.pk}/").content.decode()
    assert "before the transfer" in html
    assert "after the transfer" not in html
    assert 'data-testid="history-cutoff"' in html
    client.force_login(bob)
    html = client.get(f"/kasus/{case.pk}/").content.decode()
    assert "after the transfer" in html
    assert 'data-testid="history-cutoff"' not in html


# --- odd input: a clear answer, never a server error ----------------------------------


@pytest.mark.parametrize(
    "query",
    [
        ("cases:case_list", "opened_before=9999-12-31"),  # one day later overflows
        ("cases:case_list", "opened_after=0001-01-01"),  # before year 1 in UTC
        ("cases:case_list", "page=99999999999999999999999"),  # OFFSET past a bigint
        ("cases:beneficiary_list", "page=99999999999999999999999"),
        ("cases:region_options", "regency=99999999999999999999999"),
        ("cases:region_options", "district=99999999999999999999999"),
        ("cases:region_options", "regency=%EF%BC%91"),  # a full-width 1
        ("cases:nik_check", "nik=6472015705900003&birth_date=1990-02-31"),
        ("cases:nik_check", "nik=6472015705900%C2%B203"),  # a superscript 2
    ],
)
def test_odd_query_input_gets_an_answer_not_a_server_error(client, alice, query):
    name, params = query
    client.force_login(alice)
    response = client.get(f"{reverse(name)}?{params}")
    assert response.status_code == 200


def test_a_case_list_cursor_past_the_end_gives_an_empty_page(client, alice, samarinda_case):
    client.force_login(alice)
    response = client.get(reverse("cases:case_list"), {"after": "1900-01-01T00:00:00Z_1"})
    assert response.context["page"].rows == []
    assert 'data-testid="cursor-invalid"' not in response.text
    assert _link(response, "first-page") == ""


def test_extreme_opening_dates_still_filter(client, alice, samarinda_case):
    client.force_login(alice)
    url = reverse("cases:case_list")
    found = client.get(url, {"opened_after": "0001-01-01", "opened_before": "9999-12-31"})
    assert [c.pk for c in found.context["page"].rows] == [samarinda_case.pk]
    none = client.get(url, {"opened_before": "0001-01-01"})
    assert none.context["page"].rows == []


def test_a_nik_with_a_non_ascii_digit_is_refused_with_the_form_again(client, alice, regions):
    client.force_login(alice)
    response = client.post(
        reverse("cases:beneficiary_register"),
        {
            "nik": "6472015705900²03",
            "full_name": "Siti Rahmawati",
            "regency": regions["64.72"].pk,
            "legal_basis": "public_task",
        },
    )
    assert response.status_code == 200
    assert "NIK harus 16 digit" in response.text
    assert not Beneficiary.objects.exists()


# --- a former owner: the case as it was at the transfer, nothing after -----------------


@pytest.fixture
def transferred(settings, tmp_path, orgs, alice, bob, budi, category, other_category):
    """A Samarinda case worked by alice, moved to Balikpapan, then worked there."""
    settings.MEDIA_ROOT = tmp_path
    case = CaseFactory(
        owner_org=orgs["samarinda"],
        assigned_to=alice,
        summary="Ringkasan dari Samarinda",
        status=CaseStatus.ASSESSMENT,
    )
    before = attachments.attachment_add(
        actor=alice, case=case, uploaded_file=SimpleUploadedFile("sebelum.pdf", PDF)
    )
    case = transfer.case_transfer_ownership(
        case=case, to_org=orgs["balikpapan"], assigned_to=bob, actor=bob
    )
    after = attachments.attachment_add(
        actor=bob, case=case, uploaded_file=SimpleUploadedFile("sesudah.pdf", PDF)
    )
    case = opening.case_update(
        actor=bob,
        case=case,
        expected_version=case.version,
        data={
            "summary": "Catatan rahasia Balikpapan",
            "priority": "urgent",
            "primary_category": other_category,
            "other_categories": [category],
        },
    )
    case = workflow.case_transition(actor=bob, case=case, to_status=CaseStatus.IN_SERVICE)
    return {"case": case, "before": before, "after": after}


def test_a_former_owner_downloads_only_attachments_from_before_the_transfer(
    client, alice, bob, transferred
):
    case = transferred["case"]
    url = lambda a: reverse("cases:attachment_download", args=[case.pk, a.pk])  # noqa: E731
    client.force_login(alice)
    assert client.get(url(transferred["before"])).status_code == 200
    assert client.get(url(transferred["after"])).status_code == 404
    client.force_login(bob)
    assert client.get(url(transferred["after"])).status_code == 200


@pytest.mark.parametrize("persona", ["alice", "sari"])
def test_a_former_owner_sees_the_case_as_it_was_at_the_transfer(
    client, request, persona, transferred, category
):
    case = transferred["case"]
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("cases:case_detail", args=[case.pk]))
    shown = response.context["case"]
    assert (shown.status, shown.priority, shown.primary_category) == (
        CaseStatus.ASSESSMENT,
        "normal",
        category,
    )
    assert shown.assigned_to.username == "alice"
    assert response.context["other_categories"] == []
    html = response.text
    assert "Ringkasan dari Samarinda" in html and "sebelum.pdf" in html
    # Nothing Balikpapan did after taking the case: not the summary (page or change
    # history), the file, the new status or the new priority.
    for later in ("Catatan rahasia Balikpapan", "sesudah.pdf", "Dalam layanan", "Darurat"):
        assert later not in html, later


def test_the_new_owner_sees_the_case_as_it_is_now(client, bob, transferred):
    client.force_login(bob)
    response = client.get(reverse("cases:case_detail", args=[transferred["case"].pk]))
    assert response.context["case"].status == CaseStatus.IN_SERVICE
    assert "Catatan rahasia Balikpapan" in response.text and "sesudah.pdf" in response.text


def test_without_a_recorded_snapshot_the_former_owner_sees_no_current_details(
    client, orgs, alice, bob
):
    """Rows written before snapshots existed (or by the bulk generator)."""
    from cases.models import CaseFormerOwner

    case = CaseFactory(
        owner_org=orgs["balikpapan"], assigned_to=bob, summary="Catatan rahasia Balikpapan"
    )
    CaseFormerOwner.objects.create(
        case=case, organization=orgs["samarinda"], until=timezone.now() - dt.timedelta(hours=1)
    )
    client.force_login(alice)
    response = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert "Catatan rahasia Balikpapan" not in response.text
    assert "Bob" not in response.text
    assert 'data-testid="transferred-away"' in response.text


def test_lists_show_a_transferred_case_as_moved_and_state_filters_skip_it(
    client, alice, transferred
):
    case = transferred["case"]
    client.force_login(alice)
    url = reverse("cases:case_list")
    listed = client.get(url)
    assert [c.pk for c in listed.context["page"].rows] == [case.pk]
    table = listed.text.split('data-testid="case-table"')[1].split("</table>")[0]
    assert 'data-testid="transferred-away"' in table
    for now in ("Dalam layanan", "Darurat", "Bob"):
        assert now not in table, now
    # A filter on the current state would tell it: such filters cover own cases only.
    assert client.get(url, {"status": "in_service"}).context["page"].rows == []
    assert client.get(url, {"priority": "urgent"}).context["page"].rows == []
    assert [c.pk for c in client.get(url, {"q": case.number}).context["page"].rows] == [case.pk]
    person = client.get(reverse("cases:beneficiary_detail", args=[case.beneficiary_id]))
    assert 'data-testid="transferred-away"' in person.text
    assert "Dalam layanan" not in person.text


def test_the_former_owners_approval_queue_leaves_out_a_transferred_case(
    client, sari, budi, bob, transferred
):
    case = workflow.case_transition(
        actor=bob,
        case=transferred["case"],
        to_status=CaseStatus.CLOSURE_REQUESTED,
        closure_reason="goals_met",
    )
    client.force_login(sari)
    assert client.get(reverse("cases:approval_queue")).context["page"].rows == []
    assert client.get(reverse("home")).context["cases_home"]["pending_approvals"] == 0
    client.force_login(budi)
    assert [c.pk for c in client.get(reverse("cases:approval_queue")).context["page"].rows] == [
        case.pk
    ]


@pytest.mark.parametrize("field", ["regency", "district", "village"])
def test_a_region_id_past_a_bigint_is_a_form_error(client, alice, regions, field):
    client.force_login(alice)
    data = {
        "nik_absent_reason": "street",
        "full_name": "Budi Santoso",
        "sex": "M",
        "regency": regions["64.72"].pk,
        "legal_basis": "public_task",
    }
    data[field] = "99999999999999999999999"
    response = client.post(reverse("cases:beneficiary_register"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Beneficiary.objects.exists()


def _state(world):
    case = Case.objects.get(pk=world["case"].pk)
    return (
        case.version,
        case.assigned_to_id,
        case.events.count(),
        case.assessments.count(),
        case.services.count(),
        case.attachments.count(),
        Beneficiary.objects.get(pk=case.beneficiary_id).version,
        Case.objects.count(),
        world["service"].__class__.objects.get(pk=world["service"].pk).version,
    )


@pytest.mark.parametrize("persona", ["bob", "budi", "prov", "agnes", "adam"])
def test_no_post_by_a_reader_or_an_outsider_changes_anything(request, client, world, amir, persona):
    case, service = world["case"], world["service"]
    person = case.beneficiary
    posts = [
        ("cases:case_transition", [case.pk], {"to_status": "assessment"}),
        ("cases:case_note", [case.pk], {"text": "x"}),
        ("cases:assessment_create", [case.pk], {"assessment-risk_level": "low"}),
        (
            "cases:service_create",
            [case.pk],
            {"service-service_type": service.service_type_id, "service-status": "planned"},
        ),
        (
            "cases:service_update",
            [case.pk, service.pk],
            {"status": "ongoing", "version": service.version},
        ),
        ("cases:attachment_upload", [case.pk], {"file": SimpleUploadedFile("b.pdf", PDF)}),
        (
            "cases:case_edit",
            [case.pk],
            {"primary_category": case.primary_category_id, "priority": "high", "version": 1},
        ),
        (
            "cases:beneficiary_edit",
            [person.pk],
            {"full_name": "Z", "regency": person.regency_id, "legal_basis": "public_task"},
        ),
        ("cases:case_assign", [], {"cases": [case.pk], "assignee": amir.pk}),
        ("cases:case_create_for", [person.pk], {"primary_category": case.primary_category_id}),
    ]
    before = _state(world)
    client.force_login(request.getfixturevalue(persona))
    for name, args, data in posts:
        response = client.post(reverse(name, args=args), data)
        assert response.status_code in (302, 403, 404), (name, response.status_code)
    assert _state(world) == before


def test_a_former_owner_changes_nothing_on_the_case_it_handed_over(client, alice, transferred):
    case = transferred["case"]
    before = (case.version, case.events.count(), case.attachments.count())
    client.force_login(alice)
    for name, data in [
        ("cases:case_transition", {"to_status": "monitoring", "version": case.version}),
        ("cases:case_note", {"text": "x"}),
        ("cases:case_edit", {"primary_category": case.primary_category_id, "version": 9}),
        ("cases:attachment_upload", {"file": SimpleUploadedFile("c.pdf", PDF)}),
    ]:
        assert client.post(reverse(name, args=[case.pk]), data).status_code == 403, name
    assert client.get(reverse("referrals:create", args=[case.pk])).status_code == 404
    case.refresh_from_db()
    assert (case.version, case.events.count(), case.attachments.count()) == before

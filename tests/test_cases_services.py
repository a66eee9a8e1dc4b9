"""Business rules of the registry and the case work (cases/services.py)."""

import datetime as dt
import io
import threading
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import (
    Assessment,
    Beneficiary,
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    ServiceStatus,
)
from cases.selectors import beneficiary_find_matches, name_similarity
from cases.services import attachments, closure, delivery, opening, registration, timeline, workflow
from cases.testing import (  # noqa: F401  (fixtures used by name)
    balikpapan_case_fixture,
    category_fixture,
    fast_password_hashing_fixture,
    make_nik,
    other_category_fixture,
    person_data,
    samarinda_case_fixture,
    shelter_fixture,
)
from pmks.errors import DuplicateFound, NotAllowed, TransitionNotAllowed, VersionConflict
from regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def kecamatan(regions):
    """Palaran and one of its kelurahan (shipped with the region tree)."""
    district = Region.objects.get(code="64.72.01")
    village = Region.objects.get(code="64.72.01.1001")
    return district, village


# --- registration ------------------------------------------------------------------


def test_a_caseworker_registers_a_person_with_a_valid_nik(alice, regions, kecamatan):
    district, village = kecamatan
    person = registration.beneficiary_register(
        actor=alice, data=person_data(regions, region=village, no_kk="6472 0120 0315 0007")
    )
    assert person.nik == make_nik(female=True)
    assert person.no_kk == "6472012003150007"
    assert (person.region, person.district, person.regency) == (
        village,
        district,
        regions["64.72"],
    )
    assert person.registered_by_org == alice.organization
    assert person.registered_regency == regions["64.72"]
    assert person.registered_by == alice


def test_sex_and_birth_date_left_blank_are_taken_from_the_nik(alice, regions):
    nik = make_nik(birth_date=dt.date(1971, 8, 3), female=True)
    person = registration.beneficiary_register(
        actor=alice, data=person_data(regions, nik=nik, sex="", birth_date=None)
    )
    assert (person.sex, person.birth_date) == ("F", dt.date(1971, 8, 3))


def test_typed_sex_and_birth_date_that_contradict_the_nik_are_shown_not_saved(alice, regions):
    data = person_data(regions, sex="M", birth_date=dt.date(1990, 5, 18))
    with pytest.raises(ValidationError) as error:
        registration.beneficiary_register(actor=alice, data=data)
    assert set(error.value.message_dict) == {"sex", "birth_date"}
    assert "digit 7–12" in error.value.message_dict["sex"][0]
    assert not Beneficiary.objects.exists()
    # The caseworker checked the card and confirms what they typed.
    person = registration.beneficiary_register(
        actor=alice, data={**data, "nik_mismatch_confirmed": True}
    )
    assert person.sex == "M"


def test_a_wrong_nik_is_refused_naming_the_digit_group(alice, regions):
    with pytest.raises(ValidationError) as error:
        registration.beneficiary_register(
            actor=alice, data=person_data(regions, nik="6472019905900003")
        )
    assert "Digit 7–12 (tanggal lahir)" in error.value.message_dict["nik"][0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nik": "", "nik_absent_reason": ""}, "nik_absent_reason"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"consent_note": ""}, "consent_note"),
        ({"full_name": "  "}, "full_name"),
        ({"region": None}, "region"),
        ({"no_kk": "6472012003150000"}, "no_kk"),
        ({"nik": "", "nik_absent_reason": "street", "sex": ""}, "sex"),
    ],
)
def test_required_facts_are_checked(alice, regions, overrides, field):
    with pytest.raises(ValidationError) as error:
        registration.beneficiary_register(actor=alice, data=person_data(regions, **overrides))
    assert field in error.value.message_dict


def test_a_person_without_nik_records_why(alice, regions):
    person = registration.beneficiary_register(
        actor=alice,
        data=person_data(regions, nik="", nik_absent_reason="street", birth_date=None),
    )
    assert person.nik is None
    assert person.nik_absent_reason == "street"


def test_an_existing_nik_stops_the_registration_and_links_to_the_person(alice, regions):
    first = registration.beneficiary_register(actor=alice, data=person_data(regions))
    with pytest.raises(DuplicateFound) as error:
        registration.beneficiary_register(
            actor=alice, data=person_data(regions, full_name="Siti R."), confirm_new=True
        )
    assert error.value.details["beneficiary"] == first
    assert error.value.details["visible"] is True
    assert Beneficiary.objects.count() == 1


def test_an_existing_nik_of_another_regency_names_only_the_office(alice, bob, regions, orgs):
    orgs["samarinda"].phone = "(0541) 200100"
    orgs["samarinda"].save()
    registration.beneficiary_register(actor=alice, data=person_data(regions))
    with pytest.raises(DuplicateFound) as error:
        registration.beneficiary_register(
            actor=bob, data=person_data(regions, region=regions["64.71"])
        )
    details = error.value.details
    assert details["visible"] is False
    assert details["owner_org"] == "Dinas Sosial Kota Samarinda"
    assert details["contact"]["phone"] == "(0541) 200100"


def test_a_similar_name_nearby_in_age_is_shown_before_saving(alice, regions):
    registration.beneficiary_register(
        actor=alice,
        data=person_data(regions, nik="", nik_absent_reason="street", full_name="Siti Rahmawati"),
    )
    data = person_data(
        regions,
        nik="",
        nik_absent_reason="not_registered",
        full_name="Siti Rahmawaty",
        birth_date=dt.date(1991, 11, 2),
    )
    with pytest.raises(DuplicateFound) as error:
        registration.beneficiary_register(actor=alice, data=data)
    [match] = error.value.details["matches"]
    assert match["beneficiary"].full_name == "Siti Rahmawati"
    assert match["visible"] is True
    assert match["similarity"] > 0.5
    # The caseworker looked and says it is somebody else.
    registration.beneficiary_register(actor=alice, data=data, confirm_new=True)
    assert Beneficiary.objects.count() == 2


def test_a_match_outside_the_users_scope_shows_only_the_office(alice, regions, orgs):
    from accounts.factories import OrganizationFactory

    uptd = OrganizationFactory(code="uptd-x", kind="uptd", region=regions["64.72"], name="UPTD X")
    BeneficiaryFactory(full_name="Rudi Hartono", registered_by_org=uptd, birth_date=None)
    with pytest.raises(DuplicateFound) as error:
        registration.beneficiary_register(
            actor=alice,
            data=person_data(
                regions, nik="", nik_absent_reason="street", full_name="Rudi Hartono", sex="M"
            ),
        )
    [match] = error.value.details["matches"]
    assert match["visible"] is False
    assert match["organization"] == uptd


@pytest.mark.parametrize(
    ("name", "birth_date", "regency", "found"),
    [
        ("Ahmad Fauzi", dt.date(1985, 1, 1), "64.72", True),
        ("Fauzi Ahmad", dt.date(1985, 1, 1), "64.72", True),  # order of names
        ("Ahmad Fauzy", dt.date(1986, 12, 31), "64.72", True),  # spelling, 2 years
        ("Ahmad Fauzi", dt.date(1989, 1, 2), "64.72", False),  # 4 years apart
        ("Ahmad Fauzi", dt.date(1985, 1, 1), "64.71", False),  # another regency
        ("Budi Santoso", dt.date(1985, 1, 1), "64.72", False),  # another name
        ("Ahmad Fauzi", None, "64.72", True),  # no birth date typed
    ],
)
def test_likely_matches_need_similar_name_near_birth_date_and_same_regency(
    orgs, regions, name, birth_date, regency, found
):
    BeneficiaryFactory(
        full_name="Ahmad Fauzi", birth_date=dt.date(1985, 6, 1), registered_by_org=orgs["samarinda"]
    )
    matches = beneficiary_find_matches(
        full_name=name, birth_date=birth_date, regency=regions[regency]
    )
    assert bool(matches) is found


def test_matches_are_ordered_by_similarity(orgs, regions):
    for full_name in ("Dewi Lestari", "Dewi Lestari Putri", "Dewi Sartika"):
        BeneficiaryFactory(full_name=full_name, registered_by_org=orgs["samarinda"])
    names = [
        m.full_name
        for m in beneficiary_find_matches(full_name="Dewi Lestari", regency=regions["64.72"])
    ]
    assert names[:2] == ["Dewi Lestari", "Dewi Lestari Putri"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("left", "right"),
    [("Siti Rahmawati", "Siti Rahmawaty"), ("Ahmad Fauzi", "Fauzi Ahmad"), ("Ani", "Budi")],
)
def test_the_python_similarity_is_the_one_pg_trgm_computes(left, right):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [left, right])
        expected = cursor.fetchone()[0]
    assert name_similarity(left, right) == pytest.approx(expected, abs=1e-6)


@pytest.mark.postgres
def test_the_duplicate_check_has_a_trigram_index_per_kabupaten_kota(regions):
    # C8 (cases 0012): one trigram index per kabupaten/kota, each WHERE regency_id =
    # its id, and none for the whole province (the planner preferred that one, and it
    # read the posting lists of all Kaltim: 73 -> 23 ms at 1M).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_beneficiary'"
        )
        definitions = dict(cursor.fetchall())
    regencies = [r for r in regions.values() if r.level == "regency"]
    assert len(regencies) == 10
    for regency in regencies:
        definition = definitions[f"benef_trgm_{regency.code.replace('.', '')}_idx"]
        assert "gin_trgm_ops" in definition
        assert definition.endswith(f"WHERE (regency_id = {regency.pk})")
    assert "benef_name_trgm_idx" not in definitions


@pytest.mark.parametrize("persona", ["prov", "agnes"])
def test_read_only_and_agency_users_cannot_register(request, regions, persona):
    with pytest.raises(NotAllowed):
        registration.beneficiary_register(
            actor=request.getfixturevalue(persona), data=person_data(regions)
        )


def test_moving_a_person_to_another_kecamatan_moves_their_cases_too(
    alice, regions, kecamatan, category
):
    person = registration.beneficiary_register(actor=alice, data=person_data(regions))
    case = opening.case_open(actor=alice, beneficiary=person, primary_category=category)
    district, village = kecamatan
    registration.beneficiary_update(
        actor=alice,
        beneficiary=person,
        expected_version=1,
        data=person_data(regions, region=village),
    )
    case.refresh_from_db()
    assert case.district == district


# --- cases and the transition table ------------------------------------------------


def test_opening_a_case_numbers_it_and_assigns_the_caseworker(alice, orgs, category):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    first = opening.case_open(actor=alice, beneficiary=person, primary_category=category)
    second = opening.case_open(actor=alice, beneficiary=person, primary_category=category)
    year = timezone.localdate().year
    assert first.number == f"6472/{year}/00001"
    assert second.number == f"6472/{year}/00002"
    assert first.assigned_to == alice
    assert first.owner_org == orgs["samarinda"]
    assert first.status == CaseStatus.OPEN
    assert list(first.events.order_by("pk").values_list("kind", flat=True)) == [
        "created",
        "assignment",
    ]


def test_a_case_opened_through_an_api_key_is_left_unassigned(orgs, category):
    """The key's integration user is not a person: the case waits for a supervisor."""
    from accounts.factories import UserFactory

    integration = UserFactory(organization=orgs["samarinda"], is_integration=True)
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    case = opening.case_open(actor=integration, beneficiary=person, primary_category=category)
    assert case.assigned_to is None
    assert list(case.events.values_list("kind", flat=True)) == ["created"]


def test_a_case_cannot_be_opened_for_a_person_outside_scope(bob, orgs, category):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    with pytest.raises(NotAllowed):
        opening.case_open(actor=bob, beneficiary=person, primary_category=category)


def test_a_case_can_only_be_assigned_to_a_caseworker_of_the_office(sari, bob, orgs, category):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    with pytest.raises(ValidationError):
        opening.case_open(
            actor=sari, beneficiary=person, primary_category=category, assigned_to=bob
        )


def move(actor, case, to, **kwargs):
    return workflow.case_transition(actor=actor, case=case, to_status=to, **kwargs)


def test_a_case_walks_the_whole_table_to_closure(alice, sari, samarinda_case):
    case = samarinda_case
    for status in ("assessment", "in_service", "monitoring", "in_service", "monitoring"):
        case = move(alice, case, status)
    case = closure.case_request_closure(
        actor=alice, case=case, closure_reason="goals_met", note="Sudah bekerja"
    )
    assert case.status == CaseStatus.CLOSURE_REQUESTED
    assert case.status_before_closure == CaseStatus.MONITORING
    case = closure.case_approve_closure(actor=sari, case=case)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    moves = list(
        case.events.filter(kind=EventKind.STATUS)
        .order_by("created_at", "pk")
        .values_list("data__from", "data__to")
    )
    assert moves == [
        ("open", "assessment"),
        ("assessment", "in_service"),
        ("in_service", "monitoring"),
        ("monitoring", "in_service"),
        ("in_service", "monitoring"),
        ("monitoring", "closure_requested"),
        ("closure_requested", "closed"),
    ]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("open", "in_service"),
        ("open", "monitoring"),
        ("open", "closed"),
        ("assessment", "monitoring"),
        ("in_service", "assessment"),
        ("monitoring", "closed"),
        ("closed", "in_service"),
        ("closed", "closure_requested"),
        ("closure_requested", "monitoring"),  # back only to where it was (open)
        ("open", "bogus"),
    ],
)
def test_moves_outside_the_table_are_refused(alice, samarinda_case, start, to):
    Case.objects.filter(pk=samarinda_case.pk).update(
        status=start, status_before_closure="open" if start == "closure_requested" else ""
    )
    samarinda_case.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        move(alice, samarinda_case, to, reason="x", closure_reason="other")
    samarinda_case.refresh_from_db()
    assert samarinda_case.status == start


def test_closure_needs_a_reason(alice, samarinda_case):
    with pytest.raises(ValidationError) as error:
        move(alice, samarinda_case, "closure_requested")
    assert "closure_reason" in error.value.message_dict


def test_only_a_supervisor_of_the_office_approves_a_closure(
    alice, amir, budi, prov, sari, samarinda_case
):
    case = closure.case_request_closure(actor=alice, case=samarinda_case, closure_reason="moved")
    for who in (alice, amir, budi, prov):
        with pytest.raises(NotAllowed):
            closure.case_approve_closure(actor=who, case=case)
    assert closure.case_approve_closure(actor=sari, case=case).status == CaseStatus.CLOSED


def test_a_rejected_closure_returns_where_it_was_and_needs_a_reason(alice, sari, samarinda_case):
    case = move(alice, samarinda_case, "assessment")
    case = move(alice, case, "in_service")
    case = closure.case_request_closure(actor=alice, case=case, closure_reason="lost_contact")
    with pytest.raises(ValidationError):
        closure.case_reject_closure(actor=sari, case=case, reason="")
    case = closure.case_reject_closure(actor=sari, case=case, reason="Belum dicari ke alamat")
    assert case.status == CaseStatus.IN_SERVICE
    assert case.closure_reason == ""
    event = case.events.filter(kind=EventKind.STATUS).first()
    assert event.data["rejected"] is True
    assert "Belum dicari ke alamat" in event.text


def test_a_closed_case_is_reopened_with_a_reason(alice, sari, samarinda_case):
    case = closure.case_request_closure(actor=alice, case=samarinda_case, closure_reason="moved")
    case = closure.case_approve_closure(actor=sari, case=case)
    with pytest.raises(ValidationError):
        workflow.case_reopen(actor=alice, case=case, reason=" ")
    case = workflow.case_reopen(actor=alice, case=case, reason="Kembali ke Samarinda")
    assert (case.status, case.reopened_count, case.closed_at) == ("open", 1, None)
    event = case.events.filter(kind=EventKind.STATUS).first()
    assert event.data == {"from": "closed", "to": "open", "move": "reopen", "reopen": True}


@pytest.mark.parametrize("persona", ["prov", "bob", "budi", "agnes"])
def test_users_who_may_not_write_cannot_move_a_case(request, samarinda_case, persona):
    with pytest.raises(NotAllowed):
        move(request.getfixturevalue(persona), samarinda_case, "assessment")


def test_a_move_from_a_stale_page_is_refused(alice, amir, samarinda_case):
    seen = samarinda_case.version
    move(amir, samarinda_case, "assessment")
    with pytest.raises(VersionConflict):
        move(
            alice,
            samarinda_case,
            "closure_requested",
            expected_version=seen,
            closure_reason="moved",
        )
    samarinda_case.refresh_from_db()
    assert samarinda_case.status == "assessment"


def test_allowed_moves_show_only_what_the_user_may_do(alice, sari, prov, samarinda_case):
    names = [m.name for m, _ in workflow.allowed_moves(alice, samarinda_case)]
    assert names == ["assess", "request_closure"]
    case = closure.case_request_closure(actor=alice, case=samarinda_case, closure_reason="moved")
    assert workflow.allowed_moves(alice, case) == []
    assert [m.name for m, _ in workflow.allowed_moves(sari, case)] == [
        "approve_closure",
        "reject_closure",
    ]
    assert workflow.allowed_moves(prov, case) == []


# --- version checks ----------------------------------------------------------------


def test_saving_over_a_newer_case_saves_nothing_and_says_what_changed(
    alice, amir, samarinda_case, other_category
):
    seen = samarinda_case.version
    opening.case_update(
        actor=amir,
        case=samarinda_case,
        expected_version=seen,
        data={"priority": "urgent", "summary": "Tidur di pasar"},
    )
    with pytest.raises(VersionConflict) as error:
        opening.case_update(
            actor=alice,
            case=samarinda_case,
            expected_version=seen,
            data={
                "priority": "low",
                "summary": "Tidur di terminal",
                "other_categories": [other_category],
            },
        )
    changes = {c["field"]: (c["yours"], c["current"]) for c in error.value.details["changes"]}
    assert changes["priority"] == ("Rendah", "Darurat")
    assert changes["summary"] == ("Tidur di terminal", "Tidur di pasar")
    assert changes["other_categories"] == ("Fakir Miskin", "—")
    samarinda_case.refresh_from_db()
    assert (samarinda_case.priority, samarinda_case.summary) == ("urgent", "Tidur di pasar")
    assert error.value.details["current"].version == seen + 1


def test_a_case_edit_records_the_change_and_bumps_the_version(
    alice, samarinda_case, other_category
):
    case = opening.case_update(
        actor=alice,
        case=samarinda_case,
        expected_version=1,
        data={"priority": "high", "other_categories": [other_category]},
    )
    assert case.version == 2
    assert list(case.other_categories.all()) == [other_category]
    assert case.events.filter(kind=EventKind.EDIT).exists()


def test_saving_over_a_newer_beneficiary_saves_nothing(alice, amir, regions):
    person = registration.beneficiary_register(actor=alice, data=person_data(regions))
    registration.beneficiary_update(
        actor=amir,
        beneficiary=person,
        expected_version=1,
        data=person_data(regions, phone="0812 1111"),
    )
    with pytest.raises(VersionConflict) as error:
        registration.beneficiary_update(
            actor=alice,
            beneficiary=person,
            expected_version=1,
            data=person_data(regions, phone="0812 2222"),
        )
    assert {c["field"] for c in error.value.details["changes"]} == {"phone"}
    person.refresh_from_db()
    assert person.phone == "0812 1111"


def test_saving_over_a_newer_service_saves_nothing(alice, amir, samarinda_case, shelter):
    service = delivery.service_delivery_add(actor=alice, case=samarinda_case, service_type=shelter)
    delivery.service_delivery_update(
        actor=amir, service=service, expected_version=1, data={"status": "ongoing"}
    )
    with pytest.raises(VersionConflict):
        delivery.service_delivery_update(
            actor=alice,
            service=service,
            expected_version=1,
            data={"status": "cancelled", "outcome": "Menolak"},
        )
    service.refresh_from_db()
    assert (service.status, service.version) == ("ongoing", 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_cannot_both_win(orgs, alice, amir):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    barrier = threading.Barrier(2)
    outcomes = []

    def save(actor, summary):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            opening.case_update(
                actor=actor, case=case, expected_version=1, data={"summary": summary}
            )
            outcomes.append(("saved", summary))
        except VersionConflict:
            outcomes.append(("conflict", summary))
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=save, args=(alice, "versi Alice")),
        threading.Thread(target=save, args=(amir, "versi Amir")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["conflict", "saved"]
    winner = next(summary for kind, summary in outcomes if kind == "saved")
    case.refresh_from_db()
    assert (case.summary, case.version) == (winner, 2)


# --- reassignment ------------------------------------------------------------------


def test_a_supervisor_reassigns_many_cases_at_once(sari, alice, amir, orgs):
    cases = [CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice) for _ in range(3)]
    assert opening.case_assign(actor=sari, cases=cases, assignee=amir) == 3
    assert set(Case.objects.values_list("assigned_to", flat=True)) == {amir.pk}
    assert CaseEvent.objects.filter(kind=EventKind.ASSIGNMENT).count() == 3
    # Assigning again changes nothing.
    assert opening.case_assign(actor=sari, cases=cases, assignee=amir) == 0


@pytest.mark.parametrize("assignee", ["bob", "sari", "agnes"])
def test_the_assignee_must_be_a_caseworker_of_the_owning_office(
    request, sari, samarinda_case, assignee
):
    with pytest.raises(ValidationError):
        opening.case_assign(
            actor=sari, cases=[samarinda_case], assignee=request.getfixturevalue(assignee)
        )


@pytest.mark.parametrize("persona", ["alice", "budi", "prov"])
def test_only_an_office_supervisor_reassigns(request, amir, samarinda_case, persona):
    with pytest.raises(NotAllowed):
        opening.case_assign(
            actor=request.getfixturevalue(persona), cases=[samarinda_case], assignee=amir
        )
    samarinda_case.refresh_from_db()
    assert samarinda_case.assigned_to.username == "alice"


def test_one_foreign_case_refuses_the_whole_batch(sari, amir, samarinda_case, balikpapan_case):
    with pytest.raises(NotAllowed):
        opening.case_assign(actor=sari, cases=[samarinda_case, balikpapan_case], assignee=amir)
    samarinda_case.refresh_from_db()
    assert samarinda_case.assigned_to.username == "alice"


# --- assessment, services, notes ---------------------------------------------------


def test_an_assessment_is_recorded_and_moves_a_new_case_to_assessment(alice, samarinda_case):
    assessment = delivery.assessment_record(
        actor=alice,
        case=samarinda_case,
        needs=["shelter", "documentation"],
        risk_level="high",
        notes="Tidur di emperan toko",
    )
    assert assessment.assessed_by == alice
    samarinda_case.refresh_from_db()
    assert samarinda_case.status == CaseStatus.ASSESSMENT
    assert samarinda_case.events.filter(kind=EventKind.ASSESSMENT).exists()


def test_an_assessment_refuses_unknown_needs(alice, samarinda_case):
    with pytest.raises(ValidationError):
        delivery.assessment_record(
            actor=alice, case=samarinda_case, needs=["flying"], risk_level="low"
        )
    assert not Assessment.objects.exists()


def test_a_service_is_recorded_and_updated(alice, samarinda_case, shelter, orgs):
    service = delivery.service_delivery_add(
        actor=alice,
        case=samarinda_case,
        service_type=shelter,
        provider_org=orgs["samarinda"],
        status=ServiceStatus.ONGOING,
        start_date=dt.date(2026, 1, 5),
    )
    with pytest.raises(ValidationError):  # done needs an outcome
        delivery.service_delivery_update(
            actor=alice, service=service, expected_version=1, data={"status": "done"}
        )
    service = delivery.service_delivery_update(
        actor=alice,
        service=service,
        expected_version=1,
        data={"status": "done", "outcome": "Pulang ke keluarga"},
    )
    assert service.end_date is not None
    texts = list(
        samarinda_case.events.filter(kind=EventKind.SERVICE).values_list("text", flat=True)
    )
    assert any("Berjalan → Selesai" in text for text in texts)


def test_a_service_ending_before_it_starts_is_refused(alice, samarinda_case, shelter):
    with pytest.raises(ValidationError):
        delivery.service_delivery_add(
            actor=alice,
            case=samarinda_case,
            service_type=shelter,
            start_date=dt.date(2026, 2, 1),
            end_date=dt.date(2026, 1, 1),
        )


def test_notes_go_on_the_timeline(alice, samarinda_case):
    timeline.case_add_note(actor=alice, case=samarinda_case, text="Ditemui di Pasar Segiri")
    assert samarinda_case.events.get(kind=EventKind.NOTE).text == "Ditemui di Pasar Segiri"
    with pytest.raises(ValidationError):
        timeline.case_add_note(actor=alice, case=samarinda_case, text="   ")


def test_writes_tell_the_hooks_after_commit(
    settings, alice, samarinda_case, django_capture_on_commit_callbacks
):
    from cases import testing
    from pmks import hooks

    settings.DATA_CHANGE_HANDLERS = ["cases.testing.record_change"]
    hooks._handlers.cache_clear()
    testing.CHANGES.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            move(alice, samarinda_case, "assessment")
    finally:
        hooks._handlers.cache_clear()
    assert ("case", samarinda_case.pk) in testing.CHANGES


# --- attachments -------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 64 * 1024
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("surat keterangan.pdf", PDF),
        ("foto.PNG", PNG),
        ("foto.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
        ("laporan.docx", ooxml("word/document.xml")),
        ("anggaran.xlsx", ooxml("xl/workbook.xml")),
    ],
)
def test_allowed_files_are_stored_outside_static_under_a_random_name(
    alice, samarinda_case, media, name, content
):
    attachment = attachments.attachment_add(
        actor=alice, case=samarinda_case, uploaded_file=SimpleUploadedFile(name, content)
    )
    assert attachment.original_name == name
    assert attachment.size == len(content)
    path = media / attachment.file.name
    assert path.read_bytes() == content
    assert name.split(".")[0] not in attachment.file.name


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("besar.pdf", PDF + b"x" * 70_000, "terlalu besar"),
        ("skrip.exe", b"MZ" + b"\x00" * 30, "tidak diizinkan"),
        ("halaman.html", b"<html></html>", "tidak diizinkan"),
        ("palsu.pdf", PNG, "tidak sesuai"),
        ("palsu.png", PDF, "tidak sesuai"),
        ("palsu.docx", ooxml("xl/workbook.xml"), "tidak sesuai"),
        ("rusak.xlsx", b"PK\x03\x04garbage", "tidak sesuai"),
        ("kosong.pdf", b"", "kosong"),
    ],
)
def test_uploads_are_checked_by_size_extension_and_content(
    alice, samarinda_case, media, name, content, why
):
    with pytest.raises(ValidationError) as error:
        attachments.attachment_add(
            actor=alice, case=samarinda_case, uploaded_file=SimpleUploadedFile(name, content)
        )
    assert why in error.value.message_dict["file"][0]
    assert not samarinda_case.attachments.exists()
    assert not any(media.rglob("*.*"))


def test_a_read_only_user_cannot_upload(prov, samarinda_case, media):
    with pytest.raises(NotAllowed):
        attachments.attachment_add(
            actor=prov, case=samarinda_case, uploaded_file=SimpleUploadedFile("a.pdf", PDF)
        )


def test_an_assessment_may_find_no_needs(orgs, alice):
    from cases.factories import CaseFactory
    from cases.services.delivery import assessment_record

    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    assessment = assessment_record(actor=alice, case=case, needs=[], risk_level="low")
    assert assessment.needs == []

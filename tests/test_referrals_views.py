"""Referral pages: scoping for every persona (404 outside), the lists with their
filters, counts and query budgets, the referral page, actions, thread, the
"Rujuk" page, the letter, the directory and the notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.factories import TEST_PASSWORD
from cases.models import Case, ServiceType
from referrals.factories import ServiceOfferFactory
from referrals.models import Notification, Referral, ServiceOffer
from referrals.services import decisions
from referrals.testing import make_case, send

pytestmark = pytest.mark.django_db


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def case(orgs, alice):
    return make_case(orgs["samarinda"], assigned_to=alice, summary="Ringkasan internal kasus.")


@pytest.fixture
def to_rsud(case, alice, orgs):
    return send(alice, case, orgs["rsud"])


# --- scoping: every persona ------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("alice", True),  # sender's caseworker
        ("amir", True),  # another caseworker of the sending office
        ("sari", True),  # sending office's supervisor
        ("agnes", True),  # receiving agency
        ("prov", True),  # province-wide, read-only
        ("bob", False),  # another regency
        ("budi", False),
        ("adam", False),  # another agency
    ],
)
@pytest.mark.parametrize("page", ["referrals:detail", "referrals:letter"])
def test_a_referral_and_its_letter_answer_404_outside_the_scope(
    client, request, to_rsud, persona, sees, page
):
    user = request.getfixturevalue(persona)
    response = client_for(client, user).get(reverse(page, args=[to_rsud.pk]))
    assert response.status_code == (200 if sees else 404)


@pytest.mark.parametrize("action", ["accept", "decline", "cancel", "complete", "message_post"])
def test_posting_to_a_foreign_referral_answers_404(client, adam, to_rsud, action):
    response = client_for(client, adam).post(
        reverse(f"referrals:{action}", args=[to_rsud.pk]), {"reason": "x", "body": "x"}
    )
    assert response.status_code == 404
    to_rsud.refresh_from_db()
    assert to_rsud.status == "pending" and not to_rsud.messages.exists()


def test_an_agency_sees_only_its_inbox(client, agnes, to_rsud, orgs, alice):
    other = send(alice, make_case(orgs["samarinda"]), orgs["ppa"])
    client_for(client, agnes)
    inbox = client.get(reverse("referrals:inbox"))
    assert inbox.status_code == 200
    assert to_rsud.number in inbox.text and other.number not in inbox.text
    for name in ("referrals:outbox", "referrals:all"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("referrals:create", args=[to_rsud.case_id])).status_code == 404
    assert client.get(reverse("referrals:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("referrals:letter", args=[other.pk])).status_code == 404


def test_an_agency_never_opens_the_case_file(client, agnes, to_rsud):
    assert not Case.objects.visible_to(agnes).exists()
    try:
        url = reverse("cases:case_detail", args=[to_rsud.case_id])
    except NoReverseMatch:  # the cases pages are not routed on this tree
        return
    assert client_for(client, agnes).get(url).status_code == 404


def test_the_receiver_sees_identity_and_summary_but_no_case_link(client, agnes, to_rsud, case):
    response = client_for(client, agnes).get(reverse("referrals:detail", args=[to_rsud.pk]))
    text = response.text
    assert case.beneficiary.full_name in text
    assert "Ibu dua anak, tinggal di jalan sejak Maret." in text  # the shared summary
    assert "Ringkasan internal kasus." not in text  # not the case file
    assert 'data-testid="case-link"' not in text


@pytest.mark.parametrize("page", ["referrals:detail", "referrals:letter"])
def test_viewing_the_identity_is_logged(client, agnes, to_rsud, page):
    from auditlog.models import LogEntry

    client_for(client, agnes).get(reverse(page, args=[to_rsud.pk]))
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.actor == agnes
    assert entry.object_pk == str(to_rsud.case.beneficiary_id)


def test_the_sender_gets_a_link_to_the_case(client, alice, to_rsud):
    try:
        case_url = reverse("cases:case_detail", args=[to_rsud.case_id])
    except NoReverseMatch:
        case_url = None
    response = client_for(client, alice).get(reverse("referrals:detail", args=[to_rsud.pk]))
    assert ('data-testid="case-link"' in response.text) is (case_url is not None)
    if case_url:
        assert case_url in response.text


@pytest.mark.parametrize(
    ("persona", "buttons"),
    [
        ("agnes", {"accept-form", "decline-form"}),
        ("alice", {"cancel-form"}),
        ("prov", set()),
    ],
)
def test_only_the_allowed_moves_have_buttons(client, request, to_rsud, persona, buttons):
    user = request.getfixturevalue(persona)
    text = client_for(client, user).get(reverse("referrals:detail", args=[to_rsud.pk])).text
    shown = {
        name
        for name in ("accept-form", "decline-form", "cancel-form", "complete-form")
        if f'data-testid="{name}"' in text
    }
    assert shown == buttons


# --- lists --------------------------------------------------------------------------------


def test_the_inbox_and_outbox_list_the_right_referrals(client, alice, bob, to_rsud, orgs):
    incoming = send(bob, make_case(orgs["balikpapan"]), orgs["samarinda"])
    client_for(client, alice)
    inbox = client.get(reverse("referrals:inbox")).text
    outbox = client.get(reverse("referrals:outbox")).text
    assert incoming.number in inbox and to_rsud.number not in inbox
    assert to_rsud.number in outbox and incoming.number not in outbox


def test_the_provincial_supervisor_lands_on_all_referrals(client, prov, to_rsud):
    client_for(client, prov)
    response = client.get(reverse("referrals:inbox"))
    assert response.status_code == 302 and response.url == reverse("referrals:all")
    assert to_rsud.number in client.get(reverse("referrals:all")).text


def test_filters_and_counts_per_status(client, alice, agnes, orgs):
    pending = send(alice, make_case(orgs["samarinda"]), orgs["rsud"], urgency="urgent")
    declined = send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    decisions.referral_decline(actor=agnes, referral=declined, reason="Penuh.")
    late = send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    Referral.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client_for(client, alice)
    url = reverse("referrals:outbox")

    response = client.get(url)
    counts = {link["status"]: link["count"] for link in response.context["status_links"]}
    assert counts == {
        "pending": 2,
        "accepted": 0,
        "declined": 1,
        "cancelled": 0,
        "completed": 0,
    }
    numbers = lambda params: {r.number for r in client.get(url, params).context["page"]}  # noqa: E731
    assert numbers({"status": "declined"}) == {declined.number}
    assert numbers({"urgency": "urgent"}) == {pending.number}
    assert numbers({"overdue": "true"}) == {late.number}
    assert numbers({"overdue": "false"}) == {pending.number, declined.number}
    assert numbers({"kind": "transfer"}) == set()


def _inbox_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("box", ["inbox", "outbox"])
def test_the_lists_cost_the_same_queries_whatever_the_number_of_rows(client, alice, bob, orgs, box):
    def add_one() -> None:
        if box == "inbox":
            send(bob, make_case(orgs["balikpapan"]), orgs["samarinda"])
        else:
            send(alice, make_case(orgs["samarinda"]), orgs["rsud"])

    add_one()
    client_for(client, alice)
    url = reverse(f"referrals:{box}")
    client.get(url)  # warm the session
    one = _inbox_queries(client, url)
    for _ in range(5):
        add_one()
    assert _inbox_queries(client, url) == one
    assert one <= 6


def test_the_inbox_query_budget(client, django_assert_num_queries, alice, bob, orgs):
    for _ in range(3):
        send(bob, make_case(orgs["balikpapan"]), orgs["samarinda"])
    client_for(client, alice)
    url = reverse("referrals:inbox")
    client.get(url)
    # 1 the session (the db backend: it survives Redis being down, issue 13), 2 user
    # with their organization, 3 GROUP BY status counts (their sum is the paginator's
    # total: no COUNT), 4 page rows with case/beneficiary/orgs/service joined
    with django_assert_num_queries(4):
        client.get(url)


def test_a_filter_other_than_status_counts_its_own_rows(
    client, django_assert_num_queries, alice, orgs
):
    for _ in range(27):
        send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    urgent = send(alice, make_case(orgs["samarinda"]), orgs["rsud"], urgency="urgent")
    client_for(client, alice)
    url = reverse("referrals:outbox")
    client.get(url)
    whole = client.get(url)
    assert whole.context["page"].paginator.count == 28
    assert "Halaman 1 dari 2" in whole.text
    assert client.get(url, {"status": "pending", "page": 2}).context["page"].paginator.count == 28
    assert client.get(url, {"status": "accepted"}).context["page"].paginator.count == 0
    # session, user with organization, status counts, COUNT of the urgent ones, their rows
    with django_assert_num_queries(5):
        narrowed = client.get(url, {"urgency": "urgent"})
    assert narrowed.context["page"].paginator.count == 1
    assert [r.pk for r in narrowed.context["page"]] == [urgent.pk]


@pytest.mark.parametrize(
    ("persona", "inbox", "outbox"),
    [
        ("alice", {"bp_to_smd"}, {"smd_to_rsud"}),
        ("amir", {"bp_to_smd"}, {"smd_to_rsud"}),
        ("sari", {"bp_to_smd"}, {"smd_to_rsud"}),
        ("bob", set(), {"bp_to_smd", "bp_to_rsud"}),
        ("budi", set(), {"bp_to_smd", "bp_to_rsud"}),
        ("agnes", {"smd_to_rsud", "bp_to_rsud"}, None),
        ("adam", set(), None),
    ],
)
def test_the_inbox_and_outbox_filter_on_the_office_alone_and_stay_within_the_scope(
    request, persona, inbox, outbox, orgs, alice, bob, agnes
):
    from referrals.selectors import Box, box_queryset, boxes_for

    sent = {
        "smd_to_rsud": send(alice, make_case(orgs["samarinda"]), orgs["rsud"]),
        "bp_to_smd": send(bob, make_case(orgs["balikpapan"]), orgs["samarinda"]),
        "bp_to_rsud": send(bob, make_case(orgs["balikpapan"]), orgs["rsud"]),
    }
    decisions.referral_accept(actor=agnes, referral=sent["smd_to_rsud"])
    names = {referral.pk: name for name, referral in sent.items()}
    user = request.getfixturevalue(persona)
    visible = set(Referral.objects.visible_to(user).values_list("pk", flat=True))
    for box, expected in ((Box.INBOX, inbox), (Box.OUTBOX, outbox)):
        if expected is None:
            assert box not in boxes_for(user)
            continue
        listed = set(box_queryset(user, box).values_list("pk", flat=True))
        assert {names[pk] for pk in listed} == expected, box
        assert listed <= visible, box


# --- actions through the pages -------------------------------------------------------------


def test_the_receiver_accepts_from_the_page(client, agnes, to_rsud):
    response = client_for(client, agnes).post(
        reverse("referrals:accept", args=[to_rsud.pk]), {"version": to_rsud.version}, follow=True
    )
    assert "Rujukan diterima." in response.text
    to_rsud.refresh_from_db()
    assert to_rsud.status == "accepted"


@pytest.mark.parametrize("assignee", ["amir", "budi"])  # another office's; not a caseworker
def test_accepting_a_transfer_with_a_wrong_caseworker_is_refused_not_ignored(
    client, request, case, alice, bob, budi, orgs, assignee
):
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    response = client_for(client, budi).post(
        reverse("referrals:accept", args=[transfer.pk]),
        {"version": transfer.version, "assigned_to": request.getfixturevalue(assignee).pk},
        follow=True,
    )
    assert "Rujukan diterima." not in response.text
    assert 'class="message error"' in response.text
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == "pending" and case.owner_org == orgs["samarinda"]
    client_for(client, budi).post(
        reverse("referrals:accept", args=[transfer.pk]),
        {"version": transfer.version, "assigned_to": bob.pk},
    )
    case.refresh_from_db()
    assert (case.owner_org, case.assigned_to) == (orgs["balikpapan"], bob)


def test_a_decline_without_reason_is_explained_and_changes_nothing(client, agnes, to_rsud):
    response = client_for(client, agnes).post(
        reverse("referrals:decline", args=[to_rsud.pk]), {"reason": ""}, follow=True
    )
    assert "Alasan penolakan wajib diisi." in response.text
    to_rsud.refresh_from_db()
    assert to_rsud.status == "pending"


def test_the_second_decider_sees_who_was_first(client, agnes, alice, to_rsud):
    decisions.referral_cancel(actor=alice, referral=to_rsud)
    response = client_for(client, agnes).post(
        reverse("referrals:accept", args=[to_rsud.pk]), {"version": 1}, follow=True
    )
    assert "sudah dibatalkan oleh Alice (Dinas Sosial Kota Samarinda)" in response.text


def test_a_message_is_appended_by_htmx(client, agnes, to_rsud):
    response = client_for(client, agnes).post(
        reverse("referrals:message_post", args=[to_rsud.pk]),
        {"body": "Pasien bisa datang Senin."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "<li" in response.text and "Pasien bisa datang Senin." in response.text
    assert "<html" not in response.text
    assert to_rsud.messages.get().author == agnes


def test_a_read_only_reader_cannot_post_and_is_told_why(client, prov, to_rsud):
    response = client_for(client, prov).post(
        reverse("referrals:message_post", args=[to_rsud.pk]),
        {"body": "Halo"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Retarget"] == "#message-errors"
    assert "Hanya kedua organisasi" in response.text
    assert not to_rsud.messages.exists()


@pytest.fixture
def moved(to_rsud, case, alice, bob, orgs):
    """alice asked RSUD for a service, then the case moved to Balikpapan (bob accepted)."""
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    decisions.referral_accept(actor=bob, referral=transfer)
    return to_rsud


def test_after_a_transfer_the_new_owner_cancels_from_the_page(client, moved, bob):
    page = client_for(client, bob).get(reverse("referrals:detail", args=[moved.pk])).text
    assert 'data-testid="cancel-form"' in page
    response = client.post(
        reverse("referrals:cancel", args=[moved.pk]), {"version": moved.version}, follow=True
    )
    assert "Rujukan dibatalkan." in response.text
    moved.refresh_from_db()
    assert moved.status == "cancelled"


def test_after_a_transfer_the_old_office_reads_but_may_not_cancel_or_write(client, moved, alice):
    client_for(client, alice)
    page = client.get(reverse("referrals:detail", args=[moved.pk]))
    assert page.status_code == 200  # still reads its own referral
    assert 'data-testid="cancel-form"' not in page.text
    assert not page.context["may_post"]
    response = client.post(
        reverse("referrals:cancel", args=[moved.pk]), {"version": moved.version}, follow=True
    )
    assert response.status_code == 200
    assert "kantor pemilik kasus saat ini" in response.text
    response = client.post(
        reverse("referrals:message_post", args=[moved.pk]),
        {"body": "Halo"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Retarget"] == "#message-errors"
    moved.refresh_from_db()
    assert moved.status == "pending" and not moved.messages.exists()


def test_after_a_transfer_the_new_owner_writes_on_the_thread(client, moved, bob, agnes):
    response = client_for(client, bob).post(
        reverse("referrals:message_post", args=[moved.pk]),
        {"body": "Kasus kini di Balikpapan."},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Kasus kini di Balikpapan." in response.text
    assert Notification.objects.filter(user=agnes, kind="message").count() == 1


# --- refer from a case --------------------------------------------------------------------


def test_the_refer_page_is_only_for_who_may_change_the_case(client, case, bob, prov, alice):
    url = reverse("referrals:create", args=[case.pk])
    assert client_for(client, bob).get(url).status_code == 404
    assert client_for(client, prov).get(url).status_code == 404
    assert client_for(client, alice).get(url).status_code == 200


def test_a_referral_is_sent_from_the_case_with_an_offer_chosen_in_the_directory(
    client, case, alice, orgs, regions
):
    shelter = ServiceOfferFactory(
        organization=orgs["balikpapan"],
        name="Rumah singgah Balikpapan",
        capacity_total=10,
        capacity_free=4,
    )
    ServiceOfferFactory(
        organization=orgs["rsud"], service_type=ServiceType.objects.get(code="health")
    )
    client_for(client, alice)
    url = reverse("referrals:create", args=[case.pk])
    page = client.get(url, {"service_type": "shelter", "regency": "64.71"})
    assert [offer.pk for offer in page.context["offers"]] == [shelter.pk]
    chosen = client.get(url, {"offer": shelter.pk})
    assert chosen.context["form"].initial["to_org"] == orgs["balikpapan"].pk
    response = client.post(
        url,
        {
            "kind": "service",
            "offer": shelter.pk,
            "to_org": orgs["balikpapan"].pk,
            "service_type": shelter.service_type_id,
            "urgency": "high",
            "reason": "Butuh tempat tinggal sementara.",
            "shared_summary": "Tidur di terminal sejak seminggu.",
            "legal_basis": "consent",
            "consent_note": "Setuju lisan.",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "referrals:detail", args=[referral.pk]
    )
    assert referral.offer == shelter and referral.to_org == orgs["balikpapan"]


def test_without_legal_basis_the_form_says_why_and_nothing_is_sent(client, case, alice, orgs):
    response = client_for(client, alice).post(
        reverse("referrals:create", args=[case.pk]),
        {
            "kind": "transfer",
            "to_org": orgs["balikpapan"].pk,
            "urgency": "normal",
            "reason": "Pindah domisili.",
            "shared_summary": "Keluarga pindah ke Balikpapan.",
            "legal_basis": "",
        },
    )
    assert response.status_code == 200
    assert "UU PDP" in response.text
    assert not Referral.objects.exists()


def test_service_rules_show_next_to_the_fields(client, case, alice, orgs):
    response = client_for(client, alice).post(
        reverse("referrals:create", args=[case.pk]),
        {
            "kind": "transfer",
            "to_org": orgs["rsud"].pk,
            "urgency": "normal",
            "reason": "x",
            "shared_summary": "y",
            "legal_basis": "public_task",
        },
    )
    assert response.context["form"].errors["to_org"] == [
        "Kasus hanya dapat dipindahkan ke Dinas Sosial kabupaten/kota."
    ]


# --- letter -------------------------------------------------------------------------------------


def test_the_letter_has_letterhead_number_identity_and_signature(client, agnes, to_rsud, orgs):
    orgs["samarinda"].address = "Jl. Dahlia No. 81, Samarinda"
    orgs["samarinda"].phone = "(0541) 736421"
    orgs["samarinda"].save()
    text = client_for(client, agnes).get(reverse("referrals:letter", args=[to_rsud.pk])).text
    for expected in (
        "DINAS SOSIAL KOTA SAMARINDA",
        "Jl. Dahlia No. 81, Samarinda",
        "(0541) 736421",
        "SURAT RUJUKAN",
        to_rsud.number,
        to_rsud.case.beneficiary.full_name,
        to_rsud.reason,
        "Akses layanan kesehatan",
        "css/letter.css",  # @page { size: A4 } (a static file: CSP allows no inline style)
        'class="signature"',
    ):
        assert expected in text, expected


# --- directory -----------------------------------------------------------------------------------


@pytest.fixture
def offers(orgs, regions):
    shelter = ServiceOfferFactory(
        organization=orgs["samarinda"], name="Shelter Samarinda", capacity_total=20, capacity_free=5
    )
    clinic = ServiceOfferFactory(
        organization=orgs["rsud"],
        name="Poli jiwa",
        service_type=ServiceType.objects.get(code="health"),
    )
    province_wide = ServiceOfferFactory(
        organization=orgs["ppa"],
        name="Pendampingan korban",
        service_type=ServiceType.objects.get(code="psychosocial"),
        regencies=[regions["64"]],
    )
    return {"shelter": shelter, "clinic": clinic, "province_wide": province_wide}


def test_the_directory_searches_by_service_and_regency(client, bob, offers):
    client_for(client, bob)
    url = reverse("referrals:directory")
    listed = lambda params: {o.name for o in client.get(url, params).context["offers"]}  # noqa: E731
    assert listed({"service_type": "shelter"}) == {"Shelter Samarinda"}
    assert listed({"regency": "64.72"}) == {"Shelter Samarinda", "Poli jiwa", "Pendampingan korban"}
    assert listed({"regency": "64.71"}) == {"Pendampingan korban"}  # serves the province
    assert listed({"has_capacity": "false"}) == set()
    text = client.get(url).text
    assert "diperbarui" in text and "5/20" in text


def test_an_agency_manages_only_its_own_offers(client, agnes, offers):
    client_for(client, agnes)
    response = client.get(reverse("referrals:directory"))
    assert [o.name for o in response.context["offers"]] == ["Poli jiwa"]
    shelter = offers["shelter"]
    assert (
        client.post(
            reverse("referrals:offer_capacity", args=[shelter.pk]), {"capacity_free": 0}
        ).status_code
        == 404
    )
    fresh = ServiceOffer.objects.get(pk=shelter.pk)
    assert (fresh.capacity_free, fresh.capacity_updated_at) == (
        shelter.capacity_free,
        shelter.capacity_updated_at,
    )


def test_staff_update_their_capacity_in_place(client, sari, offers):
    shelter = offers["shelter"]
    response = client_for(client, sari).post(
        reverse("referrals:offer_capacity", args=[shelter.pk]),
        {"capacity_free": 3, "capacity_total": 20},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<tr") and "3/20" in response.text
    assert ServiceOffer.objects.get(pk=shelter.pk).capacity_free == 3


def test_a_capacity_saved_from_a_stale_row_does_not_give_back_a_taken_place(client, sari, offers):
    """The row showed 5 free; a referral took one meanwhile; saving "5" again would
    free a bed that is occupied."""
    shelter = offers["shelter"]
    ServiceOffer.objects.filter(pk=shelter.pk).update(capacity_free=4)
    url = reverse("referrals:offer_capacity", args=[shelter.pk])
    response = client_for(client, sari).post(
        url, {"capacity_free": 5, "capacity_total": 20, "seen_free": 5}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "baru saja berubah" in response.text and "4/20" in response.text
    assert ServiceOffer.objects.get(pk=shelter.pk).capacity_free == 4
    response = client_for(client, sari).post(
        url, {"capacity_free": 5, "capacity_total": 20, "seen_free": 4}, HTTP_HX_REQUEST="true"
    )
    assert ServiceOffer.objects.get(pk=shelter.pk).capacity_free == 5


def test_the_capacity_row_carries_the_value_it_showed(client, sari, offers):
    page = client_for(client, sari).get(reverse("referrals:directory"))
    assert 'name="seen_free" value="5"' in page.text


def test_a_capacity_above_the_total_is_refused_in_place(client, sari, offers):
    shelter = offers["shelter"]
    response = client_for(client, sari).post(
        reverse("referrals:offer_capacity", args=[shelter.pk]),
        {"capacity_free": 30},
        HTTP_HX_REQUEST="true",
    )
    assert "melebihi kapasitas total" in response.text
    assert ServiceOffer.objects.get(pk=shelter.pk).capacity_free == 5


def test_others_cannot_change_an_offer(client, bob, offers):
    shelter = offers["shelter"]
    response = client_for(client, bob).post(
        reverse("referrals:offer_capacity", args=[shelter.pk]), {"capacity_free": 0}
    )
    assert response.status_code == 404
    assert ServiceOffer.objects.get(pk=shelter.pk).capacity_free == 5


# --- notifications -------------------------------------------------------------------------------


def test_the_badge_counts_unread_and_the_list_marks_them_read(client, agnes, to_rsud):
    client_for(client, agnes)
    badge = client.get(reverse("referrals:notification_badge"))
    assert 'data-testid="unread-count"' in badge.text and ">1<" in badge.text
    page = client.get(reverse("referrals:notifications"))
    assert to_rsud.number in page.text
    assert not Notification.objects.filter(user=agnes, read_at__isnull=True).exists()
    assert "unread-count" not in client.get(reverse("referrals:notification_badge")).text


def test_every_page_has_the_notifications_link(client, agnes):
    response = client_for(client, agnes).get(reverse("referrals:inbox"))
    assert reverse("referrals:notification_badge") in response.text


def test_login_with_the_real_form_still_works(client, agnes):
    # the header include must not break the login page for anonymous users
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert client.login(username="agnes", password=TEST_PASSWORD)


# --- home ------------------------------------------------------------------------------------


def test_the_home_page_shows_waiting_and_overdue_referrals(client, agnes, alice, to_rsud, orgs):
    late = send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    Referral.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    response = client_for(client, agnes).get(reverse("home"))
    assert response.context["referrals_home"] == {
        "inbox": {"pending": 2, "overdue": 1, "accepted": 0}
    }
    assert 'data-testid="home-referrals"' in response.text
    response = client_for(client, alice).get(reverse("home"))
    assert response.context["referrals_home"]["outbox"] == {
        "pending": 2,
        "overdue": 1,
        "accepted": 0,
    }


def test_office_supervisors_get_the_block_and_the_province_does_not(client, sari, prov, to_rsud):
    response = client_for(client, sari).get(reverse("home"))
    assert response.context["referrals_home"]["outbox"]["pending"] == 1
    assert 'data-testid="home-referrals"' in response.text
    response = client_for(client, prov).get(reverse("home"))
    assert response.context["referrals_home"] is None


@pytest.mark.parametrize(
    ("since", "listed"),
    [
        ("0001-01-01T00:00:00", True),  # before year 1 once shifted to UTC
        ("9999-12-31T23:59:59", False),
        ("2000-01-01T00:00:00", True),
    ],
)
def test_an_extreme_updated_since_filters_instead_of_failing(client, alice, to_rsud, since, listed):
    response = client_for(client, alice).get(reverse("referrals:outbox"), {"updated_since": since})
    assert response.status_code == 200
    assert (to_rsud.number in response.text) is listed


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("bob", True),  # sender
        ("budi", True),  # sender's supervisor
        ("agnes", True),  # receiving agency
        ("prov", True),
        ("sari", False),  # supervisor of the regency the agency sits in: not a party
        ("alice", False),
        ("adam", False),
    ],
)
def test_a_referral_to_an_agency_is_not_shown_to_the_agencys_regency_office(
    client, request, orgs, bob, persona, sees
):
    """Balikpapan asks RSUD (in Samarinda) for a service: Samarinda's Dinsos owns
    nothing in it, so its supervisor must not see the person's identity."""
    referral = send(bob, make_case(orgs["balikpapan"], assigned_to=bob), orgs["rsud"])
    user = request.getfixturevalue(persona)
    for page in ("referrals:detail", "referrals:letter"):
        response = client_for(client, user).get(reverse(page, args=[referral.pk]))
        assert response.status_code == (200 if sees else 404), (page, persona)
    assert Referral.objects.visible_to(user).filter(pk=referral.pk).exists() is sees


def test_a_referral_to_an_office_of_the_regency_is_shown_to_its_supervisor(client, orgs, bob, sari):
    from accounts.factories import OrganizationFactory

    uptd = OrganizationFactory(code="uptd-samarinda", kind="uptd", region=orgs["samarinda"].region)
    referral = send(bob, make_case(orgs["balikpapan"], assigned_to=bob), uptd)
    response = client_for(client, sari).get(reverse("referrals:detail", args=[referral.pk]))
    assert response.status_code == 200


def test_the_administrator_publishes_an_offer_in_the_admin(client, orgs, regions):
    from accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.invalid", "x", role="admin")
    client.force_login(admin)
    response = client.post(
        "/admin/referrals/serviceoffer/add/",
        {
            "organization": orgs["rsud"].pk,
            "service_type": ServiceType.objects.get(code="health").pk,
            "name": "Poli jiwa RSUD",
            "regencies": [regions["64.72"].pk],
            "capacity_total": "10",
            "capacity_free": "4",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors
    offer = ServiceOffer.objects.get(name="Poli jiwa RSUD")
    assert (offer.organization, offer.capacity_free) == (orgs["rsud"], 4)
    assert client.get("/admin/referrals/serviceoffer/?q=RSUD").status_code == 200


def test_an_offer_without_a_capacity_limit_has_no_capacity_form(client, agnes, offers):
    """Its row used to show "0" in the input: saving it would have marked the clinic full."""
    client_for(client, agnes)
    html = client.get(reverse("referrals:directory")).text
    clinic = offers["clinic"]
    assert "tanpa batas kapasitas" in html
    assert reverse("referrals:offer_capacity", args=[clinic.pk]) not in html

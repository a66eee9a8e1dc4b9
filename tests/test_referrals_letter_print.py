"""The printed surat rujukan keeps its signature on the page of its last paragraph
(issue 15): printed to PDF by Chromium, read back with pypdf.

The body grows line by line, so that for some lengths the signature block would
no longer fit under the closing paragraph; static/css/letter.css then moves the
closing paragraph and the signature to the next page together.
"""

import pytest
from django.urls import reverse
from pypdf import PdfReader

from conftest import login
from referrals.models import Referral
from referrals.testing import make_case, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLOSING = "Mohon tanggapan paling lambat"
SIGNED = "Pengirim,"


def page_of(pages: list[str], text: str) -> int:
    found = [number for number, content in enumerate(pages, start=1) if text in content]
    assert len(found) == 1, (text, found)
    return found[0]


def printed_pages(page, url: str, tmp_path) -> list[str]:
    page.goto(url)
    path = tmp_path / "letter.pdf"
    page.pdf(path=str(path), format="A4", prefer_css_page_size=True)
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]


def test_the_signature_prints_on_the_page_of_the_last_paragraph(page, alice, orgs, tmp_path):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    referral = send(alice, case, orgs["rsud"])
    login(page, "alice")
    url = page.base_url + reverse("referrals:letter", args=[referral.pk])
    closing_pages = set()
    for lines in range(0, 48, 4):
        summary = "\n".join(f"Catatan kunjungan nomor {n}: keadaan keluarga." for n in range(lines))
        Referral.objects.filter(pk=referral.pk).update(shared_summary=summary or "-")
        pages = printed_pages(page, url, tmp_path)
        closing, signature = page_of(pages, CLOSING), page_of(pages, alice.display_name)
        assert closing == signature == page_of(pages, SIGNED), (lines, closing, signature)
        closing_pages.add(closing)
    # The sweep crossed a page boundary: the closing printed on two different pages.
    assert len(closing_pages) >= 2, closing_pages

"""Phones and accessibility (issue 15), in real Chromium.

Every persona's pages (those the navigation reaches, plus the main detail pages and
forms) are opened at a desktop width (1280 × 800) and a phone width (360 × 740):

- axe-core (vendored in tests/vendor/axe-core/, MPL-2.0) finds no serious or
  critical violation; the <details> on a page are opened first, so the forms
  folded inside them (note, assessment, service, closure) are checked too;
- at 360 px the page does not scroll sideways, and every button, field and
  navigation link is at least 44 px high (a thumb's tap target);
- the skip link "Langsung ke isi" is the first thing Tab reaches and moves the
  focus to <main>;
- on a phone the navigation is one menu button that opens and closes
  (aria-expanded), with the mouse and with the keyboard (Enter, Escape).

One browser context per persona; each page is loaded once per width.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from cases.models import Case, PmksCategory, ServiceType
from cases.services.closure import case_request_closure
from cases.services.delivery import assessment_record
from cases.services.timeline import case_add_note
from conftest import login
from plans.services import plan_create
from plans.testing import approved, submitted
from referrals.models import ServiceOffer
from referrals.testing import make_case, send
from stats.factories import edge_cases
from stats.rollup import rebuild, take_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}
TAP_TARGET = 44  # px, WCAG 2.5.5 (AAA) and the platforms' guidelines

# Opens every <details>, then runs axe and keeps the serious and critical findings.
RUN_AXE = """async () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: '
                                                   + (n.failureSummary || '').slice(0, 160))}));
}"""

# Visible controls lower than a tap target (inline links in running text are exempt); a
# check box or radio button counts by its label, which is its tap target.
SMALL_TARGETS = """(minimum) => Array.from(document.querySelectorAll(
    'button, .button, select, textarea, summary, nav a,'
    + ' input:not([type=hidden]):not([type=checkbox]):not([type=radio]),'
    + ' .check label, label:has(> input[type=checkbox]), label:has(> input[type=radio])'))
  .filter(e => e.offsetParent !== null && !e.closest('.visually-hidden'))
  .filter(e => e.getBoundingClientRect().height < minimum - 0.5)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "'
            + (e.innerText || e.name || '').trim().slice(0, 30) + '" '
            + Math.round(e.getBoundingClientRect().height) + 'px')"""


# --- data ------------------------------------------------------------------------


@pytest.fixture
def world(orgs, alice, sari, prov, agnes) -> dict[str, Any]:
    """Enough rows that no list is empty: alice's cases with notes and an
    assessment, a closure waiting for sari, referrals to RSUD (agnes), an RSUD
    service offer with a capacity, and the statistics built once."""
    edge_cases(orgs, alice)  # cases across offices, districts, ages, referrals
    case = make_case(
        orgs["samarinda"],
        assigned_to=alice,
        primary_category=PmksCategory.objects.get(code="PMKS11"),
        summary="Ditinggal suami, tanpa penghasilan.",
    )
    case_add_note(actor=alice, case=case, text="Kunjungan rumah pertama.")
    assessment_record(actor=alice, case=case, needs=["shelter"], risk_level="high")
    approved(alice, sari, case)  # the case page's plan and the closure form's goals
    plan_create(actor=alice, case=case)  # a revision in draft: the plan page's forms
    referral = send(alice, case, orgs["rsud"])
    waiting = make_case(orgs["samarinda"], assigned_to=alice)
    submitted(alice, waiting)  # a plan for sari to approve
    case_request_closure(actor=alice, case=waiting, closure_reason="goals_met")
    offer = ServiceOffer.objects.create(
        organization=orgs["rsud"],
        service_type=ServiceType.objects.get(code="health"),
        name="Poli jiwa",
        capacity_total=10,
        capacity_free=3,
    )
    offer.regencies.add(orgs["samarinda"].region)
    take_snapshot()
    rebuild(trigger="test")
    return {
        "case": case,
        "referral": referral,
        "beneficiary": case.beneficiary,
        "waiting": waiting,
    }


def pages_of(persona: str, world: dict[str, Any]) -> list[str]:
    """The pages each persona is checked on besides those of the navigation."""
    case = world["case"]
    referral = world["referral"]
    person = world["beneficiary"]
    common = [reverse("home"), reverse("referrals:inbox"), reverse("referrals:notifications")]
    office = [
        reverse("cases:case_list"),
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:beneficiary_list"),
        reverse("cases:beneficiary_detail", args=[person.pk]),
        reverse("referrals:outbox"),
        reverse("referrals:detail", args=[referral.pk]),
    ]
    regency = Case.objects.get(pk=case.pk).regency.code
    by_persona = {
        "alice": office
        + [
            reverse("cases:beneficiary_register"),
            reverse("cases:case_create_for", args=[person.pk]),
            reverse("cases:case_edit", args=[case.pk]),
            reverse("referrals:create", args=[case.pk]),
            reverse("referrals:directory"),
            reverse("referrals:letter", args=[referral.pk]),
            reverse("cases:case_file", args=[case.pk]),
            reverse("accounts:password_change"),
            reverse("accounts:two_factor_setup"),
            reverse("offline:shell"),
            reverse("offline:queue"),
            reverse("plans:plan_page", args=[case.pk]),
            reverse("plans:plan_version", args=[case.pk, 1]),
        ],
        "sari": office
        + [
            reverse("cases:approval_queue"),
            reverse("stats:dashboard"),
            reverse("plans:approval_queue"),
            reverse("plans:plan_page", args=[world["waiting"].pk]),
        ],
        "prov": [
            reverse("cases:case_list"),
            reverse("cases:approval_queue"),
            reverse("plans:approval_queue"),
            reverse("referrals:all"),
            reverse("stats:province"),
            reverse("stats:regency", args=[regency]),
        ],
        "agnes": [
            reverse("referrals:detail", args=[referral.pk]),
            reverse("referrals:directory"),
        ],
    }
    return common + by_persona[persona]


# --- checks ----------------------------------------------------------------------


def problems_at(page: Page, width: str) -> list[str]:
    """What is wrong with the page as it is now shown."""
    found = [
        f"{width}: axe {v['impact']} {v['id']} ({v['help']}): {v['nodes']}"
        for v in page.evaluate(RUN_AXE)
    ]
    if width == "phone":
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll_width > PHONE["width"]:
            found.append(f"phone: the page scrolls sideways ({scroll_width} px wide)")
        found += [
            f"phone: tap target too small: {e}" for e in page.evaluate(SMALL_TARGETS, TAP_TARGET)
        ]
    return found


def check_skip_link(page: Page) -> list[str]:
    """The first Tab stop is "Langsung ke isi", and following it focuses <main>."""
    # Tab from the very top of the page (a field with autofocus may hold the focus).
    page.evaluate(
        """() => { const start = document.createElement('span'); start.id = 'tab-start';
                   start.tabIndex = -1; document.body.prepend(start); start.focus(); }"""
    )
    page.keyboard.press("Tab")
    page.evaluate("() => document.getElementById('tab-start').remove()")
    first = page.evaluate(
        "() => [document.activeElement.innerText.trim(), document.activeElement.tagName]"
    )
    if first[0] != "Langsung ke isi":
        return [f"the first Tab stop is {first!r}, not the skip link"]
    expect(page.locator(":focus")).to_be_visible()
    page.keyboard.press("Enter")
    focused = page.evaluate("() => document.activeElement.tagName")
    return [] if focused == "MAIN" else [f"the skip link moves the focus to {focused}, not MAIN"]


def check_pages(page: Page, paths: list[str]) -> list[str]:
    """Each path once: desktop then phone, on the same load."""
    page.add_init_script(path=str(AXE))  # before the page's own scripts, on every load
    found = []
    for path in paths:
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        found += [f"{path} {problem}" for problem in check_skip_link(page)]
        found += [f"{path} {problem}" for problem in problems_at(page, "desktop")]
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(100)  # let resize observers (charts) settle
        found += [f"{path} {problem}" for problem in problems_at(page, "phone")]
    return found


@contextlib.contextmanager
def persona_page(chromium, live_server) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """A fresh context (its own cookies) with one page, as conftest's `page` fixture
    makes it: on the live server, in Indonesian and WITA, CSP violations fail."""
    context = chromium.new_context(
        base_url=live_server.url, locale="id-ID", timezone_id="Asia/Makassar"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        yield page
        settle(page)
    finally:
        context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"


def settle(page: Page) -> None:
    """Let the page's late requests (the notification badge loads 1 s after the page)
    end before the live server's database is flushed; a page that polls is closed
    anyway."""
    page.wait_for_timeout(1200)
    with contextlib.suppress(Exception):
        page.wait_for_load_state("networkidle", timeout=5_000)


def check_cards(row) -> None:  # type: ignore[no-untyped-def]
    """At phone width a row of a table.cards is a card as wide as the screen at most,
    each value on a line of its own under its column's name (td::before)."""
    box = row.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    cells = row.locator("td").evaluate_all(
        "cells => cells.map(c => [getComputedStyle(c).display, c.dataset.label || ''])"
    )
    assert ["grid", "Pekerja sosial"] in cells, cells
    assert all(display != "table-cell" for display, _ in cells), cells
    wrap = row.locator("xpath=ancestor::div[contains(@class, 'table-wrap')]")
    assert not wrap.evaluate("w => w.scrollWidth > w.clientWidth")


# --- tests -----------------------------------------------------------------------


def test_the_login_page_passes_axe_and_fits_a_phone(page):
    found = check_pages(page, [reverse("accounts:login")])
    assert found == [], "\n".join(found)


def test_every_page_of_every_persona_passes_axe_and_fits_a_phone(chromium, live_server, world):
    """One browser context per persona (the caseworker, the office supervisor, the
    province supervisor, the agency's staff), all on the same data."""
    found = []
    for persona in ("alice", "sari", "prov", "agnes"):
        with persona_page(chromium, live_server) as page:
            login(page, persona)
            # Every page of the persona's navigation, then the detail pages and forms.
            navigation = page.eval_on_selector_all(
                "nav.main-nav a", "links => links.map(a => a.getAttribute('href'))"
            )
            assert len(navigation) >= 2, navigation
            paths = list(dict.fromkeys(navigation + pages_of(persona, world)))
            found += [f"{persona} {problem}" for problem in check_pages(page, paths)]
    assert found == [], "\n".join(found)


def test_on_a_phone_one_menu_button_and_the_cases_as_cards(page, orgs, alice):
    make_case(orgs["samarinda"], assigned_to=alice)
    login(page, "alice")
    page.set_viewport_size(PHONE)
    page.goto(reverse("cases:case_list"))
    header = page.locator("header")
    menu = header.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Navigasi utama")
    # One button; the links, the language and "Keluar" are folded behind it.
    expect(menu).to_be_visible()
    assert [b.inner_text() for b in header.get_by_role("button").all() if b.is_visible()] == [
        "Menu"
    ]
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert header.bounding_box()["height"] <= 64  # one row, not three

    menu.click()  # the mouse
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="Kasus")).to_have_attribute("aria-current", "page")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.focus()  # the keyboard: Enter opens, Tab walks in, Escape closes and returns
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    page.keyboard.press("Tab")
    home = nav.get_by_role("link", name="Beranda")
    expect(home).to_be_focused()
    assert home.evaluate("a => parseFloat(getComputedStyle(a).outlineWidth)") >= 2  # visible focus
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    expect(menu).to_have_attribute("aria-expanded", "false")

    # The case list is a stack of cards, not a clipped table.
    row = page.get_by_test_id("case-table").locator("tbody tr").first
    check_cards(row)

    # On a desktop there is no menu button: the navigation is in the header, and
    # the case list is a table again.
    page.set_viewport_size(DESKTOP)
    expect(menu).to_be_hidden()
    expect(nav).to_be_visible()
    assert row.locator("td").first.evaluate("c => getComputedStyle(c).display") == "table-cell"
    settle(page)

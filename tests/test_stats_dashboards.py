"""Supervisor dashboards: who sees what, what they show, that they read only the
summary tables (fixed query count), self-refresh, filters and exports."""

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from stats.factories import edge_cases, ensure_districts, make_case
from stats.generate import generate
from stats.models import RebuildRun
from stats.rollup import rebuild
from stats.selectors import summary_for

pytestmark = pytest.mark.django_db


PROVINCE = "/statistik/provinsi/"
SAMARINDA = "/statistik/kabupaten/64.72/"
BALIKPAPAN = "/statistik/kabupaten/64.71/"
TABLES = [
    "by_area",
    "by_category",
    "by_status",
    "age_sex",
    "trend",
    "daily",
    "beneficiaries",
    "households",
    "flow",
    "referral_status",
    "sla",
    "services",
]


@pytest.fixture
def built(orgs, alice):
    ensure_districts()
    made = edge_cases(orgs, alice)
    make_case(orgs["samarinda"], category="PMKS11", priority="urgent")
    make_case(
        orgs["samarinda"], category="PMKS11", status="closed", closed_at=made["age_4"].opened_at
    )
    from stats.rollup import take_snapshot

    take_snapshot()
    rebuild(trigger="test")
    return made


class TableParser(HTMLParser):
    """Cells of every <table data-table="..."> (text, links) and the headline figures."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, list[str]] = {}
        self.headline: dict[str, str] = {}
        self._table = None
        self._row = None
        self._cell = None
        self._figure = None
        self._in_value = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = attrs["data-table"]
            self.tables[self._table] = []
            self.links[self._table] = []
        elif self._table and tag == "tr":
            self._row = []
        elif self._table and self._row is not None and tag in ("td", "th"):
            self._cell = ""
        elif self._table and tag == "a" and self._cell is not None:
            self.links[self._table].append(attrs["href"])
        testid = attrs.get("data-testid", "")
        if testid.startswith("headline-"):
            self._figure = testid.removeprefix("headline-")
        if self._figure and tag == "span" and attrs.get("class") == "value":
            self._in_value = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "span" and self._in_value:
            self._in_value = False
            self._figure = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in_value:
            self.headline[self._figure] = data.strip()


def parse(response) -> TableParser:
    parser = TableParser()
    parser.feed(response.content.decode())
    return parser


def as_exported(text: str) -> str:
    """A page cell as the export writes it: no dash for empty, a decimal point."""
    if text == "–":
        return ""
    if re.fullmatch(r"-?\d+,\d", text):
        return text.replace(",", ".")
    return text


def as_value(cell):
    """Compare spreadsheet cells by value (a workbook stores 50.0 as the number 50)."""
    if cell is None or cell == "":
        return ""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return str(cell)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "location"),
    [
        ("prov", 302, PROVINCE),
        ("sari", 302, SAMARINDA),
        ("budi", 302, BALIKPAPAN),
        ("alice", 404, None),  # caseworker
        ("agnes", 404, None),  # agency staff
    ],
)
def test_the_dashboard_link_sends_each_supervisor_to_their_page(
    client, request, persona, status, location
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("stats:dashboard"))
    assert response.status_code == status
    if location:
        assert response["Location"] == location


@pytest.mark.parametrize(
    ("persona", "province", "samarinda", "balikpapan"),
    [
        ("prov", 200, 200, 200),  # provincial supervisor: all, drills down
        ("sari", 404, 200, 404),  # office supervisor, Samarinda: only Samarinda
        ("budi", 404, 404, 200),
        ("alice", 404, 404, 404),  # caseworkers: no dashboards
        ("bob", 404, 404, 404),
        ("agnes", 404, 404, 404),  # agency staff: none either
        ("adam", 404, 404, 404),
    ],
)
def test_who_may_open_which_dashboard_and_export(
    client, request, built, persona, province, samarinda, balikpapan
):
    client.force_login(request.getfixturevalue(persona))
    for url, expected in ((PROVINCE, province), (SAMARINDA, samarinda), (BALIKPAPAN, balikpapan)):
        assert client.get(url).status_code == expected, url
        assert client.get(f"{url}unduh/by_area.csv").status_code == expected, url
        assert client.get(f"{url}unduh/sla.xlsx").status_code == expected, url


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(PROVINCE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_regency_code_is_404(client, prov):
    client.force_login(prov)
    assert client.get("/statistik/kabupaten/64.99/").status_code == 404
    assert client.get("/statistik/kabupaten/64/").status_code == 404  # the province


# --- content --------------------------------------------------------------------------------


def test_the_province_page_shows_headline_figures_and_freshness(client, prov, built):
    client.force_login(prov)
    response = client.get(PROVINCE)
    page = parse(response)
    summary = response.context["summary"]
    assert page.headline == {key: str(summary["headline"][key]) for key in page.headline}
    assert set(page.headline) == {
        "open_cases",
        "new_this_month",
        "closed_this_month",
        "pending_referrals",
        "overdue_referrals",
        "households_reached",
    }
    # 9 cases in all: 3 closed (one of them reopened since) → 7 open.
    assert page.headline["open_cases"] == "7"
    assert page.headline["overdue_referrals"] == "1"
    run = RebuildRun.objects.get()
    from django.utils import timezone

    assert f"Data per {timezone.localtime(run.computed_at):%H:%M} WITA" in response.content.decode()
    assert set(page.tables) == set(TABLES)


def test_the_province_table_lists_every_regency_and_drills_down(client, prov, built):
    client.force_login(prov)
    page = parse(client.get(PROVINCE))
    rows = page.tables["by_area"][1:]
    assert [row[0] for row in rows] == [
        "64.01",
        "64.02",
        "64.03",
        "64.07",
        "64.08",
        "64.09",
        "64.11",
        "64.71",
        "64.72",
        "64.74",
    ]
    assert f"{SAMARINDA}" in page.links["by_area"]
    samarinda = next(row for row in rows if row[0] == "64.72")
    balikpapan = next(row for row in rows if row[0] == "64.71")
    # open cases: the transferred case counts in Balikpapan now.
    assert (samarinda[2], balikpapan[2]) == ("4", "3")


def test_the_regency_page_counts_by_kecamatan(client, sari, built):
    client.force_login(sari)
    page = parse(client.get(SAMARINDA))
    rows = {row[1]: row for row in page.tables["by_area"][1:]}
    assert set(rows) >= {"Palaran", "Samarinda Seberang"}
    assert rows["Palaran"][2] == "1"  # the reopened case; the transferred one left
    assert rows["Kecamatan lain/tidak diketahui"][2] == "3"  # no kecamatan recorded
    assert page.headline["open_cases"] == "4"


def test_the_regency_page_shows_only_its_own_referrals(client, sari, budi, built):
    client.force_login(budi)
    flows = {row[0]: row for row in parse(client.get(BALIKPAPAN)).tables["flow"][1:]}
    # Balikpapan sent one referral to UPTD PPA (in Balikpapan) and one transfer to Samarinda.
    assert flows["64.71"][2] == "1"
    assert flows["64.72"][2] == "1"
    client.force_login(sari)
    sla = parse(client.get(SAMARINDA)).tables["sla"][1:]
    assert {row[0] for row in sla} == {"RSUD Abdul Wahab Sjahranie", "Dinas Sosial Kota Samarinda"}


def test_each_chart_has_its_table(client, prov, built):
    client.force_login(prov)
    html = client.get(PROVINCE).content.decode()
    charts = re.findall(r'data-chart="chart-data-([a-z_]+)"', html)
    assert set(charts) == {
        "by_area",
        "by_category",
        "by_status",
        "age_sex",
        "trend",
        "daily",
        "sla",
        "services",
    }
    for key in charts:
        block = html.split(f'data-testid="block-{key}"')[1].split("</section>")[0]
        assert f'id="chart-data-{key}"' in block and f'data-table="{key}"' in block
    data = json.loads(html.split('id="chart-data-trend" type="application/json">')[1].split("<")[0])
    assert len(data["labels"]) == 12 and data["type"] == "line"
    assert "vendor/chartjs/chart.umd.min.js" in html  # data-chart-library: loaded after parsing


def test_filters_by_period_and_category(client, prov, built):
    client.force_login(prov)
    response = client.get(PROVINCE, {"period": "month", "category": "PMKS01"})
    page = parse(response)
    assert [row[0] for row in page.tables["by_category"][1:]] == ["PMKS01"]
    assert page.headline["open_cases"] == "2"  # the two small children
    assert response.context["summary"]["period"]["key"] == "month"
    # Unknown values fall back to the defaults instead of failing.
    response = client.get(PROVINCE, {"period": "decade", "category": "NOPE"})
    assert response.status_code == 200
    assert response.context["summary"]["period"]["key"] == "12m"
    assert response.context["summary"]["category"] is None


def test_the_page_before_any_rebuild_says_so(client, prov, orgs):
    client.force_login(prov)
    html = client.get(PROVINCE).content.decode()
    assert "Statistik belum pernah dihitung." in html


# --- live refresh ---------------------------------------------------------------------------


def test_the_page_polls_a_fragment_that_answers_204_until_new_figures_exist(
    client, prov, built, orgs
):
    client.force_login(prov)
    page = client.get(PROVINCE, {"period": "3m"}).content.decode()
    poll = re.search(r'hx-get="([^"]+)" hx-trigger="every 60s"', page).group(1)
    poll = poll.replace("&amp;", "&")
    assert "fragment=1" in poll and "period=3m" in poll
    assert client.get(poll).status_code == 204  # nothing new
    make_case(orgs["samarinda"])
    rebuild(trigger="test")
    fresh = client.get(poll)
    assert fresh.status_code == 200
    html = fresh.content.decode()
    assert html.lstrip().startswith('<div id="stats-live"') and "<html" not in html
    assert parse(fresh).headline["open_cases"] == "8"


# --- reads only the summary tables ------------------------------------------------------------


@pytest.mark.parametrize("cases", [20, 200])
@pytest.mark.parametrize(("url", "queries"), [(PROVINCE, 12), (SAMARINDA, 13)])
def test_the_query_count_does_not_grow_with_the_number_of_cases(
    client, prov, orgs, django_assert_num_queries, cases, url, queries
):
    ensure_districts()
    generate(cases=cases, seed=3, batch_size=100)
    rebuild(trigger="test")
    client.force_login(prov)
    client.get(url)  # warm up: the session's first write
    # the session (db backend, issue 13), the user with their organization [+ the
    # regency by code], categories, the latest run, regions; then one query per
    # summary table read (UNION ALL of the
    # blocks it serves): cases by area×status and by category×status; flows in the
    # period by area and by category with the 12-month trend; referral flows,
    # referrals by status×kind and the pending/overdue headline; open cases by age×sex
    # with beneficiaries by area×sex; daily snapshots; SLA by organization; services
    # by type×status.
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_the_dashboard_never_reads_the_live_tables(client, prov, built):
    client.force_login(prov)
    client.get(PROVINCE)
    with CaptureQueriesContext(connection) as queries:
        client.get(SAMARINDA)
        client.get(f"{PROVINCE}unduh/flow.csv")
    live = re.compile(r'"(cases_(case|beneficiary|caseevent|servicedelivery)|referrals_\w+)"')
    touched = [q["sql"] for q in queries if live.search(q["sql"])]
    assert touched == []


# --- exports --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "persona", "query"),
    [
        (PROVINCE, "prov", {}),
        (SAMARINDA, "sari", {"period": "all"}),
        (PROVINCE, "prov", {"period": "month", "category": "PMKS01"}),
    ],
)
def test_exports_contain_what_the_page_shows(client, request, built, url, persona, query):
    client.force_login(request.getfixturevalue(persona))
    page = parse(client.get(url, query))
    assert set(page.tables) == set(TABLES)
    for table in TABLES:
        shown = page.tables[table]
        header, rows = shown[0], shown[1:]
        if rows == [["Belum ada data."]]:
            rows = []
        expected = [header] + [[as_exported(cell) for cell in row] for row in rows]

        response = client.get(f"{url}unduh/{table}.csv", query)
        assert response["Content-Type"].startswith("text/csv")
        exported = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert exported == expected, table

        response = client.get(f"{url}unduh/{table}.xlsx", query)
        assert "attachment" in response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        cells = [[as_value(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        assert cells == [[as_value(cell) for cell in row] for row in expected], table


def test_an_unknown_table_or_format_is_404(client, prov, built):
    client.force_login(prov)
    assert client.get(f"{PROVINCE}unduh/nothing.csv").status_code == 404
    assert client.get(f"{PROVINCE}unduh/flow.pdf").status_code == 404


def test_the_xlsx_says_what_it_is_and_how_fresh(client, prov, built):
    client.force_login(prov)
    response = client.get(f"{SAMARINDA}unduh/trend.xlsx", {"category": "PMKS11"})
    about = dict(
        load_workbook(io.BytesIO(response.content))["Keterangan"].iter_rows(values_only=True)
    )
    assert about["Wilayah"] == "Kota Samarinda"
    assert about["Kategori PMKS"] == "Gelandangan"
    assert about["Data per"].endswith("WITA")


# --- the selector the API serializes --------------------------------------------------------


def test_summary_for_returns_plain_data_within_the_user_scope(prov, sari, alice, built):
    summary = summary_for(prov, regency_code="64.72", period="all", category="PMKS11")
    assert json.loads(json.dumps(summary)) == summary  # plain data, nothing to convert
    assert summary["scope"]["regency"] == {"code": "64.72", "name": "Kota Samarinda"}
    assert summary_for(sari)["scope"]["regency"]["code"] == "64.72"  # own regency by default
    with pytest.raises(Http404):
        summary_for(sari, regency_code="64.71")
    with pytest.raises(Http404):
        summary_for(alice)
    with pytest.raises(ValidationError):
        summary_for(prov, period="decade")
    with pytest.raises(ValidationError):
        summary_for(prov, category="NOPE")


def test_a_supervisor_home_leads_to_the_dashboard(client, sari, alice):
    client.force_login(sari)
    html = client.get("/").content.decode()
    assert 'data-testid="home-stats"' in html and f'href="{reverse("stats:dashboard")}"' in html
    client.force_login(alice)
    assert 'data-testid="home-stats"' not in client.get("/").content.decode()

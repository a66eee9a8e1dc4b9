"""The benchmark's own logic (bench/run.py): percentiles, budget verdicts, the
note it rewrites, and one measurement through the full stack with the empty view.
The benchmark itself runs against scale databases (`make bench`), not here."""

from __future__ import annotations

import pytest

from bench import run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        ([5.0], 95, 5.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.0),
        ([float(n) for n in range(1, 101)], 95, 95.0),
        ([float(n) for n in range(1, 21)], 95, 19.0),
        ([], 50, None),
    ],
)
def test_percentile_is_the_nearest_rank(values, pct, expected):  # type: ignore[no-untyped-def]
    assert run.percentile(values, pct) == expected


def result(kind: str, p95: float) -> run.Result:
    return run.Result("x", kind, timings=[p95])


@pytest.mark.parametrize(
    ("kind", "small", "large", "expected"),
    [
        ("page", 40.0, 100.0, "ok"),
        ("page", 60.0, 160.0, "OVER: > 150.0"),
        ("page", 20.0, 100.0, "OVER: > 3× small"),
        ("list", 10.0, 49.0, "OVER: > 3× small"),
        ("nik", 5.0, 12.0, "ok"),
        ("nik", 5.0, 25.0, "OVER: > 20.0, > 3× small"),
        ("reference", 1.0, 999.0, ""),
    ],
)
def test_verdicts_apply_the_issue_budgets(kind, small, large, expected):  # type: ignore[no-untyped-def]
    assert run.verdict(kind, result(kind, small), result(kind, large), None) == expected


def test_the_rebuild_must_stay_within_twice_the_raw_aggregate():
    raw = result("reference", 4_000.0)
    assert run.verdict("rebuild", None, result("rebuild", 7_000.0), raw) == "ok"
    assert run.verdict("rebuild", None, result("rebuild", 9_000.0), raw) == (
        "OVER: > 2× raw aggregate"
    )
    assert run.verdict("rebuild", None, result("rebuild", 16_000.0), None) == "OVER: > 15.00 s"


def test_the_note_keeps_what_is_written_around_the_markers(tmp_path):  # type: ignore[no-untyped-def]
    note = tmp_path / "PERFORMANCE.md"
    run.write_note(note, "first table")
    text = note.read_text()
    assert text.startswith("# Performance at province scale")
    assert "first table" in text
    note.write_text(text + "\n## Findings\n\nHand-written analysis.\n")
    run.write_note(note, "second table")
    text = note.read_text()
    assert "second table" in text
    assert "first table" not in text
    assert text.endswith("## Findings\n\nHand-written analysis.\n")
    assert text.count(run.MARK_START) == 1


def test_it_measures_the_empty_view_through_the_middleware(settings, alice):  # type: ignore[no-untyped-def]
    from django.test import Client

    settings.ROOT_URLCONF = "bench.urls"
    client = Client()
    client.force_login(alice)
    bench = run.Bench(repeat=4, warmup=1, only=None)
    bench.measure(
        "empty", "reference", lambda: run.get_each(client, lambda i: run.url_for("bench_empty"))
    )
    [measured] = bench.results
    assert measured.error == ""
    assert len(measured.timings) == 4
    # The session (db backend, issue 13) and the user with their organization.
    assert measured.queries == 2


def test_a_missing_url_is_reported_not_available(settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = "bench.urls"
    bench = run.Bench(repeat=2, warmup=0, only=None)
    bench.measure("nothing", "page", lambda: run.url_for("nowhere:nothing"))
    assert bench.results[0].error == "not available: URL nowhere:nothing does not exist"

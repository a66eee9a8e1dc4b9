"""Statistics for the demo: built once the demo data is seeded (seed_demo calls this last)."""

from django.utils import timezone

from stats.rollup import rebuild, take_snapshot


def seed_statistics() -> str:
    """Rebuild the summary tables and record today's snapshot; returns a line to print."""
    result = rebuild(trigger="seed")
    assert result is not None  # waits for the lock
    snapshot_rows = take_snapshot(timezone.localdate())
    return (
        f"Statistics built: {result.total_rows} summary rows in {result.duration_ms} ms, "
        f"daily snapshot {snapshot_rows} rows."
    )

"""Beat's periodic jobs catch up without doubling after a worker outage: beat keeps
publishing while the worker is stopped, so every job on an interval expires before its
next run is due (the worker back runs it once, not once per missed interval). The daily
snapshot never expires (late rather than never) and replaces its own day, tested in
tests/test_stats_rollup.py; the overdue job tells nobody twice (tests/test_referrals_sla.py)."""

from datetime import timedelta

from django.conf import settings


def test_every_interval_job_expires_before_its_next_run():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if not isinstance(entry["schedule"], timedelta):
            continue
        expires = entry.get("options", {}).get("expires")
        assert expires is not None, f"{name}: a run queued behind a stopped worker would pile up"
        assert 0 < expires < entry["schedule"].total_seconds(), name


def test_the_daily_snapshot_is_not_dropped_when_the_worker_is_late():
    entry = settings.CELERY_BEAT_SCHEDULE["stats-daily-snapshot"]
    assert not isinstance(entry["schedule"], timedelta)
    assert "expires" not in entry.get("options", {})

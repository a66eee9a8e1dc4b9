"""Database settings chosen for performance at province scale (docs/PERFORMANCE.md)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_web_connections_run_without_jit():
    # JIT compilation added 150-200 ms to misestimated queries at 1M rows (G1).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

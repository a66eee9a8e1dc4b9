"""Static files after `collectstatic` (issue 15, weight on a slow link): hashed names,
cached for a year, compressed; before it (this suite, `make run`) the plain names.

The collected case runs in its own process, as `make serve` does: collectstatic into
a fresh STATIC_ROOT, then whitenoise (started after it) answers the requests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.templatetags.static import static

from pmks.testing import ROOT

SCRIPT = r"""
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "pmks.settings"
django.setup()
from django.core.management import call_command
call_command("collectstatic", "--noinput", verbosity=0)
from django.templatetags.static import static
from django.test import Client
client = Client()
hashed = static("css/app.css")
answer = client.get(hashed, HTTP_ACCEPT_ENCODING="gzip, br")
plain = client.get("/static/css/app.css")
print(json.dumps({
    "hashed": hashed,
    "status": answer.status_code,
    "cache": answer.get("Cache-Control", ""),
    "encoding": answer.get("Content-Encoding", ""),
    "plain_cache": plain.get("Cache-Control", ""),
    "js": static("js/app.js"),
}))
"""


def test_collected_static_files_are_hashed_compressed_and_cached_for_a_year(tmp_path: Path):
    env = {
        **os.environ,
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECRET_KEY": "test-only",
        "DEBUG": "False",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["hashed"].startswith("/static/css/app.") and seen["hashed"] != "/static/css/app.css"
    assert seen["js"] != "/static/js/app.js"
    assert seen["status"] == 200
    assert "immutable" in seen["cache"] and "max-age=315360000" in seen["cache"]
    assert seen["encoding"] in ("gzip", "br")
    assert "immutable" not in seen["plain_cache"]  # a plain name may change: short cache


def test_without_collectstatic_the_plain_names_are_linked():
    # The suite never collects: the storage falls back instead of failing.
    assert static("css/app.css") == "/static/css/app.css"

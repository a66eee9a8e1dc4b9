"""Settings for `make mutants` only (pyproject.toml [tool.mutmut]): the project's
settings, with the SQLite test database kept in a file so that `--reuse-db` migrates
it once, not once per mutant (a fresh in-memory database costs ~15 s of migrations
for every one of the several hundred mutants)."""

from pmks.settings import *  # noqa: F403
from pmks.settings import BASE_DIR, DATABASES, IS_POSTGRES

if not IS_POSTGRES:
    # Beside the mutated copy (mutants/ is the BASE_DIR there), so `make mutants`,
    # which starts from an empty mutants/, also starts from a fresh database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "mutants-test.sqlite3")}

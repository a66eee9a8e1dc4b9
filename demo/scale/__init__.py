"""Province-scale demo data: N beneficiaries with households, cases, timelines,
assessments, services and referrals, generated fast and reproducibly.

    manage.py seed_demo --scale 1000000 --seed 1

How it stays fast: names, streets and sentences are drawn once from Faker id_ID
into pools and combined with one `random.Random(seed)`; rows are built in Python
and, on PostgreSQL, streamed into the tables with `COPY ... FROM STDIN` in chunks,
with ids taken from the sequences (which are moved past them at the end). At
large N the non-unique indexes and the foreign keys of the loaded tables are
dropped for the load and recreated (and so re-validated by PostgreSQL) in the
same transaction, then checked against the model state. On SQLite the rows are
inserted with executemany (small N only).

Robust to new fields: each table's column list is read from
`Model._meta.concrete_fields`; a column this module does not know gets the
field's default (NULL when nullable, "" for blank text), so a field added by an
app's owner never breaks the generator. Same seed and same day give the same data.

The package, by what each module holds:

- distributions: reference figures, weights and sentences;
- regions, organizations, context: what exists before the run (places to live,
  offices and their caseworkers, organizations, offers);
- pools: Faker name pools and the weighted choice;
- people → cases → referrals (and services): the rows, one step each;
- rows, writers: the row types and where they go (COPY or INSERT);
- schema: indexes and foreign keys around a bulk load;
- generate: the run (generate_scale).
"""

from cases.models import Beneficiary
from demo.organizations import REGENCY_SLUGS
from demo.scale.distributions import BULK_THRESHOLD, DEFAULT_REGIONS_CSV
from demo.scale.generate import DataExists, ScaleResult, generate_scale
from demo.scale.rows import TABLE_ROWS
from demo.scale.schema import Schema, schema_snapshot
from demo.scale.writers import CopySink, InsertSink, Table

__all__ = [
    "BULK_THRESHOLD",
    "DEFAULT_REGIONS_CSV",
    "REGENCY_SLUGS",
    "TABLE_ROWS",
    "Beneficiary",
    "CopySink",
    "DataExists",
    "InsertSink",
    "ScaleResult",
    "Schema",
    "Table",
    "generate_scale",
    "schema_snapshot",
]

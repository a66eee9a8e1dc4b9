"""What happens to each row of a batch: new, linked, skipped, refused or flagged.

The same planning serves the preview (dry run, nothing written) and the commit
(inside the batch's transaction, after the NIKs of the batch are locked). It
asks the database once per batch for each question: rows already imported for
the office (row-content hash), existing NIKs, and people with the same desa and
birth date (whose names are then compared with the registration's similarity,
cases.selectors.name_similarity: the trigram measure of pg_trgm).

Another regency's person is never shown beyond what registration shows: the
registering office's name for an existing NIK or a similar person the user may
not see; masked NIK, age and desa (cases.selectors.describe_matches) otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Beneficiary
from cases.selectors import MATCH_THRESHOLD, describe_matches, name_similarity
from imports.models import ExistingAction, ImportJob, ImportRow, Outcome
from imports.rows import ParsedRow


@dataclass
class Decision:
    row: ParsedRow
    outcome: str
    messages: list[str] = field(default_factory=list)
    existing: Beneficiary | None = None  # the person a linked row points to
    same_as_row: int | None = None  # a row of this file with the same NIK


@dataclass
class FileState:
    """What the earlier rows of the file decided: their NIKs and their people (by
    desa and birth date), so a later row can be matched against them. As in
    registration, two people who both have a NIK are told apart by it."""

    niks: dict[str, int] = field(default_factory=dict)  # NIK → row number
    people: dict[tuple[int, dt.date], list[tuple[str, int, bool]]] = field(default_factory=dict)

    def remember(self, row: ParsedRow) -> None:
        if row.nik:
            self.niks.setdefault(row.nik, row.number)
        key = _person_key(row)
        if key is not None:
            person = (row.values["full_name"], row.number, bool(row.nik))
            self.people.setdefault(key, []).append(person)


def _person_key(row: ParsedRow) -> tuple[int, dt.date] | None:
    region, birth_date = row.values.get("region"), row.values.get("birth_date")
    if region is None or birth_date is None:
        return None
    return (region.pk, birth_date)


def _imported_before(job: ImportJob, rows: list[ParsedRow]) -> dict[str, ImportRow]:
    hashes = {row.content_hash for row in rows}
    found = (
        ImportRow.objects.filter(
            organization_id=job.organization_id,
            content_hash__in=hashes,
            outcome__in=(Outcome.NEW, Outcome.LINKED),
        )
        .exclude(job=job)
        .order_by("pk")
    )
    return {item.content_hash: item for item in found}


def _existing_by_nik(actor: User, rows: list[ParsedRow]) -> tuple[dict[str, Beneficiary], set[int]]:
    niks = {row.nik for row in rows if row.nik and not row.errors}
    if not niks:
        return {}, set()
    existing = {
        b.nik: b
        for b in Beneficiary.objects.filter(nik__in=niks).select_related("registered_by_org")
        if b.nik
    }
    writable = set(
        Beneficiary.objects.writable_by(actor)
        .filter(pk__in=[b.pk for b in existing.values()])
        .values_list("pk", flat=True)
    )
    return existing, writable


def _candidates(rows: list[ParsedRow]) -> dict[tuple[int, dt.date], list[Any]]:
    keys = {key for row in rows if not row.errors and (key := _person_key(row)) is not None}
    if not keys:
        return {}
    found: dict[tuple[int, dt.date], list[Any]] = {}
    # Every row left here lives in the office's kabupaten/kota (others are refused):
    # the (regency, birth_date) index serves the lookup.
    queryset = Beneficiary.objects.filter(
        regency_id__in={row.regency.pk for row in rows if row.regency is not None},
        birth_date__in={k[1] for k in keys},
        region_id__in={k[0] for k in keys},
    ).only("pk", "full_name", "region_id", "birth_date", "nik")
    for person in queryset:
        if person.birth_date is not None and (person.region_id, person.birth_date) in keys:
            found.setdefault((person.region_id, person.birth_date), []).append(person)
    return found


@dataclass
class BatchFacts:
    before: dict[str, ImportRow]
    existing: dict[str, Beneficiary]
    writable: set[int]
    candidates: dict[tuple[int, dt.date], list[Any]]


def batch_facts(job: ImportJob, actor: User, rows: list[ParsedRow]) -> BatchFacts:
    existing, writable = _existing_by_nik(actor, rows)
    return BatchFacts(
        before=_imported_before(job, rows),
        existing=existing,
        writable=writable,
        candidates=_candidates(rows),
    )


def _nik_taken(job: ImportJob, person: Beneficiary, writable: set[int], row: ParsedRow) -> Decision:
    office = person.registered_by_org.name
    if person.pk not in writable:
        return Decision(
            row,
            Outcome.SKIPPED,
            [
                _("NIK ini sudah terdaftar atas nama orang lain di sistem.")
                + " "
                + _("Terdaftar oleh %(office)s; hubungi kantor itu.") % {"office": office}
            ],
        )
    if job.existing_action == ExistingAction.SKIP:
        return Decision(row, Outcome.SKIPPED, [_("NIK sudah terdaftar: baris dilewati.")])
    return Decision(
        row, Outcome.LINKED, [_("NIK sudah terdaftar: ditautkan ke orang itu.")], existing=person
    )


def _similar(actor: User, row: ParsedRow, facts: BatchFacts, state: FileState) -> list[str]:
    key = _person_key(row)
    if key is None:
        return []
    name = row.values["full_name"]
    messages = [
        _("Mirip dengan baris %(number)s di berkas ini (nama, tanggal lahir, desa).")
        % {"number": number}
        for other, number, other_has_nik in state.people.get(key, [])
        if name_similarity(name, other) >= MATCH_THRESHOLD and not (row.nik and other_has_nik)
    ]
    matches = [
        person
        for person in facts.candidates.get(key, [])
        if name_similarity(name, person.full_name) >= MATCH_THRESHOLD
        and not (row.nik and person.nik)
    ]
    if matches:
        matches = list(
            Beneficiary.objects.select_related("registered_by_org", "region").filter(
                pk__in=[m.pk for m in matches]
            )
        )
        messages.extend(_describe(actor, matches))
    return messages


def _describe(actor: User, matches: list[Beneficiary]) -> list[str]:
    described = []
    for match in describe_matches(actor, matches):
        if match["visible"]:
            described.append(
                _("Mirip dengan %(name)s (NIK %(nik)s, %(place)s, %(office)s).")
                % {
                    "name": match["beneficiary"].full_name,
                    "nik": match["nik_masked"] or "—",
                    "place": match["place"],
                    "office": match["organization"].name,
                }
            )
        else:
            described.append(
                _("Mirip dengan seseorang yang terdaftar oleh %(office)s.")
                % {"office": match["organization"].name}
            )
    return described


def decide(
    job: ImportJob, actor: User, row: ParsedRow, facts: BatchFacts, state: FileState
) -> Decision:
    """One row's outcome; the file's state learns from it."""
    if row.errors:
        return Decision(row, Outcome.REFUSED, list(row.errors))
    before = facts.before.get(row.content_hash)
    if before is not None:
        return Decision(
            row,
            Outcome.SKIPPED,
            [
                _("Baris yang sama sudah diimpor (impor #%(job)s, baris %(number)s).")
                % {"job": before.job_id, "number": before.number}
            ],
        )
    if row.nik and row.nik in state.niks:
        number = state.niks[row.nik]
        if job.existing_action == ExistingAction.SKIP:
            return Decision(
                row, Outcome.SKIPPED, [_("NIK sama dengan baris %(n)s: dilewati.") % {"n": number}]
            )
        return Decision(
            row,
            Outcome.LINKED,
            [_("NIK sama dengan baris %(n)s: ditautkan ke orang itu.") % {"n": number}],
            same_as_row=number,
        )
    person = facts.existing.get(row.nik or "")
    if person is not None:
        decision = _nik_taken(job, person, facts.writable, row)
        if decision.outcome == Outcome.LINKED:
            state.remember(row)
        return decision
    similar = _similar(actor, row, facts, state)
    if similar and not job.create_similar:
        return Decision(row, Outcome.FLAGGED, [*similar, _("Tidak diimpor: periksa dulu.")])
    state.remember(row)
    return Decision(row, Outcome.NEW, similar)

"""A case while it is being generated: its state and its timeline of events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cases.models import CaseEvent
from demo.scale.base import GeneratorBase
from demo.scale.organizations import Office
from demo.scale.person import Person
from demo.scale.rows import EventRow


class Timeline:
    """The events of one case, in the order they are made up (not by time), and
    the latest moment any of them happened."""

    def __init__(self, g: GeneratorBase, case_id: int, opened: int):
        self.g = g
        self.case_id = case_id
        self.events: list[EventRow] = []
        self.latest = opened

    def add(
        self, kind: str, text: str, at: int, actor: int | None, org: int, data: dict[str, Any]
    ) -> None:
        self.latest = max(self.latest, at)
        pk = self.g.new_id(CaseEvent)
        self.events.append(EventRow(pk, self.case_id, kind, text, data, actor, org, self.g.at(at)))


@dataclass
class CaseDraft:
    case_id: int
    person: Person
    office: Office  # the office that opened it
    number: str
    category: str
    opened: int
    opened_at: dt.datetime
    worker: int | None
    closed: bool
    timeline: Timeline
    owner: Office | None = None  # the office that holds it (after transfers)
    status: str = ""
    previous: str = ""  # the status before the current one
    closed_ts: int | None = None
    end: int = 0  # when it was closed, or now
    change: int = 0  # when it reached its current status
    reopened: int = 0
    needs: list[str] = field(default_factory=list)

    @property
    def holder(self) -> Office:
        return self.owner or self.office

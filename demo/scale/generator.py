"""The generator: households until the requested number of beneficiaries."""

from __future__ import annotations

from demo.scale.base import GeneratorBase
from demo.scale.people import household
from demo.scale.progress import Progress
from demo.scale.writers import CopySink, InsertSink


class Generator(GeneratorBase):
    def rows(self) -> int:
        return sum(t.count for t in self.tables.values())

    def run(self, total: int, progress: Progress, sink: CopySink | InsertSink) -> None:
        self.sink = sink
        done = 0
        while done < total:
            done += household(self, total - done)
            if sink.full():
                sink.flush()
                progress.update(done, self.rows())
        sink.finish()
        progress.update(done, self.rows(), force=True)

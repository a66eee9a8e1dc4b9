"""Names and streets drawn once from Faker, and the fast weighted choice."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any


@dataclass
class Pools:
    male: list[str]
    female: list[str]
    last: list[str]
    streets: list[str]


def make_pools(seed: int) -> Pools:
    """Names and streets drawn once from Faker id_ID (Faker is too slow per row)."""
    from faker import Faker

    fake = Faker("id_ID")
    fake.seed_instance(seed)

    def pool(draw: Callable[[], str], size: int) -> list[str]:
        return sorted({draw() for _ in range(size)})

    return Pools(
        male=pool(fake.first_name_male, 3000),
        female=pool(fake.first_name_female, 3000),
        last=pool(fake.last_name, 3000),
        streets=pool(fake.street_name, 3000),
    )


class Choice:
    """A weighted choice with precomputed cumulative weights (faster than choices())."""

    def __init__(self, values: Iterable[Any], weights: Iterable[float]):
        self.values = list(values)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cum, rng.random() * self.total)]

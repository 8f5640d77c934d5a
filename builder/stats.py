"""Counters of decisions, each with its reason; mergeable across ranks and phases.

Keys are dotted: `<stage>.<what>` (e.g. `reject.invalid_utf8`, `boilerplate.lines_template`,
`dedup.near`). Each task returns its Stats; the pipeline merges them and the manifest, the card
and `validate` read the merged counts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path


class Stats:
    def __init__(self, counts: Mapping[str, float] | None = None) -> None:
        self.counts: Counter[str] = Counter(counts or {})

    def inc(self, key: str, n: float = 1) -> None:
        self.counts[key] += n

    def get(self, key: str) -> float:
        return self.counts.get(key, 0)

    def merge(self, other: "Stats") -> "Stats":
        self.counts.update(other.counts)
        return self

    def with_prefix(self, prefix: str) -> dict[str, float]:
        """Counts whose key starts with `prefix`, keyed by the rest of the key."""
        return {k[len(prefix):]: v for k, v in sorted(self.counts.items()) if k.startswith(prefix)}

    def to_dict(self) -> dict[str, float]:
        return {k: (int(v) if float(v).is_integer() else v) for k, v in sorted(self.counts.items())}

    @classmethod
    def merged(cls, many: Iterable["Stats"]) -> "Stats":
        total = cls()
        for stats in many:
            total.merge(stats)
        return total

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> "Stats":
        return cls(json.loads(path.read_text()))

    def __repr__(self) -> str:
        return f"Stats({self.to_dict()})"

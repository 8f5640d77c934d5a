"""Small SVG charts of a release's composition for the card: documents per source, per language,
per licence status, and the body length histogram. Plain SVG text, no plotting dependency; the
same manifest gives the same bytes.

`write(release_root, manifest)` writes them into `charts/` of the release (rewritten with each
version: they show the newest one) and returns `[{"title", "path"}]` for the card template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from builder.publish.composition import LENGTH_BUCKETS, length_bucket
from builder.storage import Storage, as_storage

CHART_DIR = "charts"
MAX_BARS = 12  # more categories than this are folded into "other"
WIDTH = 640
BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_WIDTH = 190
VALUE_WIDTH = 110
TOP = 40
BOTTOM = 14
BAR_COLOR = "#3b6ea8"
FONT = 'font-family="Helvetica, Arial, sans-serif"'


def top_counts(counts: dict[str, int], limit: int = MAX_BARS) -> list[tuple[str, int]]:
    """The largest `limit` categories (ties by name), the rest summed as "other"."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) <= limit:
        return ranked
    kept = ranked[: limit - 1]
    rest = sum(n for _, n in ranked[limit - 1:])
    return kept + [(f"other ({len(ranked) - limit + 1})", rest)]


def shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(title: str, bars: list[tuple[str, int]]) -> str:
    """A horizontal bar chart: one labelled bar per (label, value), values at the bar ends."""
    height = TOP + len(bars) * (BAR_HEIGHT + BAR_GAP) + BOTTOM
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max((value for _, value in bars), default=0) or 1
    total = sum(value for _, value in bars) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="24" {FONT} font-size="15" font-weight="bold" fill="#222222">{escape(title)}</text>',
    ]
    if not bars:
        parts.append(f'<text x="10" y="{TOP + 14}" {FONT} font-size="12" fill="#666666">no documents</text>')
    for i, (label, value) in enumerate(bars):
        y = TOP + i * (BAR_HEIGHT + BAR_GAP)
        width = round(span * value / largest, 1)
        text_y = y + BAR_HEIGHT / 2 + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" {FONT} font-size="12" text-anchor="end" fill="#222222">'
            f"<title>{escape(label)}</title>{escape(shorten(label))}</text>"
        )
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{BAR_COLOR}"/>')
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6}" y="{text_y}" {FONT} font-size="12" fill="#222222">'
            f"{value:,} ({100 * value / total:.0f}%)</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def docs_of(section: dict[str, Any]) -> dict[str, int]:
    return {key: int(value["docs"]) for key, value in section.items()}


def length_bars(length: dict[str, Any]) -> list[tuple[str, int]]:
    """The body length buckets in increasing order (words), empty buckets kept so the shape shows."""
    order = [length_bucket(bound - 1) for bound in LENGTH_BUCKETS] + [length_bucket(LENGTH_BUCKETS[-1])]
    counts = docs_of(length)
    return [(f"{key} words", counts.get(key, 0)) for key in order]


def charts_for(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(file name, title, SVG text) of every chart of a version's composition."""
    composition = manifest["composition"]
    version = manifest["version"]
    return [
        ("sources.svg", f"Documents per source (v{version})", bar_chart(f"Documents per source (v{version})", top_counts(docs_of(composition["by_source"])))),
        ("languages.svg", f"Documents per language (v{version})", bar_chart(f"Documents per language (v{version})", top_counts(docs_of(composition["by_language"])))),
        ("license_status.svg", f"Documents per licence status (v{version})",
         bar_chart(f"Documents per licence status (v{version})", top_counts(docs_of(composition["by_license_status"])))),
        ("body_length.svg", f"Body length in words (v{version})", bar_chart(f"Body length in words (v{version})", length_bars(composition["length_words"]))),
    ]


def write(release_root: Path | str | Storage, manifest: dict[str, Any]) -> list[dict[str, str]]:
    """Write the charts of `manifest` (the newest version) into charts/ of the release folder
    (a path or fsspec URL), each file replaced whole."""
    store = as_storage(release_root)
    written = []
    for name, title, svg in charts_for(manifest):
        store.write_text(svg, CHART_DIR, name)
        written.append({"title": title, "path": f"{CHART_DIR}/{name}"})
    return written

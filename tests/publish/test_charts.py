"""SVG charts of a release's composition: well-formed, one bar per category, deterministic."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from builder.publish.charts import MAX_BARS, bar_chart, length_bars, top_counts, write

SVG = "{http://www.w3.org/2000/svg}"


def counts(**docs: int) -> dict:
    return {key: {"docs": n, "tokens": n * 100, "chars": n * 600} for key, n in docs.items()}


def manifest() -> dict:
    return {
        "version": "1.1.0",
        "composition": {
            "by_source": counts(**{"harbour.example": 30, "valley <news> & co": 5}),
            "by_language": counts(en=30, fr=4, und=1),
            "by_license_status": counts(licensed=10, unknown=25),
            "length_words": counts(**{"200-399": 20, "400-799": 15}),
        },
    }


def bars_of(svg: str) -> list[tuple[str, float]]:
    root = ET.fromstring(svg)
    labels = [t.find(f"{SVG}title").text for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None]
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")][1:]  # the first rect is the background
    return list(zip(labels, widths))


def test_write_makes_four_charts_named_for_the_card(tmp_path: Path):
    charts = write(tmp_path, manifest())
    assert [c["path"] for c in charts] == ["charts/sources.svg", "charts/languages.svg", "charts/license_status.svg", "charts/body_length.svg"]
    assert all("v1.1.0" in c["title"] for c in charts)
    for chart in charts:
        ET.parse(tmp_path / chart["path"])  # well-formed XML
    assert not list((tmp_path / "charts").glob("*.tmp"))


def test_bars_are_sorted_scaled_and_escaped(tmp_path: Path):
    write(tmp_path, manifest())
    sources = (tmp_path / "charts" / "sources.svg").read_text()
    assert "valley &lt;news&gt; &amp; co" in sources
    bars = bars_of(sources)
    assert [label for label, _ in bars] == ["harbour.example", "valley <news> & co"]
    assert bars[0][1] == pytest.approx(6 * bars[1][1], abs=0.5)  # 30 vs 5 documents
    assert "30 (86%)" in sources


def test_length_histogram_keeps_empty_buckets_in_order():
    bars = length_bars(counts(**{"400-799": 3, "0-49": 1}))
    assert [label for label, _ in bars][:5] == ["0-49 words", "50-99 words", "100-199 words", "200-399 words", "400-799 words"]
    assert dict(bars)["400-799 words"] == 3 and dict(bars)["50-99 words"] == 0


def test_many_categories_fold_into_other():
    ranked = top_counts({f"site{i:02d}": 100 - i for i in range(20)})
    assert len(ranked) == MAX_BARS
    assert ranked[0] == ("site00", 100)
    assert ranked[-1] == (f"other ({20 - MAX_BARS + 1})", sum(100 - i for i in range(MAX_BARS - 1, 20)))


def test_same_manifest_same_bytes(tmp_path: Path):
    write(tmp_path / "a", manifest())
    write(tmp_path / "b", manifest())
    for name in ("sources.svg", "body_length.svg"):
        assert (tmp_path / "a" / "charts" / name).read_bytes() == (tmp_path / "b" / "charts" / name).read_bytes()


def test_empty_chart_says_so():
    assert "no documents" in bar_chart("Nothing", [])

import json
import sys
from pathlib import Path

import pytest

from builder.config import BoilerplateConfig
from builder.document import Document
from builder.stages import boilerplate
from builder.stages.boilerplate import clean_markdown, explain, line_keys, reassemble, select_templates, split_boilerplate
from builder.stages.normalize import normalize_text
from builder.stats import Stats

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"

PROSE = [
    "The river board said on Tuesday that the new weir would be finished before the autumn rains, and that the old one would stay open until then.",
    "Farmers along the valley have asked for the work to be done in stages, because they need the water for their fields during the whole of the summer.",
    "A spokesperson for the board said that it was still talking to them and that a decision about the timetable would be made within a few weeks.",
]


def article(top=(), bottom=(), body=PROSE):
    return normalize_text("\n\n".join([*top, *body, *bottom]))


def labels(split):
    out = []
    for seg in split.segments:
        column = split.body if seg["label"] == "body" else split.boilerplate
        out.append((seg["label"], seg["input"] if seg["input"] is not None else column[seg["start"]:seg["end"]], seg["reason"]))
    return out


def boiler_reasons(split):
    return {text: reason for label, text, reason in labels(split) if label == "boilerplate"}


def test_clean_markdown_reduces_links_emphasis_and_marks():
    assert clean_markdown("See [the report](http://x.example/r) and **this** _one_.") == "See the report and this one."
    assert clean_markdown("## A *heading*") == "A heading"
    assert clean_markdown("List price: \\$9.95 ![logo](l.png)") == "List price: $9.95"
    assert clean_markdown("snake_case_name stays") == "snake_case_name stays"
    assert clean_markdown("+   a *long*-awaited  __plan__") == "- a long-awaited plan"
    assert clean_markdown("A well-known  [short-term](/r) rule") == "A well-known short-term rule"


def test_prose_is_body_and_offsets_reproduce_the_input():
    text = article(top=["By [Jo Bloggs](/jo)", "Share this: [Facebook](#) [Twitter](#)"], bottom=["Copyright © 2020 Valley News. All rights reserved."])
    split = split_boilerplate(text)
    assert split.body == "\n\n".join(PROSE)
    assert reassemble(split.body, split.boilerplate, split.segments) == text
    reasons = boiler_reasons(split)
    assert reasons["By [Jo Bloggs](/jo)"] == "rule:byline"
    assert reasons["Copyright © 2020 Valley News. All rights reserved."] == "rule:copyright"
    assert reasons["Share this: [Facebook](#) [Twitter](#)"].startswith("link-density")


def test_split_counts_each_unit_once_under_its_label_and_reason_kind():
    # the stats read these counts: one per segment, keyed by label and the head of the reason
    text = article(top=["By [Jo Bloggs](/jo)"], bottom=["Copyright © 2020 Valley News. All rights reserved.", "---"])
    split = split_boilerplate(text)
    assert sum(split.reasons.values()) == len(split.segments)
    body_kinds = {f"body.{seg['reason'].partition(' ')[0]}" for seg in split.segments if seg["label"] == "body"}
    assert {kind: n for kind, n in split.reasons.items() if kind.startswith("body.")} == {
        kind: sum(1 for seg in split.segments if seg["label"] == "body" and kind == f"body.{seg['reason'].partition(' ')[0]}")
        for kind in body_kinds}
    assert split.reasons["boilerplate.rule:byline"] == 1
    assert split.reasons["boilerplate.rule:copyright"] == 1
    assert split.reasons["boilerplate.rule:separator"] == 1


@pytest.mark.parametrize("line, reason", [
    ("---", "rule:separator"),
    ("**Disclaimer:** The contents of this article are of sole responsibility of the author.", "rule:disclaimer"),
    ("We are making such material available under the provisions of \"fair use\".", "rule:fair-use"),
    ("The original source of this article is Valley News", "rule:original-source"),
    ("VISIT MY NEW WEB SITE: [jo.example](http://jo.example)", "rule:promo"),
    ("Valley News, March 03, 2021", "rule:dateline"),
    ("Topics: [Water](/t/water)", "rule:taxonomy"),
])
def test_hard_rules(line, reason):
    split = split_boilerplate(article(bottom=[line]))
    assert boiler_reasons(split)[line] == reason
    assert split.body == "\n\n".join(PROSE)


def test_soft_signal_at_the_edge_of_the_body_is_trimmed():
    line = "Subscribe to our newsletter for more stories like this one every single morning of the week, free."
    split = split_boilerplate(article(bottom=[line]))
    assert line in boiler_reasons(split)
    assert "soft:subscribe" in boiler_reasons(split)[line]


def test_short_line_between_prose_is_body_and_low_stopword_list_is_not():
    body = [PROSE[0], "He added, laughing:", PROSE[1], PROSE[2]]
    split = split_boilerplate(article(body=body, bottom=["Home Sport Weather Markets Travel Culture Video Podcasts Newsletters Archive Contact"]))
    assert "He added, laughing:" in split.body
    assert "Home Sport Weather" not in split.body


def test_paragraph_broken_mid_sentence_is_joined_in_text_and_kept_in_markdown():
    body = [PROSE[0], "Farmers along the valley have asked for the *work* to be done in", "stages, because they need the water.", PROSE[2]]
    text = article(body=body)
    split = split_boilerplate(text)
    assert "Farmers along the valley have asked for the work to be done in stages, because they need the water." in split.body
    assert reassemble(split.body, split.boilerplate, split.segments) == text
    markdown = split_boilerplate(text, cfg=BoilerplateConfig(body_format="markdown"))
    assert "the *work* to be done in\n\nstages" in markdown.body
    assert reassemble(markdown.body, markdown.boilerplate, markdown.segments) == text


def test_template_lines_from_other_documents_of_the_source():
    promo = "Valley News is read by farmers and families across the region every week."
    shared = PROSE[0] + " " + PROSE[2]  # re-published by 3 of the 10 documents: long prose, so not a template
    names = ["Ada", "Bram", "Cleo", "Dov", "Eli", "Fay", "Gus", "Hal", "Ivo", "Jan"]
    docs = [
        article(top=[promo], body=[f"{name} said the board met {name}'s neighbours. " + PROSE[1], PROSE[2].replace("few", name), *([shared] if i < 3 else [])])
        for i, name in enumerate(names)
    ]
    df = {}
    for doc in docs:
        for key in line_keys(doc):
            df[key] = df.get(key, 0) + 1
    cfg = BoilerplateConfig()
    templates = select_templates(len(docs), df, cfg)
    assert all(0 <= key < 2**63 for key in templates)
    split = split_boilerplate(docs[0], templates, len(docs), cfg)
    assert boiler_reasons(split)[promo] == "template 10/10 docs"
    # a body paragraph shared by a few documents is not furniture when long (re-syndicated copies)
    assert shared in split.body
    no_guard = split_boilerplate(docs[0], templates, len(docs), BoilerplateConfig(template_prose_chars=10_000))
    assert boiler_reasons(no_guard)[shared] == "template 3/10 docs"
    without = split_boilerplate(docs[0])
    assert promo in without.body


def test_select_templates_thresholds():
    cfg = BoilerplateConfig(template_min_docs=3, template_min_share=0.10)
    assert select_templates(100, {1: 12, 2: 9, 3: 2}, cfg) == {1: 12}
    assert select_templates(10, {1: 3, 2: 2}, cfg) == {1: 3}


def test_title_line_is_boilerplate():
    split = split_boilerplate(article(top=["# The new weir"]), title="The new weir")
    assert boiler_reasons(split)["# The new weir"] == "title"


def test_language_stopwords_for_german():
    german = [
        "Der Gemeinderat hat am Dienstag beschlossen, dass die neue Brücke über den Fluss bis zum Herbst fertig sein soll und dass die alte bis dahin offen bleibt.",
        "Die Bauern im Tal hatten darum gebeten, die Arbeiten in mehreren Abschnitten durchzuführen, weil sie das Wasser für ihre Felder den ganzen Sommer über brauchen.",
    ]
    split = split_boilerplate(article(body=german))
    assert split.language == "de"
    assert split.body == "\n\n".join(german)


def test_explain_marks_each_unit():
    text = article(bottom=["Copyright © 2020 Valley News"])
    split = split_boilerplate(text)
    row = {"text": split.body, "boilerplate": split.boilerplate, "segments": split.segments, "title": "The weir"}
    out = explain(row).split("\n")
    assert out[0] == "title: The weir"
    assert out[1].startswith("+ body") and PROSE[0] in out[1]
    assert out[-1].startswith("- boilerplate [rule:copyright] Copyright © 2020 Valley News")


def test_run_sets_columns_and_drops_empty_body():
    good = Document(id="a", text="", path="a.md", record=1, raw_hash="h", source_text=article(), source="valley")
    empty = Document(id="b", text="", path="b.md", record=1, raw_hash="h", source_text="Copyright © 2020 Valley News")
    skipped = Document(id="c", text="x", path="c.md", record=1, raw_hash="h", source_text="x")
    skipped.drop("bad", "")
    stats = Stats()
    out = list(boilerplate.run([good, empty, skipped], BoilerplateConfig(), stats, {"valley": (1, {})}))
    assert [d.id for d in out] == ["a", "b", "c"]
    assert good.text == "\n\n".join(PROSE) and good.segments and good.reject is None
    assert empty.reject == "no_body" and empty.boilerplate == "Copyright © 2020 Valley News"
    assert skipped.text == "x" and skipped.reject == "bad"
    assert stats.get("boilerplate.no_body") == 1 and stats.get("boilerplate.split") == 1


def test_html_path_keeps_main_content_and_rules_run_on_it():
    page = normalize_text("\n\n".join(["[Home](/) [News](/news)", *PROSE, "Copyright © 2021 Valley News", "[Privacy](/p)"]))
    main = "\n".join([*PROSE, "Copyright © 2021 Valley News"])
    split = boilerplate.split_html(page, main)
    assert split.body == "\n\n".join(PROSE)
    assert boiler_reasons(split)["[Home](/) [News](/news)"] == "html: outside main content"
    assert boiler_reasons(split)["Copyright © 2021 Valley News"] == "rule:copyright"
    assert reassemble(split.body, split.boilerplate, split.segments) == page


def test_seed_article_golden():
    folder = SHARED / "corpora" / "seed"
    if not folder.is_dir():
        pytest.skip(f"{SHARED} (the shared corpora beside the repository) is absent")
    truth = json.loads((folder / "truth.json").read_text())
    raw = (folder / truth["file"]).read_text(encoding="utf-8")
    text = normalize_text(raw)
    split = split_boilerplate(text, title=truth["metadata"]["title"])
    assert reassemble(split.body, split.boilerplate, split.segments) == text
    raw_lines = raw.split("\n")
    body_lines = sorted(n + 1 for n, line in enumerate(raw_lines) if line.strip() and clean_markdown(line) in split.body)
    assert body_lines == truth["body_lines"]
    # lines 33/35: one paragraph broken mid-sentence, joined again
    assert "restoring peace and security to Syria" in split.body
    assert "*" not in split.body and "](" not in split.body


def test_words_and_stopword_density_ignore_punctuation_and_keep_other_scripts():
    assert boilerplate.words_of("“the river,” (and) — the weir…") == ["the", "river", "and", "the", "weir"]
    assert boilerplate.words_of("мост через реку, 2021") == ["мост", "через", "реку", "2021"]
    stop = frozenset({"the", "and"})
    assert boilerplate.stopword_density("the river and the weir", stop) == pytest.approx(3 / 5)
    assert boilerplate.stopword_density("", stop) == 0.0


def test_line_keys_ignore_typographic_marks_and_digits():
    assert boilerplate.line_key("“Read more — 12 stories”") == boilerplate.line_key('"Read more - 99 stories"')
    assert boilerplate.line_key("[Read more](/a) — 12 stories") == boilerplate.line_key("Read more 35 stories")
    assert boilerplate.line_key("---") is None


def test_stopword_density_is_the_same_on_the_bytes_path_and_the_text_path():
    # the bytes path needs every whitespace char beyond ASCII listed (str.split splits there)
    assert boilerplate._WIDE_SPACES == "".join(c for c in map(chr, range(128, sys.maxunicode + 1)) if c.isspace())
    stop = frozenset({"the", "and", "über", "и"})
    for low in ["the river and the weir", "über die brücke und the", "и мост и река", "the\u3000and\u00a0x", "“the” weir"]:
        words = boilerplate.words_of(low)
        assert boilerplate.stopword_density(low, stop) == sum(w in stop for w in words) / len(words)
    # the ideographic space separates words on the text path: two stop words of three
    assert boilerplate.stopword_density("the\u3000and\u3000x", stop) == pytest.approx(2 / 3)
    # the list as bytes, when the caller passes it, counts the same words
    as_bytes = frozenset(word.encode("utf-8") for word in stop)
    for low in ["the river, and (the) weir", "über die brücke und the", "", "..."]:
        assert boilerplate.stopword_density(low, stop, as_bytes) == boilerplate.stopword_density(low, stop)


def test_indexes_of_lists_every_place_of_a_value_in_order():
    assert boilerplate._indexes_of(["short", "good", "short", "short"], "short") == [0, 2, 3]
    assert boilerplate._indexes_of(["good", "bad"], "short") == []
    assert boilerplate._indexes_of([], "short") == []


def test_context_pass_labels_and_notes_the_units_it_revises():
    given = [(boilerplate.GOOD, "prose"), (boilerplate.SHORT, "short"), (boilerplate.GOOD, "prose"),
             (boilerplate.NEARGOOD, "near-prose"), (boilerplate.HARD, "rule:copyright"), (boilerplate.SHORT, "soft:share"),
             (boilerplate.BAD, "stopwords 0.10"), (boilerplate.NEARGOOD, "near-prose stopwords 0.30")]
    units = [boilerplate.Unit(i, i + 1, "x", "x", "", ["x"], cls=cls, reason=reason) for i, (cls, reason) in enumerate(given)]
    boilerplate._context(units)
    assert [(u.label, u.reason) for u in units] == [
        ("body", "prose"),
        ("body", "short, between body"),  # body on both sides
        ("body", "prose"),
        ("body", "near-prose, next to body"),  # body before it
        ("boilerplate", "rule:copyright"),
        ("boilerplate", "soft:share, next to boilerplate"),  # boilerplate on both sides
        ("boilerplate", "stopwords 0.10"),
        ("boilerplate", "near-prose stopwords 0.30, next to boilerplate"),  # boilerplate, then the end
    ]


def test_line_keys_of_a_whole_text_match_the_keys_of_its_lines():
    # line_keys keys a plain line by its own shortcut (`_plain_key`, no line facts), and an ASCII
    # line with markup from its links reduced alone (`_markup_line_key`): every line must still get
    # the key line_key gives it
    lines = [
        "Sign up: [our newsletter](https://example.org/signup?id=12345) today",
        "Mail us at <mailto:desk@example.org> or <https://example.org/contact>",
        "![a photo of the harbour](https://img.example.org/1.jpg) Harbour at dawn",
        "[ab](https://a-very-long-link-target.example.org/path)",  # a long line, a short key
        "## Weather **today** ##", "> quoted *words* here", "+ item_one_two",
        "Café «Zeitung» — Ausgabe 12", "\u3000Wide space line\u3000", "İstanbul Haber", "ΟΔΟΣ ΣΟΦΟΚΛΕΟΥΣ",
        "The Valley Ledger, Page 12", "abcd", "a b c d e", "", "   ", "\t", "---", "© 2024 The Ledger. All rights reserved.",
        "See \\[not a link\\](x) and [a reference][ref] with `code_span` and 2*3*4",
        "[outer [inner]](https://example.org/a_(b)_c) and __strong__ and *stray and under_score_s",
        "Prices < 10 and > 5 #tag [Link With CAPS 2024](/x)", "> [Quoted](/q) **Bold** line",
    ]
    text = "\n".join(lines)
    expected = {key for key in map(boilerplate.line_key, lines) if key is not None}
    assert boilerplate.line_keys(text) == expected
    assert boilerplate.line_key(lines[3]) is None  # its link label alone is too short
    expected_long = {key for key in (boilerplate.line_key(line, 12) for line in lines) if key is not None}
    assert boilerplate.line_keys(text, 12) == expected_long != expected


def test_words_of_stops_at_the_limit():
    assert boilerplate.words_of("one, two. three four", 2) == ["one", "two"]
    assert boilerplate.words_of("мост через реку", 2) == ["мост", "через"]
    assert boilerplate.words_of("one two", 5) == ["one", "two"]
    assert boilerplate.words_of("one two three") == ["one", "two", "three"]


def test_line_keys_of_plain_lines_match_the_keys_of_marked_up_lines():
    # plain ASCII lines take a one-pass path; they must key exactly as the general path does
    text = "Read MORE: 12 Stories\n\n**Read more** 99 stories\n  Café news, 2021  \n\t\n1"
    assert boilerplate.line_keys(text) == {boilerplate.line_key("read more 35 stories"), boilerplate.line_key("café news 1999")}
    assert boilerplate.line_key("Read MORE: 12 Stories") == boilerplate.line_key("*read more* 35 stories")
    assert boilerplate.line_keys("ab\n12") == set()  # shorter than five chars


def test_heading_text_strips_marks_and_closing_hashes():
    assert boilerplate.heading_text("## The weir ##") == "The weir"
    assert boilerplate.heading_text("   # The weir  ") == "The weir"
    assert boilerplate.heading_text("# C#") == "C#"
    assert boilerplate.heading_text("# #") == "#"
    assert boilerplate.heading_text("####### seven") is None
    assert boilerplate.heading_text("#no space") is None
    assert boilerplate.is_heading("### Sport") and not boilerplate.is_heading("#hashtag")


def test_language_guess_prefers_the_earlier_list_within_a_margin():
    english = " ".join(PROSE)
    # jusText's Finnish list holds many English words; English must still win when listed first
    assert boilerplate.guess_language(english, ("en", "fi")) == "en"
    assert boilerplate.guess_language(english, ("de", "en")) == "en"
    assert boilerplate.guess_language("12 34 56", ("en", "de")) == ""
    german = "Der Rat hat am Montag beschlossen, die alte Brücke für den Verkehr zu schließen, weil sie nicht mehr sicher ist."
    # read as UTF-8 bytes (no typographic marks) and as text (with them): the same answer
    assert boilerplate.guess_language(german, ("en", "de")) == "de"
    assert boilerplate.guess_language(german.replace("Rat", "„Rat“"), ("en", "de")) == "de"


def test_rules_by_unit_finds_triggers_per_unit_with_and_without_the_automaton(monkeypatch):
    lows = ["the board met on tuesday.", "subscribe to our newsletter", "copyright 2020 valley news", "x" * 500 + " share this"]
    hard, soft = boilerplate.rules_by_unit(lows, 2000, 400)
    assert [[r[0] for r in rules] for rules in hard] == [[], [], ["copyright"], []]
    # the last unit is too long for soft signals
    assert [[r[0] for r in rules] for rules in soft] == [[], ["subscribe"], [], []]
    monkeypatch.setattr(boilerplate, "ahocorasick_rs", None)
    assert boilerplate.rules_by_unit(lows, 2000, 400) == (hard, soft)


def test_rule_patterns_match_what_the_one_alternation_matches():
    import re

    branches = (r"^\W*share\W*$", r"\bshare (?:this|on)\b", r"\bcookies?\b", r"\bx?y", r"telegram channel", r"^\W*\d+\s+comments?\b")
    patterns = boilerplate._rule_patterns(*branches)
    # the anchored branches apart; a leading \b before a letter moved after it, not before a quantified one
    assert [p.pattern for p in patterns] == [
        r"^\W*share\W*$|^\W*\d+\s+comments?\b",
        r"s(?<!\ws)hare (?:this|on)\b|c(?<!\wc)ookies?\b|\bx?y|telegram channel",
    ]
    one = re.compile("|".join(branches))
    texts = ["share", "  share!", "reshare this", "share this", "please share on x", "_share this", "éshare this", "cookie",
             "no cookies.", "fortune cookies", "3 comments", "see 3 comments", "y", "xy", "axy", "ay", "join our telegram channel",
             "", "share\n"]
    for text in texts:
        assert any(p.search(text) for p in patterns) == (one.search(text) is not None), text


def test_short_paragraphs_of_whole_sentences_are_prose():
    news = [
        "The council voted on Monday to close the old bridge to all of the traffic in the town from the start of next week.",
        "It said that the repairs would take at least a year, and that a ferry would run across the river in the meantime.",
    ]
    text = article(top=["[Home](/) [News](/news) [Sport](/sport)"], body=news, bottom=["[Privacy](/p) [Terms](/t)"])
    split = split_boilerplate(text)
    assert split.body == "\n\n".join(news)
    assert any(reason.startswith("sentences") for label, _, reason in labels(split) if label == "body")
    # without the rule they are only near-prose (too short for a prose run), and the furniture
    # around them pulls them out
    strict = split_boilerplate(text, cfg=BoilerplateConfig(prose_min_chars=10_000))
    assert strict.body == ""


def test_dense_script_lengths_are_scaled():
    japanese = [
        "市議会は月曜日、古い橋を来週から通行止めにすることを決めました。",
        "修理には少なくとも一年かかり、その間は渡し船が運航される予定です。",
        "川の両岸の商店主たちは、この計画について何も知らされていなかったと話しています。",
    ]
    text = article(top=["[ホーム](/) [ニュース](/news)"], body=japanese, bottom=["[プライバシー](/p)"])
    split = split_boilerplate(text)
    assert split.language == ""
    assert split.body == "\n\n".join(japanese)
    unscaled = split_boilerplate(text, cfg=BoilerplateConfig(dense_script_scale=1.0))
    assert unscaled.body != split.body


def test_secondary_body_runs_are_kept_above_a_share_of_the_main_run():
    second = "The museum will reopen its east wing in the spring, after two years of building work on the roof and the old galleries."
    text = article(body=[*PROSE, "[Gallery](/g) [Video](/v) [Audio](/a) [Maps](/m)", "[Weather](/w) [Traffic](/t) [Jobs](/j)",
                         "[Cars](/c) [Homes](/h) [Dating](/d)", second])
    assert second not in split_boilerplate(text).body
    both = split_boilerplate(text, cfg=BoilerplateConfig(span_keep_share=0.2))
    assert second in both.body and PROSE[0] in both.body
    assert boiler_reasons(split_boilerplate(text))[second].startswith("outside main body")


def test_main_span_keeps_one_unbroken_run_of_body_whole_and_cuts_a_broken_one():
    def units(labels):
        made = boilerplate.units_of("\n\n".join(f"Line {i} of the page, long enough to weigh." for i in range(len(labels))))
        for unit, label in zip(made, labels):
            unit.label, unit.cls, unit.reason = label, boilerplate.GOOD if label == "body" else boilerplate.BAD, "r"
        return made

    cfg = BoilerplateConfig()
    unbroken = units(["boilerplate", "body", "body", "body", "boilerplate"])
    boilerplate._main_span(unbroken, cfg)
    assert [u.label for u in unbroken] == ["boilerplate", "body", "body", "body", "boilerplate"]
    # a lone body unit far from the main run is cut off (the maximum-sum run is the three units)
    broken = units(["body", "boilerplate", "boilerplate", "boilerplate", "body", "body", "body"])
    boilerplate._main_span(broken, cfg)
    assert [u.label for u in broken] == ["boilerplate"] * 4 + ["body"] * 3
    assert broken[0].reason == "outside main body (r)"


def test_html_path_matches_blocks_the_extractor_joined():
    first = "The board met on Tuesday and agreed to rebuild the weir before the autumn rains came back to the valley."
    second = "Work will start in May, and the old weir stays open until the new one is finished next year."
    page = normalize_text("\n\n".join(["[Home](/) [News](/news)", first, second, "[Privacy](/p)"]))
    split = boilerplate.split_html(page, first + second)  # the extractor lost the break between them
    assert split.body == first + "\n\n" + second
    assert reassemble(split.body, split.boilerplate, split.segments) == page


def test_html_path_counts_a_repeated_teaser_once():
    teaser = "Valley weir: the board agreed to rebuild it before the autumn rains, after a long dispute"
    page = normalize_text("\n\n".join(["[Home](/) [News](/news)", *PROSE, teaser, "[Privacy](/p)", teaser]))
    main = "\n".join([*PROSE, teaser.replace(":", ": ")])  # the extractor's own spacing: no exact line match
    split = boilerplate.split_html(page, main)
    assert split.body == "\n\n".join([*PROSE, teaser])
    assert boiler_reasons(split)[teaser] == "html: outside main content"


def test_html_path_a_fragment_line_does_not_make_a_breadcrumb_main_content():
    crumbs = "HomeLatest NewsValley weir is finished after two years of work on the river"
    page = normalize_text("\n\n".join([crumbs, *PROSE, "[Privacy](/p)"]))
    main = "\n".join(["river", *PROSE])  # a one-word fragment the extractor cut out of a block
    split = boilerplate.split_html(page, main)
    assert split.body == "\n\n".join(PROSE)
    assert boiler_reasons(split)[crumbs] == "html: outside main content"


def test_comment_counters_are_soft_but_a_sentence_about_commenting_is_prose():
    last = "The mill's owner declined to comment on the plans when reached by phone."
    footer = ["[Home](/) [News](/news) [Sport](/sport)", "Copyright © 2021 Valley News"]
    split = split_boilerplate(article(bottom=footer, body=[*PROSE, last]))
    assert last in split.body
    for counter in ("Comments (12)", "Comment on this story", "12 comments"):
        split = split_boilerplate(article(bottom=[counter, *footer]))
        assert boiler_reasons(split)[counter].startswith("soft:advertisement"), counter


def test_template_lines_win_over_the_rules_their_text_triggers():
    # a site footer seen in every document of its source: labelled a template line, even though its
    # text also holds rule triggers (copyright, subscribe); the same lines in a document of another
    # source fall to the rules
    footer = ["© 2021 Valley News. All rights reserved.", "Subscribe to the Valley News letter"]
    text = "\n\n".join(PROSE + footer) + "\n"
    keys = line_keys(text)
    templates = select_templates(10, {key: 10 for key in keys if key in {boilerplate.line_key(line) for line in footer}},
                                 BoilerplateConfig())
    reasons = [seg["reason"] for seg in split_boilerplate(text, templates, 10).segments]
    assert reasons[-2:] == ["template 10/10 docs", "template 10/10 docs"]
    alone = [seg["reason"] for seg in split_boilerplate(text).segments]
    assert alone[-2] == "rule:copyright"
    assert alone[-1].startswith(("soft:subscribe", "edge, soft:subscribe"))
    # a keys-per-line view of the same text: every footer line's key is among the document's keys
    assert {boilerplate.line_key(line) for line in footer} <= keys


def assert_units_guess_as_the_text(text: str, cfg: BoilerplateConfig) -> None:
    """The language guessed from a text's units is the one guessed from its prose sample, and the
    words a unit keeps for the stop-word density are the unit's words."""
    expected = boilerplate._language_for(boilerplate._prose_sample(boilerplate.units_of(text)), cfg)
    units = boilerplate.units_of(text)
    assert boilerplate._language_of_units(units, cfg) == expected
    for unit in units:
        if unit.words is not None:
            assert [word.decode() for word in unit.words] == boilerplate.words_of(unit.low)


def test_language_of_units_reads_the_same_sample_as_the_text_guess():
    cfg = BoilerplateConfig()
    prose = "The river and the weir were there for all of us to see, and it was in the town that we met. "
    german = "Die Brücke über den Fluss ist in der Stadt, und wir haben sie mit dem Rad nicht gefunden. "
    texts = [
        "\n\n".join([prose * 3] * 6),  # long units: the sample is cut inside the second one
        "\n\n".join([prose * 4, german * 4]),  # the German unit across the cut
        "\n\n".join([german * 3] * 4),  # not ASCII: the text guess itself
        "Menu\n\nHome\n\nAbout us",  # no long unit: the sample is every unit
        "\n\n".join(["x " * 50 + "the and", prose * 2]),
    ]
    for text in texts:
        assert_units_guess_as_the_text(text, cfg)
    # 120 words are read in the first two units: the third is not split
    units = boilerplate.units_of(texts[0])
    assert boilerplate._language_of_units(units, cfg) == "en"
    assert units[0].words is not None and units[1].words is not None and units[2].words is None
    # long words: the first unit lies whole in the sample, the second across its cut, the third after it
    long_words = "The extraordinarily international considerations and "
    units = boilerplate.units_of("\n\n".join([long_words * 14] * 3))
    expected = boilerplate._language_for(boilerplate._prose_sample(units), cfg)
    assert boilerplate._language_of_units(units, cfg) == expected == "en"
    assert units[0].words is not None and units[1].words is None and units[2].words is None
    assert boilerplate._language_of_units(boilerplate.units_of(texts[2]), cfg) == "de"


def test_language_of_units_reads_words_of_other_scripts_as_the_text_guess_does():
    cfg = BoilerplateConfig()
    german = "Die Brücke über den Fluss ist in der Stadt, und wir haben sie mit dem Rad nicht gefunden. "
    greek = "ΟΔΟΣ και το να του η της με που για την από ΣΟΦΟΣ λόγος και το σπίτι της ΟΔΟΣ. "
    # 'İ' lower-cases to two chars: the sample's cut must be placed on the plain text
    turkish = "İSTANBUL İZMİR bir ve bu da de için çok ile olarak daha gibi İÇİN ŞEHİR the and "
    texts = [
        "\n\n".join([german * 3] * 4),
        "\n\n".join([greek * 2, german * 5]),
        "\n\n".join([turkish * 6, german * 4]),
        "\n\n".join([german * 2, "Die\u00a0Brücke und der Fluss \u2014 in der Stadt " * 4]),  # a wide space, a dash
        "\n\n".join(["Die Brücke und der Fluss in der Stadt " * 4, "Die\u3000Brücke und der Fluss " * 30]),
    ]
    for text in texts:
        assert_units_guess_as_the_text(text, cfg)
    units = boilerplate.units_of(texts[0])
    assert boilerplate._language_of_units(units, cfg) == "de"
    assert units[0].words is not None  # split as bytes, kept for the stop-word density
    units = boilerplate.units_of(texts[3])
    boilerplate._language_of_units(units, cfg)
    assert units[1].words is None  # a wide space: only words_of splits it right


@pytest.mark.parametrize("line", ["Valley News, MARCH 03, 2021", "valley news, 3 Mar. 2021", "Updated 2021-03-03 by the desk",
                                  "Nachrichten aus Köln, March 3, 2021"])
def test_datelines_of_any_case_and_script(line):
    assert boiler_reasons(split_boilerplate(article(bottom=[line])))[line] == "rule:dateline"


def test_units_without_hashes_keep_their_keys():
    text = "A first line of the page\n\n[Home](/) | [News](/n)\n\nThe end of it all, joined\nover two lines"
    hashed, unhashed = boilerplate.units_of(text), boilerplate.units_of(text, with_hashes=False)
    assert [u.key for u in hashed] == [u.key for u in unhashed]
    assert hashed[0].key_hash == boilerplate.line_key(hashed[0].raw) and unhashed[0].key_hash == 0

import json
import random
import re
from pathlib import Path

import pytest

from builder.config import LicensingConfig
from builder.document import Document
from builder.stages import licensing
from builder.stats import Stats

BODY = "The council voted to extend the tram line to the northern districts."


def decide(body=BODY, boilerplate="", html=None, terms=None):
    return licensing.conclude(licensing.detect_license(body, boilerplate, html), terms, "example.org")


@pytest.mark.parametrize(
    "url, spdx",
    [
        ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
        ("http://creativecommons.org/licenses/by-nc-sa/3.0/de/", "CC-BY-NC-SA-3.0"),
        ("creativecommons.org/licenses/by-nd/2.0", "CC-BY-ND-2.0"),
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/deed.fr", "CC-BY-NC-ND-4.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "CC-PDM-1.0"),
        ("https://creativecommons.org/licenses/by-sa/", "LicenseRef-CC-BY-SA"),
    ],
)
def test_cc_urls_map_to_spdx(url, spdx):
    assert licensing.cc_id_from_url(url) == spdx
    assert licensing.is_valid_license_id(spdx)


@pytest.mark.parametrize(
    "text, spdx",
    [
        ("licensed under a Creative Commons Attribution-NonCommercial 4.0 International License", "CC-BY-NC-4.0"),
        ("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0", "CC-BY-NC-ND-4.0"),
        ("CC BY-SA 3.0", "CC-BY-SA-3.0"),
        ("cc-by 4.0", "CC-BY-4.0"),
        ("Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 4.0", "CC-BY-SA-4.0"),
        ("released under CC0", "CC0-1.0"),
    ],
)
def test_cc_text_maps_to_spdx(text, spdx):
    assert licensing.cc_id_from_text(text) == spdx


def test_flags_follow_the_licence():
    assert licensing.license_flags("CC-BY-NC-SA-4.0") == (True, False, True)
    assert licensing.license_flags("CC-BY-ND-4.0") == (False, True, False)
    assert licensing.license_flags("CC0-1.0") == (False, False, False)
    assert licensing.license_flags(None) == (None, None, None)
    assert not licensing.is_valid_license_id("CC-BY-9.9") and not licensing.is_valid_license_id("")


def test_copyright_notice_holders_and_year():
    (notice,) = licensing.find_copyright("The original source is the site\nCopyright © [Jane Roe](#), Harbour Times, 2017")
    assert notice.text == "Copyright © Jane Roe, Harbour Times, 2017"
    assert notice.holders == ("Jane Roe", "Harbour Times") and notice.year == 2017
    (notice,) = licensing.find_copyright("© 2015-2023 Northwind Media, Inc. All rights reserved. | Privacy")
    assert notice.holders == ("Northwind Media, Inc.",) and notice.year == 2023
    assert notice.text.endswith("All rights reserved.")


def test_copyright_as_an_ordinary_word_is_not_a_notice():
    assert licensing.find_copyright("Copyright law should treat news snippets fairly, the copyright owner said.") == []
    assert licensing.find_copyright("Options: (a) tax, (b) cut, (c) borrow.") == []
    assert decide(body="The copyright debate went on.").status == "unknown"


def test_statuses():
    assert decide(boilerplate="© 2024 Example News Ltd. All rights reserved.").status == "all_rights_reserved"
    licensed = decide(boilerplate="This work is licensed under https://creativecommons.org/licenses/by-sa/4.0/")
    assert (licensed.status, licensed.license, licensed.basis, licensed.sa) == ("licensed", "CC-BY-SA-4.0", "license", True)
    assert decide(boilerplate="This text has been released into the public domain.").status == "public_domain"
    cc0 = decide(boilerplate="https://creativecommons.org/publicdomain/zero/1.0/")
    assert (cc0.status, cc0.license) == ("public_domain", "CC0-1.0")
    assert decide(body="Mickey Mouse entered the public domain in 2024.").status == "unknown"


def test_a_page_with_nothing_found_is_unknown_unless_the_config_licenses_it():
    nothing = decide(body=BODY)
    assert (nothing.status, nothing.basis, nothing.reason, nothing.license, nothing.evidence) == ("unknown", "none", "nothing_found", None, [])
    assert decide(body=BODY, terms={"terms_url": "https://example.org/terms"}) == nothing  # terms without a licence
    configured = decide(body=BODY, terms={"license": "CC-BY-4.0"})
    assert (configured.status, configured.basis, configured.reason, configured.license) == ("licensed", "license", "config", "CC-BY-4.0")
    assert configured.evidence == [{"kind": "config", "text": "example.org: CC-BY-4.0", "where": "config"}]


def test_cc_and_all_rights_reserved_conflict():
    decision = decide(boilerplate="CC BY 4.0. © 2021 Example Daily. All rights reserved.")
    assert decision.status == "conflicting" and decision.license is None and decision.reason == "license_and_all_rights_reserved"
    assert decide(boilerplate="Licensed CC BY-SA 4.0; some pages CC BY-NC-ND 3.0.").status == "conflicting"
    # A plain notice beside a CC licence names the licensor: no conflict.
    assert decide(boilerplate="© 2021 Jane Roe. Licensed under CC BY 4.0.").status == "licensed"


def test_cc_credited_to_a_photo_is_not_the_page_licence():
    decision = decide(body=BODY + "\nPhoto: Jane Roe / Flickr (CC BY-SA 2.0)")
    assert decision.status == "unknown" and decision.license is None
    findings = licensing.detect_license(BODY + " Header image by J. Doe (https://creativecommons.org/licenses/by/2.0/)")
    assert findings.licenses == [] and findings.image_credits == 1


def test_html_rel_license_and_figure_links():
    html = '<figure><img src="a.jpg"><figcaption><a href="https://creativecommons.org/licenses/by/2.0/">cc</a></figcaption></figure>'
    assert licensing.find_html_licenses(html) == []
    html += '<footer><a rel="license" href="https://creativecommons.org/licenses/by-nc/4.0/">CC</a></footer>'
    decision = decide(html=html)
    assert (decision.license, decision.nc) == ("CC-BY-NC-4.0", True)
    assert decision.evidence[0]["where"] == "html" and decision.evidence[0]["kind"] == "cc_link"


def test_permission_and_fair_use_are_bases_not_licences():
    permission = decide(boilerplate="The Desk grants permission to cross-post its articles as long as the source is acknowledged.")
    assert (permission.license, permission.status, permission.basis) == (None, "unknown", "permission")
    assert decide(boilerplate="This article may not be republished without permission.").basis == "none"
    fair = decide(boilerplate='© 2011 Herald. We use such material under the provisions of "fair use".')
    assert (fair.license, fair.status, fair.basis) == (None, "all_rights_reserved", "fair_use_claimed")
    # a fair-use claim alone is the only finding: the page's status stays unknown, its basis is the claim
    claim_only = decide(boilerplate='We use such material under the provisions of "fair use".')
    assert (claim_only.license, claim_only.status, claim_only.basis, [item["kind"] for item in claim_only.evidence]) == (
        None, "unknown", "fair_use_claimed", ["fair_use"])
    assert decide(body="Her talk on fair use in classrooms drew teachers.").basis == "none"


def test_config_terms_win_and_are_recorded():
    terms = {"license": "CC-BY-4.0", "terms_url": "https://example.org/terms"}
    decision = decide(boilerplate="© 2020 Example. All rights reserved.", terms=terms)
    assert (decision.license, decision.status, decision.basis) == ("CC-BY-4.0", "licensed", "license")
    assert {"kind": "config", "text": "example.org: CC-BY-4.0 (https://example.org/terms)", "where": "config"} in decision.evidence
    assert decision.copyright_notice == "© 2020 Example. All rights reserved."  # what the page says is kept


def test_source_terms_match_source_or_host_with_www_folded():
    sources = {"example.org": {"license": "CC-BY-4.0"}}
    assert licensing.source_terms_for("www.Example.org", None, sources)[0] == "example.org"
    assert licensing.source_terms_for("news-example", "https://news.example.org/a", sources)[0] == "example.org"
    assert licensing.source_terms_for("other.org", "https://other.org/a", sources) == ("", None)


def make_doc(boilerplate: str, source: str = "site.org") -> Document:
    return Document(id="x", text=BODY, boilerplate=boilerplate, path="p", record=1, raw_hash="h", source=source)


def test_run_fills_the_row_and_applies_the_policy():
    docs = [
        make_doc("CC BY-NC 4.0"),
        make_doc("CC BY 4.0"),
        make_doc(""),
        make_doc("© 2020 Example. All rights reserved.", source="www.example.org"),
    ]
    cfg = LicensingConfig(deny_nc=True, deny_unknown=True, sources={"example.org": {"license": "CC-BY-SA-4.0"}})
    stats = Stats()
    out = list(licensing.run(docs, cfg, stats))
    assert [d.reject for d in out] == ["license_policy", None, "license_policy", None]
    assert out[1].license == "CC-BY-4.0" and out[1].license_evidence[0]["kind"] == "cc_text"
    assert out[3].license == "CC-BY-SA-4.0" and out[3].license_sa is True
    assert stats.get("licensing.policy_rejected") == 2 and stats.get("licensing.reason.config") == 1


def test_policy_allow_list_and_statuses():
    cfg = LicensingConfig(allow_licenses=["CC-BY-4.0"])
    assert licensing.policy_failure(decide(boilerplate="CC BY 4.0"), cfg) is None
    assert "not in" in licensing.policy_failure(decide(boilerplate="CC BY-SA 4.0"), cfg)
    assert "not in" in licensing.policy_failure(decide(), cfg)
    cfg = LicensingConfig(deny_statuses=["conflicting"], deny_nd=True)
    assert licensing.policy_failure(decide(boilerplate="CC BY 4.0. All rights reserved."), cfg).startswith("status")
    assert "derivatives" in licensing.policy_failure(decide(boilerplate="CC BY-ND 4.0"), cfg)


def test_card_license():
    assert licensing.card_license({"CC-BY-4.0": 5}) == {"license": "cc-by-4.0"}
    assert licensing.card_license({"CC0-1.0": 2, "CC-BY-4.0": 0}) == {"license": "cc0-1.0"}
    assert licensing.card_license({None: 3}) == {"license": "unknown"}
    mixed = licensing.card_license({"CC-BY-4.0": 3, None: 2, "CC-BY-SA-4.0": 1})
    assert mixed["license"] == "other" and mixed["license_name"] == "mixed-cc-by-4.0-no-license-cc-by-sa-4.0"
    assert mixed["license_link"] and "CC-BY-4.0: 3 rows" in mixed["license_details"]
    assert licensing.card_license({"LicenseRef-CC-BY": 4})["license"] == "other"


def test_vocabularies():
    assert licensing.STATUSES == ("licensed", "public_domain", "all_rights_reserved", "unknown", "conflicting")
    assert set(licensing.BASES) == {"license", "permission", "fair_use_claimed", "none"}


def test_labelled_licence_set():
    """The project's labelled set (tests/data/licences.jsonl, written for this project)."""
    path = Path(__file__).resolve().parents[1] / "data" / "licences.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 60
    wrong = []
    for row in rows:
        decision = decide(row["body"], row["boilerplate"], row.get("html"))
        if decision.status != row["status"] or decision.license != row["license"]:
            wrong.append((row["id"], decision.status, decision.license))
        if row.get("basis") and decision.basis != row["basis"]:
            wrong.append((row["id"], decision.basis))
    assert len(wrong) <= 1, wrong


# --- the pre-check (trigger words) finds what the full scan finds --------------------------------

# Pieces of licence statements, notices, links and look-alike letters, joined at random below so
# that words meet across spaces, newlines, link markup and case.
FRAGMENTS = [
    " ", "  ", "\n", "\u2009", "\xa0", "-", ".", ",", "(", ")", "[", "](", "](https://example.org/p)", "![", "!", "a", "by", "the",
    "Copy", "right", "Copyright", "COPYRIGHT ", "©", "&copy;", "(c)", "(C) ", "2019", "2015-2023", " Jane Roe", " Northwind Media, Inc.",
    "All rights reserved", "ALL RIGHTS RESERVED.", "alle Rechte vorbehalten", "tous droits réservés", "todos los derechos reservados",
    "No part of this article may be copied", "Creative", "Commons", "Creative Commons", "CREATIVE-COMMONS", "Creatıve Commons",
    "Attribution", "NonCommercial", "ShareAlike", "Namensnennung", "CC", "cc-by", "CC BY-SA", "BY-NC-ND", "4.0", "3.0", "CC0", "Zero",
    "creativecommons.org/licenses/by-nc/4.0/", "https://creativecommons.org/publicdomain/zero/1.0/", "Public Domain Mark 1.0",
    "licensed under", "under a", "sous", "bajo", "Licence", "Photo: ", "Image by J. Doe ", "text and photos ",
    "grants permission to cross-post", "Permission is hereby granted to republish", "We encourage you to republish",
    "you may reprint", "feel free to repost", "can be freely reproduced", "may not be republished", "free to republish",
    "republish this article for free", "not ", "under the fair use", "under the fair\nuse", "claims fair  dealing", "claims fair use", "17 U.S.C. § 107",
    "Section 107 of the Copyright Act", "is in the public domain", "has been released into the public domain",
    "entered the public domain", "public domain dedication", "gemeinfrei", "domaine public", "This article ", "İ", "ſ", "K",
    "in accordance with fair use", "paper fair use", "for purposes other than fair use", "pursuant to the 'fair dealing'",
    "provisions of fair use", "constitutes a fair use", "Title 17 U.S.C. Section 107", "Section 107 of the US Copyright Act",
    "was put into the public domain", "hereby dedicated to the public domain", "are in the public domain", "released all posts to the public domain",
]


def mixed_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 30))) for _ in range(count)]


def test_precheck_never_hides_a_finding():
    """Every detector run only where its trigger words are gives exactly what it gives when run
    over the whole text: on the labelled set, on this file's texts and on random mixes."""
    path = Path(__file__).resolve().parents[1] / "data" / "licences.jsonl"
    cases = [(r["body"], r["boilerplate"], r.get("html")) for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]
    cases += [
        (BODY + "\nPhoto: Jane Roe / Flickr (CC BY-SA 2.0)", "The original source is the site\nCopyright © [Jane Roe](#), Harbour Times, 2017", None),
        ("Copyright law should treat news snippets fairly, the copyright owner said.", "Options: (a) tax, (b) cut, (c) borrow.", None),
    ]
    mixed = mixed_texts(800, seed=5)
    cases += [(text, mixed[i - 1], text if i % 10 == 0 else None) for i, text in enumerate(mixed)]
    kinds = set()
    for body, boilerplate, html in cases:
        fast = licensing.detect_license(body, boilerplate, html)
        assert fast == licensing.detect_license(body, boilerplate, html, precheck=False), (body, boilerplate)
        kinds.update(kind for kind, found in vars(fast).items() if found)
    # ...and the cases do find every kind of thing the detectors look for.
    assert kinds == {"licenses", "notices", "all_rights_reserved", "permissions", "fair_use", "public_domain", "image_credits"}


# Texts with no notice word where removing a link makes one: at the "[", after the ")", across an
# image's "!", between two links, with 'ı' for i, and with "(c)" and "&copy;" put together.
JOINED_NOTICES = [
    "Copyr[ight](/a) 2015 Jane Roe", "[Copy](/a)right 2015 Jane Roe", "copyrı[ght](/a) 2015 Jane Roe",
    "Copy![right](/i) 2015 Jane Roe", "[Copy](/a)[right](/b) 2015 Jane Roe", "[(c](/a)) 2015 Jane Roe",
    "&co[py;](/a) 2015 Jane Roe", "Copy[](/a)right 2015 Jane Roe",
]
JOIN_PIECES = ["c", "C", "o", "py", "right", "ght", "(", ")", "[", "]", "](", "](x)", "![", "!", "ı", "©", "&", ";", "x", " ", "\n",
               "(c", "c)", "copy", "Copyr", "copyrı", "[ght](x)", "[ı](x)", "[)](y)", "[(c](w)", "[&copy](w)", "[](b)", " 2015", " Jane Roe"]


def test_precheck_finds_notices_that_removing_links_joins():
    for text in JOINED_NOTICES:
        assert "copyright" not in licensing.fold(text) and "(c)" not in text and "&copy;" not in text
        notices = licensing.find_copyright(text, licensing.text_triggers(text))
        assert notices == licensing.find_copyright(text) != [], text
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(JOIN_PIECES) for _ in range(rng.randint(1, 16)))
        assert licensing.find_copyright(text, licensing.text_triggers(text)) == licensing.find_copyright(text), text
        assert licensing._strip_links(text) == licensing._MD_LINK.sub(r"\1", text)


def test_notices_of_a_recurring_footer_come_from_the_cache():
    # A page's notices are cached on its text from the first notice word's line on: pages that
    # share that part (a site's footer) share the notices, whatever comes before it.
    footer = "Copyright © 2015 Harbour Times. All rights reserved."
    # ...with its links removed first, unless a link is open across the line break before that line
    # (in its text or its URL) or removing one can join a notice word: then the page is read whole.
    lines_before = [
        "", "[Home](/) | [News](/news)\n", "By Jane Roe\nTopics: [Courts](/t/1)\n", "Copyright law came up.\n",
        "[Read the story\n", "[More](/news?\n", "Copy[right](/r) 2014 Joined Holder\n", "[a [b] c\n", "x](y\n",
        "Read more: ",  # the same line: "Copyright Jane Roe 2014" is a notice only where it opens its line
    ]
    lines_after = ["", "\nAll rights reserved.", "\n© 2016 Second Holder Ltd", "\n[Privacy](/privacy)", "](/more)", ")"]
    licensing._NOTICES_OF_TAIL.clear()
    for before in lines_before:
        for after in lines_after:
            for footer_line in (footer, "(c) 2019 [Jane Roe](/a)", "Posted by x © 2020 Y", "Copyright by Z Inc.", "Copyright Jane Roe 2014"):
                text = before + footer_line + after
                notices = licensing.find_copyright(text, licensing.text_triggers(text))
                assert notices == licensing.find_copyright(text), text
    # One entry per distinct part from the first notice word's line on, not one per page.
    assert footer + "\n© 2016 Second Holder Ltd" in licensing._NOTICES_OF_TAIL
    assert not any(key.startswith(("[Home]", "By Jane")) for key in licensing._NOTICES_OF_TAIL)
    (notice,) = licensing.find_copyright("[Home](/)\n" + footer, licensing.text_triggers("[Home](/)\n" + footer))
    assert (notice.holders, notice.year) == (("Harbour Times",), 2015)
    # A notice word early in a long text is no footer: found as ever, not kept.
    long_text = "Copyright law came up.\n" + "Council news. " * 200 + "\n" + footer
    assert licensing.find_copyright(long_text, licensing.text_triggers(long_text)) == licensing.find_copyright(long_text) != []
    assert long_text not in licensing._NOTICES_OF_TAIL


def test_precheck_on_letters_that_lower_casing_moves():
    # 'ı' matches i case-insensitively and is folded to it; 'İ' lowers to two characters, so a
    # text holding it is scanned in full.
    assert licensing.fold("Creatıve Commons") == "creative commons"
    assert licensing.fold("CREATİVE") is None
    for text in ("Licensed under Creatıve Commons Attribution 4.0.", "Licensed under CREATİVE COMMONS ATTRIBUTION 4.0."):
        assert licensing.cc_id_from_text(text) == "CC-BY-4.0"
        assert licensing.detect_license(text).licenses == licensing.detect_license(text, precheck=False).licenses != []


def test_fold_covers_every_case_insensitive_look_alike():
    """Every character that a case-insensitive pattern takes for a letter of a trigger word (or
    any ASCII letter) folds to that letter, or makes `fold` give up: so a trigger word is found
    wherever a pattern could match it."""
    wheres = [value for value in vars(licensing).values() if isinstance(value, licensing.Where)]
    words = {word for where in wheres for t in where.triggers for word in (t.starts or ()) + t.needs}
    words |= set(licensing.PHONE_LABEL_WORDS)
    letters = {char for word in words for char in word} | set("abcdefghijklmnopqrstuvwxyz")
    # Only characters with a case (and the two Python matches without one) can match another.
    cased = [chr(c) for c in range(0x110000) if chr(c).lower() != chr(c) or chr(c).upper() != chr(c)]
    assert len(wheres) >= 10 and "ı" in cased and "K" in cased
    look_alikes = 0
    for char in cased:
        for letter in letters:
            if char != letter and re.fullmatch(re.escape(letter), char, re.IGNORECASE):
                look_alikes += 1
                assert licensing.fold(char) in (None, letter), (char, letter)
    assert look_alikes >= 30  # upper-case forms, and 'İ', 'ı', 'ſ', the Kelvin sign


def test_whitespace_is_what_backslash_s_matches():
    assert licensing.WHITESPACE == "".join(chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c)))


def test_trigger_words_without_the_automaton(monkeypatch):
    words = ["cc", "cc0", "all", "©", "reserved"]
    text = licensing.fold("© 2020 ccc CC0 small. All rights reserved; all reserved.")
    with_automaton = licensing.TriggerWords(words).positions(text)
    monkeypatch.setattr(licensing, "ahocorasick_rs", None)
    assert licensing.TriggerWords(words).positions(text) == with_automaton
    assert with_automaton["cc"] == [7, 8, 11] and with_automaton["©"] == [0]


def test_latin1_texts_are_searched_as_bytes_with_the_same_positions():
    """A text of Latin-1 characters is searched as bytes, any other as a str: both give the
    positions of a search for every word."""
    words = licensing._trigger_words().words
    texts = ["tél. 01 23 45 67 89 — © 2020", "tél: © café cc\xa0by cc0", "© 2020 ccc cc0. all rights reserved", "ı tél © cc\u2009by", ""]
    for text in texts:
        low = licensing.fold(text)
        expected = {word: at for word in words if (at := licensing._find_all(low, word))}
        assert licensing._trigger_words().positions(low) == expected, text
    assert licensing._trigger_words().positions("tél ©") == {"tél": [0], "©": [4]}


def test_scan_of_a_text_finds_what_a_search_of_its_fold_finds():
    """A Latin-1 text is lower-cased as bytes (A-Z only): upper-case accented letters ('TÉL')
    are still found, and texts of other characters take the folded path."""
    words = licensing._trigger_words()
    texts = ["TÉL. 01 23 45 67 89", "Tél: © CAFÉ CC\xa0BY", "COPYRIGHT © 2020 ÀÉÎ", "İstanbul tÉl", "ſtrasse TEL", "Ω tél ©", ""]
    for text in texts:
        low = licensing.fold(text)
        expected = None if low is None else {word: at for word in words.words if (at := licensing._find_all(low, word))}
        scanned = words.scan(text)
        assert (None if scanned is None else scanned.found) == expected, text
        if scanned is not None:
            assert scanned.low == low
    assert words.scan("TÉL ©").found == {"tél": [0], "©": [4]}


def test_common_start_words_are_found_where_the_fold_has_them():
    """Words outside the automaton ('all', 'you') are searched in the Latin-1 bytes lower-cased
    when the scan has them, at the positions a search of the folded text gives."""
    words = licensing._trigger_words()
    common = ("all", "you", "may", "tous", "17", "is")
    for text in ["ALL rights, YoU MAY; TOUS 17 ÀLL Ìs", "Kall ſall", "İs all", "", "fall all-all\nALL"] + mixed_texts(200, seed=3):
        scanned = words.scan(text)
        if scanned is None:
            continue
        folded = licensing.TextTriggers(licensing.fold(text), words)
        for word in common:
            assert scanned.starts((word,)) == folded.starts((word,)) == licensing._find_all(licensing.fold(text), word), (text, word)


def test_start_words_looked_up_together_are_found_as_one_by_one():
    """Several common words asked for at once are found in one pass, each at every place (also
    inside another's occurrence) where a search for it alone finds it."""
    words = licensing._trigger_words()
    common = ("all", "ll", "is", "sis", "you", "17", "ana", "all")
    for text in ["ALL rights, isis sisis, bAnana YoU 171", "Kall ſall", "", "fall all-all\nALL", "Ça, l'île"] + mixed_texts(200, seed=4):
        together, one_by_one = words.scan(text), words.scan(text)
        if together is None:
            continue
        expected = [at for word in common for at in one_by_one.starts((word,))]
        assert together.starts(common) == expected, text
        assert expected == [at for word in common for at in licensing._find_all(licensing.fold(text), word)], text


def test_one_scan_serves_licensing_and_pii():
    from builder.stages import pii

    body = "Call us: Tel. 030 1234567. Copyright 2024 The Ledger. All rights reserved."
    first = licensing.text_triggers(body)
    assert licensing.text_triggers(body) is first  # the same text is not scanned twice
    assert licensing.text_triggers("".join(list(body))) is not first  # an equal but other string is
    assert first.found.keys() >= {"tel", "call", "copyright", "reserved"}
    # PII takes its label words from that scan and finds what scanning every position finds.
    assert pii.find_phones(body) == pii.find_phones(body, precheck=False) != []
    # Licensing decides from its own words: a text with only phone label words holds nothing for it.
    only_labels = "Call the office by phone or fax."
    assert licensing.detect_license(only_labels) == licensing.detect_license(only_labels, precheck=False) == licensing.LicenseFindings()


def test_scan_finds_where_links_can_join_a_notice():
    """The scan of a Latin-1 text tells whether `_JOIN_MAY_MAKE_NOTICE` matches (both cases of the
    notice letters, an image's "!"); a text beyond Latin-1 is not scanned for it."""
    rng = random.Random(11)
    texts = ["C[x](/a)", "[x](/a)R", "T![x](/i)", "©[x](/a)", "[x](/a)&", "a [x](/a) b", "[x](/a), [y](/b)", ""]
    texts += ["".join(rng.choice(JOIN_PIECES + ["é", "É", "K"]) for _ in range(rng.randint(1, 16))) for _ in range(3000)]
    joins = 0
    for text in texts:
        scanned = licensing._trigger_words().scan(text)
        expected = licensing._JOIN_MAY_MAKE_NOTICE.search(text) is not None
        if scanned is None or scanned.marks is None:
            assert not text.isascii(), text
            continue
        assert bool(scanned.marks[licensing._LINK_JOIN]) == expected == licensing._may_join_notice(text, scanned), text
        joins += expected
    assert 100 < joins < len(texts) - 100  # the texts have both answers, many times
    assert licensing._trigger_words().scan("ı [x](/a)").marks is None

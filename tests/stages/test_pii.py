import random

from builder.config import PiiConfig
from builder.document import Document
from builder.stages import pii
from builder.stats import Stats


def kinds(text):
    return [(m.kind, m.value) for m in pii.find_pii(text)]


def test_finds_emails_phones_ips():
    assert kinds("Write to jane.roe+news@example.co.uk today") == [("email", "jane.roe+news@example.co.uk")]
    assert kinds("Call +1 (555) 123-4567.") == [("phone", "+1 (555) 123-4567")]
    assert kinds("Tel: 030 1234567") == [("phone", "030 1234567")]
    assert kinds("or 555-123-4567 and (030) 1234 5678") == [("phone", "555-123-4567"), ("phone", "(030) 1234 5678")]
    assert kinds("from 192.168.10.20 and 2001:db8::1") == [("ip", "192.168.10.20"), ("ip", "2001:db8::1")]


def test_numbers_that_are_not_phones_or_ips():
    for text in [
        "ISBN: 978-0-9879389-1-6",
        "List Price: $17.95, now 1,234,567 copies",
        "Published 2017-09-07 and 07.09.2017",
        "ORCID 0000-0002-4273-1165",
        "version 1.2.3.4 of the app, v10.0.0.1",
        "between 1990-2000 at 12:30:45",
        "std::vector and a::b",
        "Pages: 128",
    ]:
        assert pii.find_pii(text) == [], text


def test_redact_replaces_with_typed_placeholders():
    text = "[jane@example.org](mailto:jane@example.org) +44 20 7946 0958 at 10.0.0.1"
    assert pii.redact(text) == "[<EMAIL>](mailto:<EMAIL>) <PHONE> at <IP>"
    assert pii.count_pii(pii.find_pii(text)) == {"emails": 1, "phones": 1, "ips": 1}


def make_doc(text, boilerplate=""):
    return Document(id="x", text=text, boilerplate=boilerplate, path="p", record=1, raw_hash="h")


def test_run_redacts_body_boilerplate_and_licence_fields():
    doc = make_doc("Mail tips to tips@example.org.", "Contact: desk@example.org\nCopyright © desk@example.org 2020")
    doc.copyright_notice = "Copyright © desk@example.org 2020"
    doc.license_evidence = [{"kind": "copyright", "text": "Copyright © desk@example.org 2020", "where": "boilerplate"}]
    stats = Stats()
    (out,) = pii.run([doc], PiiConfig(), stats)
    assert "@" not in out.text + out.boilerplate + out.copyright_notice + out.license_evidence[0]["text"]
    assert out.text == "Mail tips to <EMAIL>." and out.pii == {"emails": 2, "phones": 0, "ips": 0}
    assert stats.get("pii.emails") == 2 and stats.get("pii.docs_redacted") == 1


def test_licence_evidence_keeps_its_items_and_gains_a_missing_text():
    doc = make_doc("No contact here.")
    doc.license_evidence = [
        {"kind": "copyright", "text": "© 2020 Example News", "where": "boilerplate"},
        {"kind": "permission", "text": "Write to desk@example.org to republish", "where": "body"},
        {"kind": "config", "where": "config"},
    ]
    (out,) = pii.run([doc], PiiConfig(), Stats())
    assert out.license_evidence == [
        {"kind": "copyright", "text": "© 2020 Example News", "where": "boilerplate"},
        {"kind": "permission", "text": "Write to <EMAIL> to republish", "where": "body"},
        {"kind": "config", "where": "config", "text": ""},
    ]


def test_keep_counts_only_and_drop_rejects_on_body():
    (kept,) = pii.run([make_doc("at 10.0.0.1")], PiiConfig(mode="keep"), Stats())
    assert kept.text == "at 10.0.0.1" and kept.pii["ips"] == 1
    dropped, footer_only = pii.run([make_doc("at 10.0.0.1"), make_doc("clean", "x@example.org")], PiiConfig(mode="drop"), Stats())
    assert dropped.reject == "pii" and "1 ips" in dropped.reject_detail
    assert footer_only.reject is None and footer_only.boilerplate == "<EMAIL>"


# --- the pre-check finds what the full scan finds -----------------------------------------------

# The texts of the tests above, and pieces joined at random below so that digits, separators,
# labels and addresses meet in every order (written for these tests).
TEXTS = [
    "Write to jane.roe+news@example.co.uk today", "Call +1 (555) 123-4567.", "Tel: 030 1234567",
    "or 555-123-4567 and (030) 1234 5678", "from 192.168.10.20 and 2001:db8::1", "ISBN: 978-0-9879389-1-6",
    "List Price: $17.95, now 1,234,567 copies", "Published 2017-09-07 and 07.09.2017", "ORCID 0000-0002-4273-1165",
    "version 1.2.3.4 of the app, v10.0.0.1", "between 1990-2000 at 12:30:45", "std::vector and a::b", "Pages: 128",
    "[jane@example.org](mailto:jane@example.org) +44 20 7946 0958 at 10.0.0.1",
    "Contact: desk@example.org\nCopyright © desk@example.org 2020",
    "WhatſApp: 0171 2345678 (a long s matches s case-insensitively)", "TÉL. 01 23 45 67 89",
]
FRAGMENTS = [
    " ", "  ", "\n", "-", ".", "/", "+", "(", ")", ":", "::", "@", "@@", "%", "_", "a", "B", "é", "ı", "ſ", "İ", "K",
    "1", "12", "555", "030", "2024", "1234567", "0171", "٣٤٥", "192.168.", "10.0.0.1", "256.1.1.1", "2001:db8::1", "fe80::", "::1",
    "jane.roe@example.org", "x@y.co", "a%b@example.net", "a" * 64, "b" * 63, "@example.org", ".org", "example",
    "Tel", "TEL:", "tel.", "telephone ", "Phone", "ph", "Mobıle: ", "whatſapp", "Fax", "call ", "Tél. ", "teléfono ", "no. ", "Nr",
    "number ", "v", "version ", "release ", "ISBN ", "ORCID ", "$", "€", "(555) 123-4567", "+1 555 123 4567", "555.123.4567",
    "1-555-123-4567", "+49 (30) 1234567", "1.22.333.4", "12.3", "123-45", "-67", ".8", "4.5-6", "10.20.30",
]


def mixed_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def test_precheck_never_hides_a_finding():
    """Each pattern tried only where a match can begin finds exactly what a scan of every
    position finds, on the texts above and on random mixes of their pieces."""
    found = {"email": 0, "phone": 0, "ip": 0}
    for text in TEXTS + mixed_texts(2000, seed=3):
        fast = pii.find_pii(text)
        assert fast == pii.find_pii(text, precheck=False), text
        assert pii.find_emails(text) == pii.find_emails(text, precheck=False)
        assert pii.find_phones(text) == pii.find_phones(text, precheck=False)
        assert pii.find_ips(text) == pii.find_ips(text, precheck=False)
        for match in fast:
            found[match.kind] += 1
    assert min(found.values()) >= 50, found  # the texts do hold every kind, many times


def test_text_without_the_marks_of_pii_holds_none():
    """A text without an @, a colon and enough digits holds no match (licence fields skip the scan)."""
    skipped = 0
    for text in TEXTS + mixed_texts(2000, seed=5) + ["© 2016 Example News", "Copyright 1999-2024 Jane Roe. All rights reserved."]:
        if not pii.may_hold_pii(text):
            skipped += 1
            assert pii.find_pii(text, precheck=False) == [], text
    assert skipped >= 50  # the check does skip texts
    assert pii.may_hold_pii("call 555 1234 567") and pii.may_hold_pii("at 10.0.0.1") and pii.may_hold_pii("٣٤٥٦٧٨٩ ٣")
    assert not pii.may_hold_pii("© 2016 Example News") and not pii.may_hold_pii("Jane Roe, Example Media Inc.")
    # an IPv4 address has three dots: a notice with a year and two full stops holds none
    assert not pii.may_hold_pii("© 2016 Example News. All rights reserved.") and pii.may_hold_pii("1.2.3.4")


def test_marks_before_digits_come_from_the_licensing_scan():
    """A Latin-1 text's "-digit", ".digit", "+digit" and "(digit" places come from licensing's pass
    over it, the same as the searches find; other texts are searched."""
    from builder.stages import licensing

    assert set(pii._MARK_BEFORE_DIGIT) == set(licensing.PII_DIGIT_MARKS)
    scanned = 0
    for text in TEXTS + mixed_texts(2000, seed=9) + ["+4 (0 -5 .6 +x (y -z .w", "٣-٣ .٣ +٣ (٣ -1", "Ω +1 (2 -3 .4"]:
        expected = {mark: [m.start() for m in pattern.finditer(text)] for mark, pattern in pii._MARK_BEFORE_DIGIT.items()}
        marks = pii._mark_digit_positions(text)
        assert {mark: list(marks[mark]) for mark in pii._MARK_BEFORE_DIGIT} == expected, text
        triggers = licensing.text_triggers(text)
        scanned += triggers is not None and triggers.marks is not None
    assert scanned > 300  # many texts took the marks from the scan (the others hold letters beyond Latin-1)

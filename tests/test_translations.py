"""The translation layer: every interface string has an Arabic translation, and the formats.

The strings are found the way ``make translations`` finds them (Babel's extractor over the
mapping in ``babel.cfg``), independently of the catalog the dashboard reads.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from rasl_data import i18n

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _method_map() -> list[tuple[str, str]]:
    methods = []
    for line in (ROOT / "babel.cfg").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\[(\w+):\s*(.+)\]", line.strip())
        if m:
            methods.append((m.group(2), m.group(1)))
    return methods


def _extracted() -> dict[str, tuple[str, int]]:
    """msgid (singular) → (file, line) of every marked interface string in the source."""
    found: dict[str, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), _method_map()):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, (filename, lineno))
    return found


@pytest.fixture(scope="module")
def arabic():
    with i18n.po_path("ar").open("rb") as fh:
        return read_po(fh, locale="ar")


def test_every_interface_string_has_an_arabic_translation(arabic):
    missing = []
    for msgid, (filename, lineno) in sorted(_extracted().items()):
        entry = arabic.get(msgid)
        strings = () if entry is None else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None or entry.fuzzy or not strings or not all(s.strip() for s in strings):
            missing.append(f"{filename}:{lineno}: {msgid!r}")
    assert not missing, ("no Arabic translation (run `make translations`, then translate in "
                         f"{i18n.po_path('ar').relative_to(ROOT)}):\n" + "\n".join(missing[:60]))


def test_translations_keep_every_placeholder(arabic):
    wrong = []
    for entry in arabic:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for form, s in enumerate(strings):
            found = set(PLACEHOLDER.findall(s)) if s else wanted
            # Arabic names zero, one and two with words ("دقيقتين": two minutes), so its plural forms
            # 0-2 may leave the count out; they never bring a placeholder of their own.
            spelled = isinstance(entry.id, tuple) and form <= 2 and found <= wanted
            if found != wanted and not spelled:
                wrong.append(f"{ids[0]!r}: {s!r}")
    assert not wrong, "translations whose {placeholders} differ from the English:\n" + "\n".join(wrong)


def test_english_is_the_source_text_and_arabic_comes_from_the_catalog(arabic):
    translated = next((e for e in arabic if e.id and isinstance(e.id, str) and e.string), None)
    if translated is None:
        pytest.skip("the catalog has no translation yet")
    with i18n.use("en"):
        assert i18n._(translated.id) == translated.id
    with i18n.use("ar"):
        assert i18n._(translated.id) == translated.string


def test_unknown_language_and_digits_fall_back_to_the_defaults():
    assert i18n.normalise_language("ar-SA") == "ar"
    assert i18n.normalise_language("fr") is None
    with i18n.use("fr", "roman"):
        assert (i18n.language(), i18n.digits()) == ("en", "western")


def test_numbers_in_arabic_with_either_digit_style():
    with i18n.use("ar", "western"):
        assert i18n.format_number(1234567) == "1,234,567"
        assert i18n.format_number(2.75, 1) == "2.8"
    with i18n.use("ar", "arabic-indic"):
        # CLDR's Arabic signs with Arabic-Indic digits: ٬ groups, ٫ decimal (hand-written).
        assert i18n.format_number(1234567) == "١٬٢٣٤٬٥٦٧"
        assert i18n.format_number(1234.5, 1) == "١٬٢٣٤٫٥"
    with i18n.use("en", "arabic-indic"):
        assert i18n.format_number(1234567) == "1,234,567"


def test_arabic_month_and_weekday_names():
    with i18n.use("ar"):
        assert i18n.month_name(3, "wide") == "مارس"
        assert i18n.weekday_name(4) == "الجمعة"  # 4 = Friday
        assert "مارس" in i18n.format_date(date(2026, 3, 1))
    with i18n.use("en"):
        assert i18n.format_date(date(2026, 3, 1)) == "1 Mar 2026"


def test_money_shows_the_currency_as_typed():
    with i18n.use("en"):
        assert i18n.format_money(1234.5, "SAR") == "SAR 1,234.50"
        assert i18n.format_money(None, "SAR") == ""
    with i18n.use("ar", "arabic-indic"):
        assert i18n.format_money(1234.5, "SAR") == "١٬٢٣٤٫٥٠ SAR"

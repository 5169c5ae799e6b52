"""Names as a marketer reads them: the tidy form shown, the comparison key, and the naming convention.

``tidy_name`` is how a name is shown (NFKC, single spaces, trimmed); ``normalise_name`` is the key
two names are compared by (case, tatweel, Arabic vowel marks, alef forms and invisible characters
ignored); ``split_source_name`` splits ``Channel / Campaign`` at the first separator. Channel
rules, campaign grouping, spend and target matching and duplicate detection all use these keys.
"""

from __future__ import annotations

import re
import unicodedata

SEPARATORS = (" / ", " | ", " - ", " – ", " — ")

_TATWEEL = "\u0640"
# Arabic short vowels and marks (harakat, shadda, sukun, superscript alef): never part of a name.
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")
# Hamza forms of alef typed interchangeably (إنستغرام / انستغرام / أنستغرام).
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_SPACES = re.compile(r"\s+")


def _is_format(ch: str) -> bool:
    """Unicode category Cf: zero-width space/joiners, word joiner, BOM, bidi controls, ..."""
    return unicodedata.category(ch) == "Cf"


def _trim(s: str) -> str:
    """``s`` without spaces or format characters at either end (they are never part of a name)."""
    start, end = 0, len(s)
    while start < end and (s[start].isspace() or _is_format(s[start])):
        start += 1
    while end > start and (s[end - 1].isspace() or _is_format(s[end - 1])):
        end -= 1
    return s[start:end]


def tidy_name(s: str | None) -> str:
    """A name as shown: NFKC, no tatweel, single spaces, trimmed of spaces and invisible format
    characters at the ends; case kept. Format characters inside (a ZWNJ in a Persian word) stay."""
    if s is None:
        return ""
    s = unicodedata.normalize("NFKC", str(s)).replace(_TATWEEL, "")
    return _trim(_SPACES.sub(" ", s))


def normalise_name(s: str | None) -> str:
    """The comparison key of a name: ``tidy_name`` + case folding + Arabic alef/harakat folding,
    without any format character (Unicode category Cf: zero-width space, ZWNJ/ZWJ, word joiner,
    BOM, bidi controls), which a reader cannot see.

    Two names with the same key are the same to a marketer ("Facebook " and "facebook",
    "واتســاب" with tatweel and "واتساب", full-width letters and ASCII, "WhatsApp" and
    "WhatsApp" followed by a zero-width space). An empty key means nothing visible. Used for
    channel rules, campaign grouping and duplicate detection.
    """
    s = "".join(ch for ch in tidy_name(s) if not _is_format(ch))
    s = _SPACES.sub(" ", s).strip().casefold()
    s = _HARAKAT.sub("", s).translate(_ALEF)
    return s


def split_source_name(name: str | None) -> tuple[str, str | None]:
    """``(channel part, campaign or None)`` of a source name by the naming convention.

    The earliest separator in the tidied name splits it; an empty side counts as absent.
    """
    tidy = tidy_name(name)
    hits = [(tidy.find(sep), sep) for sep in SEPARATORS if tidy.find(sep) >= 0]
    if not hits:
        return tidy, None
    pos, sep = min(hits)
    head, tail = tidy[:pos].strip(), tidy[pos + len(sep):].strip()
    return head, (tail or None)

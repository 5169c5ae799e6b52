"""Derived attribution: channel and campaign of each source, from rules, labels and its name.

RASL gives a contact one *source* and nothing else about where it came from (no campaign, no
UTM; see CONTRACT.md §12). The dashboard derives two more dimensions from the source:

* **campaign** from the naming convention ``Channel / Campaign``: the first separator among
  `` / ``, `` | ``, `` - `` (and the en/em dashes phone keyboards substitute, `` – ``, `` — ``)
  splits the name; no separator means no campaign. ``source_labels.campaign`` overrides it per
  source (an empty string means "no campaign").
* **channel** from ordered, first-match rules (table ``channel_rules``; an empty table means
  ``default_channel_rules()``), tried on the normalised part before the separator and then on the
  whole normalised name; the built-in rules are keywords (``contains`` / whole ``word``).
  ``source_labels.channel`` overrides it per source. A source no rule
  matches is ``Unmapped`` and listed by ``unmapped_sources``.

Everything is derived at query time from the three tiny tables, so editing a rule or a label
changes history too (retroactive), and a rename of a source moves it to its new channel.
Contacts whose source is missing or deleted are ``Unattributed`` (source id NULL).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from rasl_data.text import BIDI_CONTROLS, one_line  # noqa: F401 (re-exported: names on one line)

UNATTRIBUTED = "Unattributed"
UNMAPPED = "Unmapped"
NO_CAMPAIGN = "No campaign"
# contains: anywhere in the name; word: as a whole word (no letter or digit on either side);
# prefix: at the start; exact: the whole name (or the part before the separator); regex.
MATCH_KINDS = ("contains", "word", "prefix", "exact", "regex")
SEPARATORS = (" / ", " | ", " - ", " – ", " — ")

_TATWEEL = "\u0640"
# Arabic short vowels and marks (harakat, shadda, sukun, superscript alef): never part of a name.
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")
# Hamza forms of alef typed interchangeably (إنستغرام / انستغرام / أنستغرام).
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_SPACES = re.compile(r"\s+")
# Bidirectional embedding, override and isolate controls (``BIDI_CONTROLS``, from text.py) reorder
# how the rest of a name is shown ("\u202eevil" shows as "live"), so a source name must not carry
# them. The plain marks LRM/RLM (U+200E/U+200F) are harmless and allowed.

ATTRIBUTION_COLUMNS = ["source_id", "source", "channel", "campaign", "channel_from", "campaign_from"]
RULE_COLUMNS = ["position", "pattern", "match", "channel"]


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


@dataclass(frozen=True)
class ChannelRule:
    """One channel rule: when ``pattern`` matches (by ``match``) a normalised name → ``channel``."""

    position: int
    pattern: str
    match: str
    channel: str

    def matches(self, normalised: str) -> bool:
        """Whether the rule matches an already normalised name (regex: case-insensitive search;
        word: the keyword with no letter or digit right before or after it)."""
        if self.match == "regex":
            try:
                return re.search(self.pattern, normalised, flags=re.IGNORECASE) is not None
            except re.error:
                return False  # saved before validation existed: never match rather than fail a page
        pattern = _normalised_pattern(self.pattern)
        if not pattern:
            return False
        if self.match == "contains":
            return pattern in normalised
        if self.match == "word":
            return pattern in normalised and _word_regex(pattern).search(normalised) is not None
        if self.match == "prefix":
            return normalised.startswith(pattern)
        return normalised == pattern


@functools.lru_cache(maxsize=4096)
def _normalised_pattern(pattern: str) -> str:
    return normalise_name(pattern)


@functools.lru_cache(maxsize=4096)
def _word_regex(pattern: str) -> re.Pattern:
    # A letter or digit (``[^\W_]``) next to the keyword makes it part of a longer word; an
    # underscore, space or punctuation does not ("fb_leads" holds the word "fb").
    return re.compile(r"(?<![^\W_])" + re.escape(pattern) + r"(?![^\W_])")


# The built-in rules: one keyword per rule, so a marketer can read and edit each line. Keywords
# are compared like names (case, spaces, tatweel, alef forms ignored). ``contains`` finds the
# keyword anywhere (Arabic words take attached prefixes: "الواتساب" contains "واتساب");
# ``word`` only as a whole word, for short keywords that hide inside other words ("ig" in
# "big", "form" in "information", "wa" in "walk-in"). No single-letter keyword: "x" filed
# "Nike x Adidas", "2 x 1 offer" and "=HYPERLINK("http://x.test")" under X (Twitter).
# Order matters: click-to-WhatsApp ads before WhatsApp and Facebook ("Meta CTWA"), Instagram
# before Facebook, Google Ads before Google Search, Website before Integration.
CTWA_CHANNEL = "Click-to-WhatsApp Ads"
_DEFAULT_KEYWORDS: list[tuple[str, list[tuple[str, str]]]] = [
    (CTWA_CHANNEL, [
        ("word", "ctwa"), ("contains", "click to whatsapp"), ("contains", "click-to-whatsapp"),
        ("contains", "clicktowhatsapp"), ("word", "click to wa"), ("word", "whatsapp ads"),
        ("word", "whatsapp ad"), ("word", "wa ads"),
        ("contains", "اعلان واتس"), ("contains", "اعلانات واتس"), ("contains", "اعلان الواتس"),
        ("contains", "اعلانات الواتس"), ("contains", "واتساب ممول"), ("contains", "الواتساب الممول"),
        ("contains", "انقر للواتس"), ("contains", "النقر للواتس"), ("contains", "اضغط للواتس"),
    ]),
    ("WhatsApp", [
        ("contains", "whatsapp"), ("contains", "whats app"), ("contains", "wa.me"), ("word", "wa"),
        ("contains", "واتساب"), ("contains", "واتس"), ("contains", "وتساب"),
    ]),
    ("Instagram", [
        ("contains", "instagram"), ("word", "insta"), ("word", "ig"),
        ("contains", "انستغرام"), ("contains", "انستقرام"), ("contains", "انستجرام"), ("contains", "انستا"),
    ]),
    ("Facebook", [
        ("contains", "facebook"), ("contains", "face book"), ("word", "fb"), ("word", "meta"),
        ("contains", "messenger"), ("contains", "فيس بوك"), ("contains", "فيسبوك"), ("contains", "ميتا"),
        ("contains", "ماسنجر"),
    ]),
    ("TikTok", [("contains", "tiktok"), ("contains", "tik tok"), ("contains", "تيك توك"), ("contains", "تيكتوك")]),
    ("Snapchat", [("contains", "snapchat"), ("contains", "snap chat"), ("word", "snap"), ("contains", "سناب")]),
    ("Google Ads", [
        ("contains", "google ads"), ("contains", "googleads"), ("contains", "adwords"), ("word", "ppc"),
        ("word", "sem"), ("contains", "اعلانات جوجل"), ("contains", "اعلانات قوقل"),
        ("contains", "اعلانات غوغل"), ("contains", "جوجل ادز"), ("contains", "قوقل ادز"),
    ]),
    ("Google Search", [
        ("contains", "google"), ("word", "seo"), ("contains", "organic search"), ("contains", "جوجل"),
        ("contains", "قوقل"), ("contains", "غوغل"),
    ]),
    ("X (Twitter)", [("contains", "twitter"), ("contains", "x.com"), ("word", "x ads"), ("contains", "تويتر"),
                     ("word", "اكس")]),
    ("LinkedIn", [("contains", "linkedin"), ("contains", "linked in"), ("contains", "لينكد ان"),
                  ("contains", "لينكدان")]),
    ("YouTube", [("contains", "youtube"), ("contains", "you tube"), ("contains", "يوتيوب")]),
    ("Email", [
        ("contains", "email"), ("contains", "e-mail"), ("contains", "newsletter"), ("contains", "mailchimp"),
        ("contains", "بريد"), ("contains", "ايميل"),
    ]),
    ("SMS", [("word", "sms"), ("contains", "text message"), ("contains", "رسائل نصية"),
             ("contains", "رسالة نصية"), ("contains", "رساله نصيه")]),
    ("Website", [
        ("contains", "website"), ("contains", "web site"), ("contains", "landing page"),
        ("contains", "landingpage"), ("contains", "web form"), ("contains", "webform"), ("word", "web"),
        ("word", "site"), ("word", "form"), ("contains", "موقع"), ("contains", "صفحة هبوط"),
        ("contains", "نموذج"),
    ]),
    ("Referral", [
        ("contains", "referral"), ("contains", "referal"), ("word", "refer"), ("contains", "word of mouth"),
        ("contains", "احالة"), ("contains", "احاله"), ("contains", "توصية"), ("contains", "ترشيح"),
    ]),
    ("Manual import", [
        ("contains", "import"), ("word", "csv"), ("contains", "excel"), ("contains", "manual"),
        ("contains", "upload"), ("contains", "يدوي"), ("contains", "استيراد"),
    ]),
    ("Integration", [
        ("word", "api"), ("contains", "shopify"), ("contains", "woocommerce"), ("contains", "woo commerce"),
        ("contains", "zapier"), ("word", "n8n"), ("contains", "integration"), ("contains", "webhook"),
        ("word", "salla"), ("word", "zid"), ("word", "سلة"), ("word", "زد"), ("contains", "تكامل"),
        ("contains", "ربط"),
    ]),
]

# The built-in rules before December 2026: one regular expression per channel. A cache whose
# saved rules are exactly these never had them edited (they were restored or saved as shipped);
# ``uses_previous_default_rules`` finds it, so the dashboard can offer the current defaults.
PREVIOUS_DEFAULT_RULES = [
    (r"whats\s?app|wa\.me|\bwa\b|واتس\s?اب|وتساب|واتس", "WhatsApp"),
    (r"insta(gram)?|\big\b|انستغرام|انستقرام|انستجرام|انستا", "Instagram"),
    (r"face\s?book|\bfb\b|\bmeta\b|messenger|فيس\s?بوك|فيسبوك|ميتا|ماسنجر", "Facebook"),
    (r"tik\s?tok|تيك\s?توك|تيكتوك", "TikTok"),
    (r"snap\s?chat|\bsnap\b|سناب(\s?شات)?", "Snapchat"),
    (r"google\s?ads|adwords|\bppc\b|\bsem\b|(اعلانات|إعلانات)\s?(جوجل|قوقل|غوغل)|(جوجل|قوقل)\s?ادز", "Google Ads"),
    (r"google|\bseo\b|organic search|جوجل|قوقل|غوغل", "Google Search"),
    (r"twitter|\bx\b|تويتر|\bاكس\b", "X (Twitter)"),
    (r"linked\s?in|لينكد\s?ان|لينكدان", "LinkedIn"),
    (r"you\s?tube|يوتيوب", "YouTube"),
    (r"e-?mail|newsletter|mailchimp|بريد|ايميل|الايميل", "Email"),
    (r"\bsms\b|text message|رسائل نصية|رسالة نصية|رساله نصيه", "SMS"),
    (r"web\s?site|landing\s?page|web\s?form|\bweb\b|\bsite\b|\bform\b|الموقع|موقع|صفحة هبوط|نموذج", "Website"),
    (r"referr?al|\brefer\b|word of mouth|احالة|احاله|توصية|ترشيح", "Referral"),
    (r"import|\bcsv\b|excel|manual|upload|يدوي|استيراد", "Manual import"),
    (r"\bapi\b|shopify|woo\s?commerce|zapier|\bn8n\b|integration|webhook|\bsalla\b|\bzid\b|\bسلة\b|\bزد\b|تكامل|ربط", "Integration"),
]


def default_channel_rules() -> pd.DataFrame:
    """The built-in channel rules: keyword rules (``contains`` or whole-``word``), English and
    Arabic spellings, one keyword per rule, no regular expression and no single-letter keyword.

    Returns ``DataFrame[position (int, 1..n), pattern, match, channel]``; order matters
    (click-to-WhatsApp ads before WhatsApp and Facebook, Instagram before Facebook, Google Ads
    before Google Search).
    """
    rows = [(channel, match, keyword) for channel, keywords in _DEFAULT_KEYWORDS for match, keyword in keywords]
    return pd.DataFrame([(i + 1, keyword, match, channel) for i, (channel, match, keyword) in enumerate(rows)],
                        columns=RULE_COLUMNS)


def previous_default_channel_rules() -> pd.DataFrame:
    """The built-in rules shipped before December 2026 (one regex per channel), same columns."""
    return pd.DataFrame([(i + 1, p, "regex", ch) for i, (p, ch) in enumerate(PREVIOUS_DEFAULT_RULES)],
                        columns=RULE_COLUMNS)


def _rule_rows(rules_df: pd.DataFrame) -> list[tuple[str, str, str]]:
    df = rules_df
    if "position" in df.columns and df["position"].notna().all():
        df = df.sort_values("position", kind="stable")
    return [(str(r.pattern).strip(), str(r.match).strip().lower(), tidy_name(r.channel))
            for r in df.itertuples(index=False)]


def uses_previous_default_rules(db) -> bool:
    """Whether the cache's saved rules are exactly the previous built-in set, never edited.

    Such a cache can move to ``default_channel_rules()`` (the dashboard's "Restore the built-in
    rules", which previews the change first). An empty ``channel_rules`` table already follows
    the current defaults: False. Reads table ``channel_rules``.
    """
    saved = db.query("SELECT position, pattern, match, channel FROM channel_rules ORDER BY position")
    return len(saved) > 0 and _rule_rows(saved) == _rule_rows(previous_default_channel_rules())


# Regex rules run on every source name for every page query, so a pattern that backtracks
# catastrophically would hang the dashboard. Two cheap guards, a heuristic rather than a proof:
# a length limit, and no repeated group that itself holds an unbounded repetition ("(a+)+",
# "(x+x+)+", "(.*a){20}"), the classic exponential shapes. Alternations of overlapping branches
# ("(a|aa)+") are not detected.
MAX_PATTERN_LENGTH = 300


def _quantifier_at(pattern: str, i: int) -> tuple[int, bool, bool] | None:
    """``(length, repeats, unbounded)`` of a quantifier starting at ``pattern[i]``, else None.

    ``repeats``: may match its atom more than once; ``unbounded``: no upper limit. A trailing
    ``?`` (lazy) or ``+`` (possessive) belongs to the quantifier.
    """
    ch = pattern[i]
    if ch in "*+":
        length, repeats, unbounded = 1, True, True
    elif ch == "?":
        length, repeats, unbounded = 1, False, False
    elif ch == "{":
        m = re.match(r"\{([0-9]*)(,([0-9]*))?\}", pattern[i:])
        if not m or (m.group(1) == "" and m.group(2) is None):
            return None  # a literal "{"
        if m.group(2) is None:
            hi = int(m.group(1))
        else:
            hi = int(m.group(3)) if m.group(3) else None
        length, repeats, unbounded = m.end(), hi is None or hi > 1, hi is None
    else:
        return None
    if i + length < len(pattern) and pattern[i + length] in "?+":
        length += 1
    return length, repeats, unbounded


def has_nested_quantifier(pattern: str) -> bool:
    """Whether a regex repeats a group holding an unbounded repetition: ``(a+)+``, ``(x+x+)+``,
    ``((ab)*c)*``, ``(.*a){20}``. A heuristic on the pattern's text (escapes and character classes
    are skipped), for ``validate_rules``."""
    holds = [False]  # per open group: whether it holds an unbounded quantifier
    closed: bool | None = None  # the atom just before i is a group; does it hold one?
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i, closed = i + 2, None
            continue
        if ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i, closed = j + 1, None
            continue
        if ch == "(":
            holds.append(False)
            i, closed = i + 1, None
            continue
        if ch == ")":
            inner = holds.pop() if len(holds) > 1 else False
            holds[-1] = holds[-1] or inner
            i, closed = i + 1, inner
            continue
        q = _quantifier_at(pattern, i)
        if q is not None:
            length, repeats, unbounded = q
            if repeats and closed:
                return True
            holds[-1] = holds[-1] or unbounded
            i, closed = i + length, None
            continue
        i, closed = i + 1, None
    return False


def _check_rule(i: int, pattern: str, match: str, channel: str) -> None:
    """``ValueError`` naming rule ``i`` and its pattern when it cannot be used (``validate_rules``)."""
    if not pattern or not channel:
        raise ValueError(f"Rule {i}: pattern and channel must not be empty.")
    if match not in MATCH_KINDS:
        raise ValueError(f"Rule {i}: match {match!r} is not one of {', '.join(MATCH_KINDS)}.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"Rule {i}: the pattern is {len(pattern):,} characters long; a rule pattern may have "
                         f"at most {MAX_PATTERN_LENGTH}.")
    if not normalise_name(pattern):
        # Names are compared without tatweel, harakat or invisible characters: nothing is left to find.
        raise ValueError(f"Rule {i}: the pattern {pattern!r} can never match: names are compared without "
                         "tatweel, Arabic vowel marks and invisible characters, and nothing else is left.")
    if match == "regex":
        try:
            re.compile(pattern)
        except re.error as err:
            raise ValueError(f"Rule {i}: the pattern {pattern!r} is not a valid regular expression ({err}).") from err
        except OverflowError as err:
            raise ValueError(f"Rule {i}: the pattern {pattern!r} is not a valid regular expression "
                             "(a repetition count is too large).") from err
        except RecursionError as err:
            raise ValueError(f"Rule {i}: the pattern {pattern!r} is not a valid regular expression "
                             "(it is nested too deeply).") from err
        if has_nested_quantifier(pattern):
            raise ValueError(f"Rule {i}: the pattern {pattern!r} repeats a group that itself repeats (like "
                             "(a+)+), which can take minutes on some names; write it without the nested "
                             "repetition.")


def validate_rules(rules_df: pd.DataFrame, skip_invalid: bool = False) -> list[ChannelRule]:
    """Rules from a DataFrame (``position`` optional: row order), checked for the user.

    Raises ``ValueError`` naming the rule's position (1-based, in order) and its pattern for an
    empty pattern or channel, an unknown match kind, a pattern longer than
    ``MAX_PATTERN_LENGTH`` characters, one that normalises to nothing (only tatweel, harakat or
    invisible characters: it can never match), a regex that does not compile (including
    ``re.error``, ``OverflowError`` for a huge repetition count and ``RecursionError``) and a
    regex with a nested repetition (``has_nested_quantifier``, a heuristic against catastrophic
    backtracking). ``skip_invalid=True`` (rules already saved, e.g. before a check existed) leaves
    such rules out instead: they never match, and pages keep working.
    """
    missing = {"pattern", "match", "channel"} - set(rules_df.columns)
    if missing:
        raise ValueError(f"Channel rules need the columns {', '.join(sorted(missing))}.")
    df = rules_df.reset_index(drop=True)
    if "position" in df.columns and df["position"].notna().all():
        df = df.sort_values("position", kind="stable").reset_index(drop=True)
    rules = []
    for i, row in enumerate(df.itertuples(index=False), start=1):
        pattern = "" if pd.isna(row.pattern) else str(row.pattern).strip()
        match = "" if pd.isna(row.match) else str(row.match).strip().lower()
        channel = "" if pd.isna(row.channel) else tidy_name(row.channel)
        try:
            _check_rule(i, pattern, match, channel)
        except ValueError:
            if skip_invalid:
                continue
            raise
        rules.append(ChannelRule(i, pattern, match, channel))
    return rules


def channel_for(name: str | None, rules: list[ChannelRule]) -> str | None:
    """The channel of a source name by the first matching rule (part before separator, then whole)."""
    head, _ = split_source_name(name)
    whole = normalise_name(name)
    for candidate in dict.fromkeys((normalise_name(head), whole)):  # same string tried once
        for rule in rules:
            if rule.matches(candidate):
                return rule.channel
    return None


def read_channel_rules(db) -> pd.DataFrame:
    """The rules in force: ``channel_rules`` ordered by position, or the defaults when it is empty.

    Returns ``DataFrame[position, pattern, match, channel]``. Reads table ``channel_rules``.
    """
    df = db.query("SELECT position, pattern, match, channel FROM channel_rules ORDER BY position")
    return df if len(df) else default_channel_rules()


def read_source_labels(db) -> pd.DataFrame:
    """Per-source overrides: ``DataFrame[source_id, channel, campaign]`` (table ``source_labels``)."""
    return db.query("SELECT source_id, channel, campaign FROM source_labels ORDER BY source_id")


def save_channel_rules(con, rules_df: pd.DataFrame) -> None:
    """Replace all channel rules with ``rules_df`` (columns pattern, match, channel[, position]).

    ``con`` is a write connection (``store.write_transaction``). Positions are renumbered 1..n in
    the given order. Raises ``ValueError`` (nothing written) when a rule is invalid.
    """
    rules = validate_rules(rules_df)
    con.execute("DELETE FROM channel_rules")
    if rules:
        con.executemany(
            "INSERT INTO channel_rules (position, pattern, match, channel) VALUES (?, ?, ?, ?)",
            [(r.position, r.pattern, r.match, r.channel) for r in rules],
        )


def save_source_label(con, source_id: int, channel: str | None, campaign: str | None) -> None:
    """Set (or clear, with both ``None``) the channel/campaign override of one source.

    ``channel`` None → from rules; ``campaign`` None → from the name, ``""`` → no campaign.
    ``con`` is a write connection; writes table ``source_labels``.
    """
    channel = tidy_name(channel) or None if channel is not None else None
    campaign = tidy_name(campaign) if campaign is not None else None
    if channel is None and campaign is None:
        con.execute("DELETE FROM source_labels WHERE source_id = ?", [int(source_id)])
        return
    con.execute(
        "INSERT INTO source_labels (source_id, channel, campaign) VALUES (?, ?, ?) "
        "ON CONFLICT (source_id) DO UPDATE SET channel = excluded.channel, campaign = excluded.campaign",
        [int(source_id), channel, campaign],
    )


def _canonical(labels: list[str]) -> dict[str, str]:
    """Map each label to the first spelling seen of its normalised key (one series per campaign)."""
    first: dict[str, str] = {}
    out = {}
    for label in labels:
        out[label] = first.setdefault(normalise_name(label), label)
    return out


def derive_attribution(sources: pd.DataFrame, rules_df: pd.DataFrame, labels: pd.DataFrame,
                       saved: bool = False) -> pd.DataFrame:
    """Pure core of ``source_attribution`` on plain frames (sources: id, name; labels as stored).

    ``saved=True``: the rules come from the cache, and one that fails today's checks is left out
    (never matches) rather than failing every page; otherwise an invalid rule raises ``ValueError``.
    """
    rules = validate_rules(rules_df, skip_invalid=saved) if len(rules_df) else []
    label_by_id = {
        int(r.source_id): (r.channel, r.campaign) for r in labels.itertuples(index=False)
    }
    rows = []
    for s in sources.sort_values("id").itertuples(index=False):
        # The label is the name exactly as in RASL now; rules and the convention read it tidied.
        sid, name = int(s.id), str(s.name)
        _, campaign = split_source_name(name)
        campaign_from = "name" if campaign else "none"
        channel, channel_from = channel_for(name, rules), "rule"
        if channel is None:
            channel, channel_from = UNMAPPED, "unmapped"
        lab_channel, lab_campaign = label_by_id.get(sid, (None, None))
        if lab_channel is not None and not pd.isna(lab_channel) and tidy_name(lab_channel):
            channel, channel_from = tidy_name(lab_channel), "label"
        if lab_campaign is not None and not pd.isna(lab_campaign):
            campaign, campaign_from = (tidy_name(lab_campaign) or None), "label"
        rows.append((sid, name, channel, campaign or NO_CAMPAIGN, channel_from, campaign_from))
    df = pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)
    if len(df):
        # "Spring promo" and "spring  Promo" from two sources are one campaign (and one channel).
        df["campaign"] = df["campaign"].map(_canonical(list(df["campaign"])))
        df["channel"] = df["channel"].map(_canonical(list(df["channel"])))
    df["source_id"] = df["source_id"].astype("int64")
    return df


# Derived maps per cache file version: a dashboard query would otherwise spend three small
# queries and the rule matching (~6 ms) on every call. A sync or a rule edit swaps the file,
# which changes ``Reader.version``, so a cached map is never stale.
_ATTRIBUTION_CACHE: dict[tuple, pd.DataFrame] = {}


def _cache_key(db) -> tuple | None:
    try:
        return (type(db).__name__, str(db.path), db.version)
    except Exception:  # not a store.Reader (a test double): no caching
        return None


def source_attribution(db) -> pd.DataFrame:
    """Channel and campaign of every live source (``deleted_at`` NULL), derived now.

    Returns ``DataFrame[source_id (int), source (current name), channel, campaign,
    channel_from ('rule'|'label'|'unmapped'), campaign_from ('name'|'label'|'none')]`` ordered by
    id; ``campaign`` is ``NO_CAMPAIGN`` when there is none. Deleted sources are absent: their
    contacts are ``Unattributed``. Reads ``sources``, ``channel_rules``, ``source_labels``.
    """
    key = _cache_key(db)
    if key is not None and key in _ATTRIBUTION_CACHE:
        return _ATTRIBUTION_CACHE[key].copy()
    sources = db.query("SELECT id, name FROM sources WHERE deleted_at IS NULL ORDER BY id")
    df = derive_attribution(sources, read_channel_rules(db), read_source_labels(db), saved=True)
    if key is not None:
        if len(_ATTRIBUTION_CACHE) > 32:
            _ATTRIBUTION_CACHE.clear()
        _ATTRIBUTION_CACHE[key] = df
    return df.copy()


def unmapped_sources(db) -> pd.DataFrame:
    """Live sources no channel rule matches and no label maps, with their all-time contacts.

    Returns ``DataFrame[source_id, source, contacts]``, most contacts first. Reads ``sources``,
    ``channel_rules``, ``source_labels``, ``contacts``.
    """
    attr = source_attribution(db)
    unmapped = attr[attr["channel_from"] == "unmapped"][["source_id", "source"]]
    counts = db.query("SELECT source_id, count(*) AS contacts FROM contacts WHERE source_id IS NOT NULL GROUP BY source_id")
    counts["source_id"] = counts["source_id"].astype("int64")
    out = unmapped.merge(counts, on="source_id", how="left")
    out["contacts"] = out["contacts"].fillna(0).astype("int64")
    return out.sort_values(["contacts", "source_id"], ascending=[False, True]).reset_index(drop=True)


def preview_rules(db, rules_df: pd.DataFrame) -> pd.DataFrame:
    """What saving ``rules_df`` would change: sources whose channel differs from today's.

    Returns ``DataFrame[source_id, source, channel_now, channel_after, channel_from_after]``
    (labels still win over rules). Raises ``ValueError`` for invalid rules. Reads ``sources``,
    ``channel_rules``, ``source_labels``.
    """
    sources = db.query("SELECT id, name FROM sources WHERE deleted_at IS NULL ORDER BY id")
    labels = read_source_labels(db)
    now = derive_attribution(sources, read_channel_rules(db), labels, saved=True)
    after = derive_attribution(sources, rules_df, labels)
    both = now[["source_id", "source", "channel"]].merge(
        after[["source_id", "channel", "channel_from"]], on="source_id", suffixes=("_now", "_after")
    )
    both = both.rename(columns={"channel_from": "channel_from_after"})
    return both[both["channel_now"] != both["channel_after"]].reset_index(drop=True)

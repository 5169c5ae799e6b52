"""The channel rules the dashboard ships with, and the set shipped before December 2026.

An empty ``channel_rules`` table means ``default_channel_rules()``. The channel names here are data
(the keys a source is filed under), never translated.
"""

from __future__ import annotations

import pandas as pd

from rasl_data.analytics.channel_rules import RULE_COLUMNS
from rasl_data.analytics.naming import tidy_name

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

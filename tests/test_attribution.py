"""Name normalisation, the naming convention, channel rules and labels."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from rasl_data.analytics import acquisition, attribution
from rasl_data.analytics.attribution import normalise_name, split_source_name
from rasl_data.cache import store


def test_normalise_name_folds_case_spaces_tatweel_and_unicode_forms():
    assert normalise_name("  Facebook   Ads ") == normalise_name("facebook ads") == "facebook ads"
    assert normalise_name("واتســـاب") == "واتساب"                  # tatweel U+0640
    assert normalise_name("ﻭﺍﺗﺴﺎﺏ") == "واتساب"                       # Arabic presentation forms (NFKC)
    assert normalise_name("ＦＡＣＥＢＯＯＫ") == "facebook"            # full-width (NFKC)
    assert normalise_name("إنستغرام") == normalise_name("انستغرام")  # alef with hamza below
    assert normalise_name(None) == ""


def test_normalise_name_ignores_zero_width_bom_and_bidi_format_characters():
    # "WhatsApp\u200b" used to be a different name from "WhatsApp"; "\u200b" alone a non-empty one.
    assert normalise_name("WhatsApp\u200b") == normalise_name("\ufeffWhats\u2060App") == "whatsapp"
    assert normalise_name("\u200b") == normalise_name("\u200b\u200c\u2060\ufeff") == ""
    assert normalise_name("\u202eevil\u202c") == "evil"
    assert normalise_name("Face \u200b book") == "face book"
    # A ZWNJ inside a Persian word is kept in the shown name and ignored only for comparison.
    persian = "می\u200cخواهم"
    assert attribution.tidy_name(persian) == persian
    assert normalise_name(persian) == "میخواهم"
    assert attribution.tidy_name("\u200bWhatsApp\ufeff ") == "WhatsApp"
    assert normalise_name("واتساب") == "واتساب"


@pytest.mark.parametrize("name,want", [
    ("Facebook / Spring Promo", ("Facebook", "Spring Promo")),
    ("Google Ads | Brand - Riyadh", ("Google Ads", "Brand - Riyadh")),   # first separator splits
    ("Landing page - Black Friday / 2026", ("Landing page", "Black Friday / 2026")),
    ("Walk-in", ("Walk-in", None)),                                      # no spaces: no separator
    ("WhatsApp", ("WhatsApp", None)),
    ("Facebook /   ", ("Facebook /", None)),
    ("تيك توك / تحدي", ("تيك توك", "تحدي")),
])
def test_split_source_name(name, want):
    assert split_source_name(name) == want


@pytest.mark.parametrize("name,channel", [
    ("WhatsApp", "WhatsApp"), ("واتساب", "WhatsApp"), ("واتس اب / عروض", "WhatsApp"),
    ("Facebook Lead Form", "Facebook"), ("Meta Ads / Summer", "Facebook"), ("فيسبوك", "Facebook"),
    ("FB", "Facebook"), ("Instagram", "Instagram"), ("انستغرام", "Instagram"), ("إنستغرام", "Instagram"),
    ("IG / Reels", "Instagram"), ("TikTok", "TikTok"), ("تيك توك", "TikTok"), ("Snapchat", "Snapchat"),
    ("سناب شات", "Snapchat"), ("Google Ads", "Google Ads"), ("AdWords", "Google Ads"),
    ("Google Search", "Google Search"), ("جوجل", "Google Search"), ("SEO", "Google Search"),
    ("Twitter", "X (Twitter)"), ("LinkedIn", "LinkedIn"),
    ("YouTube", "YouTube"), ("يوتيوب", "YouTube"), ("Email newsletter", "Email"), ("SMS blast", "SMS"),
    ("Website", "Website"), ("Landing page - Sale", "Website"), ("Web form", "Website"),
    ("الموقع", "Website"), ("Referral", "Referral"), ("إحالة", "Referral"), ("CSV import", "Manual import"),
    ("Manual", "Manual import"), ("API", "Integration"), ("Shopify", "Integration"),
    ("WooCommerce", "Integration"), ("Zapier", "Integration"), ("n8n", "Integration"),
    ("Express delivery", None), ("Walk-in", None), ("Radio", None),
])
def test_default_rules(name, channel):
    rules = attribution.validate_rules(attribution.default_channel_rules())
    assert attribution.channel_for(name, rules) == channel


def test_rules_try_the_channel_part_first():
    # Whole name would hit "website" (the campaign), but the part before the separator decides.
    rules = attribution.validate_rules(attribution.default_channel_rules())
    assert attribution.channel_for("Instagram / Website launch", rules) == "Instagram"
    assert attribution.channel_for("Spring sale / Instagram", rules) == "Instagram"  # head unmatched → whole


def test_rules_and_labels_from_the_cache_apply_retroactively(make_cache, tmp_path):
    sources = [{"id": 1, "name": "Walk-in / Opening"}, {"id": 2, "name": "Facebook / Eid"}, {"id": 3, "name": "Radio"}]
    contacts = [{"id": i, "source_id": s, "created_at": datetime(2026, 1, 5, 10, tzinfo=timezone.utc)}
                for i, s in enumerate([1, 1, 2, 3])]
    db = make_cache(tmp_path, sources=sources, contacts=contacts)
    attr = attribution.source_attribution(db).set_index("source_id")
    assert attr.loc[1, "channel"] == "Unmapped" and attr.loc[1, "channel_from"] == "unmapped"
    assert attr.loc[1, "campaign"] == "Opening" and attr.loc[1, "campaign_from"] == "name"
    assert attr.loc[3, "campaign"] == attribution.NO_CAMPAIGN
    assert list(attribution.unmapped_sources(db)["source"]) == ["Walk-in / Opening", "Radio"]

    rules = pd.DataFrame([{"pattern": "walk-in", "match": "prefix", "channel": "Store"}])
    preview = attribution.preview_rules(db, rules)
    # Custom rules replace the defaults: Facebook loses its channel too, and the preview says so.
    assert dict(zip(preview["source"], preview["channel_after"])) == {
        "Walk-in / Opening": "Store", "Facebook / Eid": "Unmapped"}

    with store.write_transaction(db.path) as con:
        attribution.save_channel_rules(con, rules)
        attribution.save_source_label(con, 3, "Offline", "Morning show")
        attribution.save_source_label(con, 2, None, "")      # explicit: no campaign
    attr = attribution.source_attribution(db).set_index("source_id")
    assert (attr.loc[1, "channel"], attr.loc[1, "channel_from"]) == ("Store", "rule")
    assert (attr.loc[3, "channel"], attr.loc[3, "campaign"], attr.loc[3, "channel_from"]) == ("Offline", "Morning show", "label")
    assert (attr.loc[2, "campaign"], attr.loc[2, "campaign_from"]) == (attribution.NO_CAMPAIGN, "label")
    bd = acquisition.breakdown(db, acquisition.Filters(date(2026, 1, 5), date(2026, 1, 5)), "channel", None)
    assert dict(zip(bd["channel"], bd["new_contacts"])) == {"Store": 2, "Offline": 1, "Unmapped": 1}

    with store.write_transaction(db.path) as con:
        attribution.save_source_label(con, 3, None, None)  # clears the override
    assert attribution.source_attribution(db).set_index("source_id").loc[3, "channel"] == "Unmapped"


def test_invalid_rules_are_rejected_with_the_row_number():
    bad = [
        ({"pattern": "(", "match": "regex", "channel": "X"}, "valid regular expression"),
        ({"pattern": "a", "match": "fuzzy", "channel": "X"}, "not one of"),
        ({"pattern": " ", "match": "contains", "channel": "X"}, "must not be empty"),
    ]
    for rule, message in bad:
        with pytest.raises(ValueError, match=f"Rule 2: .*{message}"):
            attribution.validate_rules(pd.DataFrame([{"pattern": "ok", "match": "exact", "channel": "Y"}, rule]))


def test_regex_rule_with_huge_repetition_count_is_a_value_error_naming_the_rule_not_overflow():
    # re.compile("a{99999999999}") raises OverflowError, which the rules editor did not catch.
    rules = pd.DataFrame([{"pattern": "ok", "match": "exact", "channel": "Y"},
                          {"pattern": "a{99999999999}", "match": "regex", "channel": "X"}])
    with pytest.raises(ValueError, match=r"Rule 2: the pattern 'a\{99999999999\}' is not a valid regular "
                                         r"expression \(a repetition count is too large\)"):
        attribution.validate_rules(rules)


@pytest.mark.parametrize("pattern,match", [("ـــ", "contains"), ("ـــ", "regex"), ("\u200b\u200c", "exact"),
                                           ("\u064e\u0651", "prefix")])
def test_rule_pattern_of_only_tatweel_or_invisible_marks_can_never_match_and_is_refused(pattern, match):
    with pytest.raises(ValueError, match=re.escape(f"Rule 1: the pattern {pattern!r} can never match")):
        attribution.validate_rules(pd.DataFrame([{"pattern": pattern, "match": match, "channel": "X"}]))


@pytest.mark.parametrize("pattern", ["(x+x+)+", "(a+)+", "(a*)*", "((ab)*c)*", "(.*a){20}", "(?:\\w+\\s?)+"])
def test_regex_rule_with_nested_repetition_is_refused_as_catastrophic_backtracking(pattern):
    with pytest.raises(ValueError, match=r"Rule 1: .* repeats a group that itself repeats"):
        attribution.validate_rules(pd.DataFrame([{"pattern": pattern, "match": "regex", "channel": "X"}]))


def test_rule_pattern_over_300_characters_is_refused():
    long = "a" * 301
    with pytest.raises(ValueError, match="Rule 1: the pattern is 301 characters long; a rule pattern may have at most 300"):
        attribution.validate_rules(pd.DataFrame([{"pattern": long, "match": "regex", "channel": "X"}]))
    assert len(attribution.validate_rules(pd.DataFrame([{"pattern": "a" * 300, "match": "contains", "channel": "X"}]))) == 1


@pytest.mark.parametrize("pattern", ["(ab)+", "a+b+", "insta(gram)?", "[(a+)]+", "\\(a+\\)+", "(\\d{4})+", "(a+)?"])
def test_regex_rules_without_nested_repetition_are_accepted(pattern):
    assert attribution.validate_rules(pd.DataFrame([{"pattern": pattern, "match": "regex", "channel": "X"}]))[0].pattern == pattern


def test_default_rules_pass_every_rule_check():
    rules = attribution.validate_rules(attribution.default_channel_rules())
    assert len(rules) == len(attribution.default_channel_rules())
    assert [r.position for r in rules] == list(range(1, len(rules) + 1))


def test_saved_rule_failing_a_newer_check_is_skipped_not_failing_every_page():
    sources = pd.DataFrame({"id": [1, 2], "name": ["aaaa promo", "Expo"]})
    rules = pd.DataFrame([{"position": 1, "pattern": "(a+)+", "match": "regex", "channel": "Bad"},
                          {"position": 2, "pattern": "expo", "match": "exact", "channel": "Events"}])
    labels = pd.DataFrame(columns=["source_id", "channel", "campaign"])
    df = attribution.derive_attribution(sources, rules, labels, saved=True)
    assert list(df["channel"]) == ["Unmapped", "Events"]
    with pytest.raises(ValueError, match="Rule 1"):
        attribution.derive_attribution(sources, rules, labels)


def test_match_kinds():
    rules = attribution.validate_rules(pd.DataFrame([
        {"position": 2, "pattern": "Clinic", "match": "contains", "channel": "Partners"},
        {"position": 1, "pattern": "expo", "match": "exact", "channel": "Events"},
        {"position": 3, "pattern": "flyer", "match": "prefix", "channel": "Print"},
    ]))
    assert [r.channel for r in rules] == ["Events", "Partners", "Print"]      # ordered by position
    assert attribution.channel_for("EXPO ", rules) == "Events"
    assert attribution.channel_for("Expo clinic", rules) == "Partners"      # exact fails, contains hits
    assert attribution.channel_for("Flyers May", rules) == "Print"
    assert attribution.channel_for("May flyers", rules) is None


# --- the built-in keyword rules -------------------------------------------------------------------

CTWA = attribution.CTWA_CHANNEL
X = "X (Twitter)"

# Representative source names and the channel a marketer files them under, written by hand.
HAND_TABLE = [
    # The three names the old rule \bx\b filed under X (Twitter).
    ('=HYPERLINK("http://x.test")', None),
    ("Nike x Adidas / Launch", None),
    ("2 x 1 offer", None),
    # X itself, by its names that are not a single letter.
    ("Twitter", X), ("twitter / Eid", X), ("X (Twitter) Ads", X), ("x.com / Launch", X), ("X Ads / Ramadan", X),
    ("تويتر", X), ("اكس / رمضان", X),
    # Click-to-WhatsApp ads: their own paid channel, never plain WhatsApp or Facebook.
    ("CTWA", CTWA), ("CTWA / Ramadan", CTWA), ("Meta CTWA - White Friday", CTWA), ("ctwa_riyadh", CTWA),
    ("Click to WhatsApp", CTWA), ("Click-to-WhatsApp Ads / Summer", CTWA), ("WhatsApp Ads", CTWA),
    ("WA Ads | Eid", CTWA), ("اعلانات واتساب", CTWA), ("إعلانات الواتساب / رمضان", CTWA),
    ("إعلان واتس اب", CTWA), ("واتساب ممول", CTWA), ("انقر للواتساب", CTWA),
    # Plain WhatsApp, including Arabic spellings, tatweel and a wa.me link.
    ("WhatsApp", "WhatsApp"), ("Whats App / Support", "WhatsApp"), ("wa.me/9665", "WhatsApp"), ("WA / Broadcast", "WhatsApp"),
    ("واتساب", "WhatsApp"), ("واتســاب / عروض", "WhatsApp"), ("واتس اب", "WhatsApp"), ("الواتساب", "WhatsApp"),
    ("وتساب", "WhatsApp"), ("WhatsApp Address book", "WhatsApp"),
    # Short keywords only as whole words.
    ("Click to WA / Eid", CTWA), ("Click to watch / Trailer", None),
    ("Walk-in", None), ("Big sale", None), ("Information desk", None), ("Platform partners", None),
    ("Webinar", None), ("Seminar", None), ("Metal expo", None), ("Rapid response", None),
    ("IG / Reels", "Instagram"), ("ig_story", "Instagram"), ("FB", "Facebook"), ("fb-leads", "Facebook"),
    ("Meta Ads / Summer", "Facebook"), ("Web form", "Website"), ("Contact form", "Website"),
    # The demo tenant's sources keep their channels.
    ("Website Form", "Website"), ("Landing Page", "Website"), ("Manual Import", "Manual import"),
    ("Shopify Store", "Integration"), ("API Integration", "Integration"), ("Referral Campaign", "Referral"),
    ("Instagram / Ramadan Offer", "Instagram"), ("Facebook / White Friday", "Facebook"),
    ("Google Ads | Summer Sale", "Google Ads"), ("TikTok - Launch", "TikTok"),
    ("إنستغرام / عرض رمضان", "Instagram"), ("facebook ", "Facebook"), ("Snapchat Ads", "Snapchat"),
    ("Google Ads | Brand Search", "Google Ads"),
    # Arabic spellings of the other channels.
    ("انستقرام", "Instagram"), ("فيس بوك", "Facebook"), ("ماسنجر", "Facebook"), ("تيكتوك", "TikTok"),
    ("سناب", "Snapchat"), ("اعلانات جوجل", "Google Ads"), ("قوقل", "Google Search"), ("لينكد ان", "LinkedIn"),
    ("يوتيوب", "YouTube"), ("الايميل", "Email"), ("رسائل نصية", "SMS"), ("صفحة هبوط", "Website"),
    ("احالة", "Referral"), ("استيراد يدوي", "Manual import"), ("متجر سلة", "Integration"), ("زد", "Integration"),
]


@pytest.mark.parametrize("name,channel", HAND_TABLE)
def test_default_keyword_rules_file_names_as_a_marketer_would(name, channel):
    rules = attribution.validate_rules(attribution.default_channel_rules())
    assert attribution.channel_for(name, rules) == channel


def test_x_rule_no_longer_files_hyperlinks_collaborations_and_offers_under_x():
    # The old regex rule \bx\b matched all three; the new defaults match none of them.
    old = attribution.validate_rules(attribution.previous_default_channel_rules())
    new = attribution.validate_rules(attribution.default_channel_rules())
    for name in ('=HYPERLINK("http://x.test")', "Nike x Adidas / Launch", "2 x 1 offer"):
        assert attribution.channel_for(name, old) == X
        assert attribution.channel_for(name, new) != X


def test_default_rules_are_keywords_without_regex_or_single_letters():
    rules = attribution.default_channel_rules()
    assert set(rules["match"]) <= {"contains", "word"}
    assert all(len(normalise_name(p)) >= 2 for p in rules["pattern"])
    assert all(not re.search(r"[\\^$*+?{}\[\]|()]", p) for p in rules["pattern"])  # plain text, nothing to escape


def test_click_to_whatsapp_channel_comes_before_whatsapp_and_facebook():
    rules = attribution.default_channel_rules()
    first = {ch: int(rules.loc[rules["channel"] == ch, "position"].min()) for ch in (CTWA, "WhatsApp", "Facebook")}
    last_ctwa = int(rules.loc[rules["channel"] == CTWA, "position"].max())
    assert last_ctwa < first["WhatsApp"] and last_ctwa < first["Facebook"]


def test_demo_tenant_sources_keep_their_channel_under_the_new_defaults():
    from rasl_data.emulator.demo_tenant import make_demo_tenant

    old = attribution.validate_rules(attribution.previous_default_channel_rules())
    new = attribution.validate_rules(attribution.default_channel_rules())
    names = [s["name"] for s in make_demo_tenant(n_contacts=500).sources]
    assert len(names) >= 17
    for name in names:
        assert attribution.channel_for(name, old) is not None, name  # every demo source had a channel
        assert attribution.channel_for(name, new) == attribution.channel_for(name, old), name


@pytest.mark.parametrize("name,hit", [("fb", True), ("FB Leads", True), ("fb_leads", True), ("(fb)", True),
                                      ("fbi", False), ("efb", False), ("fb2", False), ("افb", False)])
def test_word_rule_needs_no_letter_or_digit_on_either_side(name, hit):
    rules = attribution.validate_rules(pd.DataFrame([{"pattern": "FB", "match": "word", "channel": "Facebook"}]))
    assert (attribution.channel_for(name, rules) == "Facebook") is hit


def test_saved_rules_are_kept_and_previous_defaults_are_recognised(make_cache, tmp_path):
    db = make_cache(tmp_path, sources=[{"id": 1, "name": "Nike x Adidas / Launch"}])
    assert not attribution.uses_previous_default_rules(db)            # empty table: current defaults
    assert attribution.source_attribution(db).loc[0, "channel"] == "Unmapped"
    with store.write_transaction(db.path) as con:
        attribution.save_channel_rules(con, attribution.previous_default_channel_rules())
    # Saved rules stay in force (the old \bx\b included) until the user moves to the new defaults.
    assert attribution.source_attribution(db).loc[0, "channel"] == X
    assert attribution.uses_previous_default_rules(db)
    preview = attribution.preview_rules(db, attribution.default_channel_rules())
    assert list(zip(preview["source"], preview["channel_after"])) == [("Nike x Adidas / Launch", "Unmapped")]
    edited = attribution.previous_default_channel_rules().iloc[:-1]   # one rule removed: an edit
    with store.write_transaction(db.path) as con:
        attribution.save_channel_rules(con, edited)
    assert not attribution.uses_previous_default_rules(db)

"""Campaigns & channels: saving channel rules and source labels through the workspace, and the
page showing their effect (preview, unmapped to-do list, channel tables)."""

from __future__ import annotations

import pandas as pd
import pytest
from apptest_support import CUSTOM_QP, assert_clean, make_workspace, run_app, small_tables

from rasl_data.access import LOCAL_ACTOR
from rasl_data.analytics import attribution

pytestmark = pytest.mark.usefixtures("isolated")  # conftest.py: off ~/.cache, app.py on every run


@pytest.fixture
def ws(tmp_path, make_cache):
    from ui import context

    reader = make_cache(tmp_path, name="cc.duckdb", **small_tables())
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    return context.WORKSPACE_OVERRIDE


def channel_table(at) -> dict:
    table = at.dataframe[0].value
    return dict(zip(table["Channel"], table["New contacts"]))


def test_saved_rule_maps_the_unmapped_source_and_shows_on_the_page(ws):
    at = run_app(CUSTOM_QP, "pages/campaigns.py")
    assert any(h.value.startswith("To do: unmapped sources (1)") for h in at.subheader)
    rules = pd.concat([attribution.default_channel_rules(),
                       pd.DataFrame([{"pattern": "promo", "match": "contains", "channel": "Offline"}])])
    preview = attribution.preview_rules(ws.reader, rules)
    assert list(preview["source"]) == ["Old promo"] and list(preview["channel_after"]) == ["Offline"]
    ws.save_channel_rules(rules, actor=LOCAL_ACTOR)
    at.run()
    assert_clean(at)
    assert any(h.value.startswith("To do: unmapped sources (0)") for h in at.subheader)


def test_invalid_rules_are_refused_and_nothing_is_written(ws):
    before = ws.reader.version
    with pytest.raises(ValueError, match="Rule 1"):
        ws.save_channel_rules(pd.DataFrame([{"pattern": "(", "match": "regex", "channel": "X"}]), actor=LOCAL_ACTOR)
    assert ws.reader.version == before


def test_source_label_moves_a_source_to_another_channel_on_every_page(ws):
    ws.save_source_label(1, "Referral", None, actor=LOCAL_ACTOR)
    at = run_app(CUSTOM_QP, "pages/campaigns.py")
    assert_clean(at)
    channels = channel_table(at)
    assert channels["Referral"] == 3  # WhatsApp's three contacts this week
    assert "WhatsApp" in channels  # the Arabic واتساب source still maps to WhatsApp
    ws.save_source_label(1, None, None, actor=LOCAL_ACTOR)  # cleared: back to the rules
    at.run()
    assert "Referral" not in channel_table(at)


def test_read_only_shows_rules_without_save(tmp_path, make_cache):
    from ui import context

    reader = make_cache(tmp_path, name="ro.duckdb", **small_tables())
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path, read_only=True)
    at = run_app(CUSTOM_QP, "pages/campaigns.py")
    assert_clean(at)
    assert not [b for b in at.button if b.label in ("Save rules", "Save labels", "Restore built-in rules")]


def test_cache_holding_the_previous_default_rules_is_offered_the_new_keyword_defaults(ws):
    at = run_app(CUSTOM_QP, "pages/campaigns.py")
    assert not [i for i in at.info if "previous built-in set" in i.value]  # empty table: current defaults
    ws.save_channel_rules(attribution.previous_default_channel_rules(), actor=LOCAL_ACTOR)
    at.run()
    assert_clean(at)
    assert [i for i in at.info if "previous built-in set" in i.value]
    ws.save_channel_rules(attribution.default_channel_rules(), actor=LOCAL_ACTOR)  # "Restore built-in rules"
    at.run()
    assert not [i for i in at.info if "previous built-in set" in i.value]

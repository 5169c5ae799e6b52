"""The Sources page forms against the RASL emulator: create, rename, delete and every error case.

The workspace talks to an in-process ``EmulatorApp`` (``Workspace(settings, transport=...)``)
injected through ``ui.context.WORKSPACE_OVERRIDE``; its cache is a file under ``tmp_path`` that
mirrors the emulator's sources (same ids and names) and some contacts.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from apptest_support import APP, TIMEOUT, make_workspace, use_navigation_on_every_run
from markup import rendered_text
from streamlit.testing.v1 import AppTest

from rasl_data.analytics import comparison, source_names
from rasl_data.emulator import EmulatorApp, TokenSpec, empty_tenant

TOKEN = "wm_" + "t" * 60
READ_ONLY_TOKEN = "wm_" + "r" * 60
T0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    from ui import context

    use_navigation_on_every_run(monkeypatch)
    monkeypatch.setenv("RASL_CACHE_DIR", str(tmp_path / "cache-dir"))
    monkeypatch.setenv("RASL_CACHE_PATH", str(tmp_path / "env-cache.duckdb"))
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    yield
    context.WORKSPACE_OVERRIDE = None


class World:
    """An emulator tenant, a cache mirroring it, and the workspace the app uses."""

    def __init__(self, tmp_path, make_cache, token: str = TOKEN) -> None:
        from ui import context

        tenant = empty_tenant(as_of=datetime(2026, 3, 1, tzinfo=timezone.utc))
        self.ids = {name: tenant.add_source(name)["id"] for name in ("WhatsApp", "واتساب / عروض", "Old promo")}
        for _ in range(3):  # "WhatsApp" is in use by 3 contacts
            tenant.add_contact({"firstname": "A", "lastname": "B", "type": "lead", "source_id": self.ids["WhatsApp"],
                                "phone": None})
        self.app = EmulatorApp(tenant, tokens=[TokenSpec(TOKEN), TokenSpec(READ_ONLY_TOKEN, scopes=("sources:read",))],
                               rate_limit_per_minute=None)
        self.tenant = tenant
        reader = make_cache(
            tmp_path, name="forms.duckdb",
            sources=[dict(id=i, name=n, created_at=T0, updated_at=T0) for n, i in self.ids.items()],
            contacts=[dict(id=k + 1, firstname="A", lastname="B", type="lead", source_id=self.ids["WhatsApp"],
                           created_at=T0, updated_at=T0) for k in range(3)],
            sync_runs=[dict(id=1, started_at=T0, finished_at=T0, mode="full", outcome="success", requests=4,
                            rate_limit_waits=0, contacts_inserted=3, contacts_updated=0, contacts_deleted=0)],
        )
        self.ws = make_workspace(tmp_path, reader.path, token=token, transport=self.app.transport())
        context.WORKSPACE_OVERRIDE = self.ws
        self.at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        self.at.session_state["_first_sync_tried"] = True
        self.at.run()
        self.at.switch_page("pages/sources.py").run()
        assert not self.at.exception, [e.value for e in self.at.exception]

    # -- state of both sides -------------------------------------------------------------
    def api_names(self) -> list[str]:
        return [s["name"] for s in self.tenant._dim("source")]

    def cache_names(self) -> list[str]:
        return list(source_names.live_sources(self.ws.reader)["source"])

    # -- the page ----------------------------------------------------------------------------
    def create(self, name: str) -> AppTest:
        self.at.text_input(key="src_create_name").input(name)
        self.at.button(key="src_create").click().run()
        return self.at

    def messages(self) -> str:
        """Errors, successes, warnings and captions as a reader sees them (Markdown rendered)."""
        at = self.at
        return " | ".join(rendered_text(e.value) for e in [*at.error, *at.success, *at.warning, *at.caption])


@pytest.fixture
def world(tmp_path, make_cache):
    return World(tmp_path, make_cache)


def test_create_source_calls_the_api_updates_the_cache_and_clears_the_box(world):
    before = world.app.requests
    at = world.create("TikTok / Eid")
    assert not at.exception
    assert "TikTok / Eid" in world.api_names()
    assert "TikTok / Eid" in world.cache_names()
    assert at.text_input(key="src_create_name").value == ""
    assert "Source “TikTok / Eid” created." in world.messages().replace("\u2068", "").replace("\u2069", "")
    assert world.app.requests > before
    # the new source is offered at once (rename select and the sidebar filter), without a sync
    assert "TikTok / Eid" in [o.split("  (#")[0] for o in at.selectbox(key="src_rename_id").options]


def test_compose_helper_builds_channel_slash_campaign(world):
    at = world.at
    at.text_input(key="src_help_channel").input(" Instagram ")
    at.text_input(key="src_help_campaign").input("Ramadan  offer")
    at.button(key="src_compose").click().run()
    assert at.text_input(key="src_create_name").value == "Instagram / Ramadan offer"


@pytest.mark.parametrize("name, why", [
    ("   ", "Enter a name"),
    ("x" * 256, "at most 255"),
    ("whatsapp ", "already exists"),
    ("واتســاب / عروض", "already exists"),  # tatweel
    ("ＷｈａｔｓＡｐｐ", "already exists"),  # full-width letters (Unicode form)
    ("\u200b", "Enter a name"),  # invisible: used to create a source nobody can see
    ("\u200b\u200c\u2060\ufeff", "Enter a name"),
    ("WhatsApp\u200b", "already exists"),  # a zero-width space passed the duplicate check
    ("\u202eevil\u202c", "text-direction control"),  # right-to-left override shows "live"
])
def test_create_is_refused_before_the_call_and_keeps_the_text(world, name, why):
    before = world.app.requests
    at = world.create(name)
    assert not at.exception
    assert why in world.messages()
    assert world.app.requests == before  # nothing sent to RASL
    assert at.text_input(key="src_create_name").value == name  # what was typed is kept
    assert len(world.api_names()) == 3


def test_create_rejected_by_the_api_shows_the_field_message_and_keeps_the_text(world):
    world.tenant.add_source("Snapchat")  # created in RASL after the last sync: the cache does not know it
    at = world.create("Snapchat")
    assert "A source with this name already exists." in world.messages()
    assert "Source name" in world.messages()  # shown against the field
    assert at.text_input(key="src_create_name").value == "Snapchat"
    assert world.api_names().count("Snapchat") == 1


def test_create_without_sources_write_says_which_permission_is_missing(tmp_path, make_cache):
    world = World(tmp_path, make_cache, token=READ_ONLY_TOKEN)
    at = world.create("Email / Newsletter")
    assert "sources:write" in world.messages()
    assert at.text_input(key="src_create_name").value == "Email / Newsletter"
    assert "Email / Newsletter" not in world.api_names()
    assert "Email / Newsletter" not in world.cache_names()


def test_double_click_creates_one_source(world):
    at = world.create("Google Ads / Brand")
    # The second click of a double click arrives with the text the browser still shows.
    at.text_input(key="src_create_name").input("Google Ads / Brand")
    at.button(key="src_create").click().run()
    assert not at.exception
    assert world.api_names().count("Google Ads / Brand") == 1
    assert world.cache_names().count("Google Ads / Brand") == 1
    assert not at.error
    assert at.text_input(key="src_create_name").value == ""


def test_rename_keeps_the_id_and_its_contacts(world):
    sid = world.ids["WhatsApp"]
    at = world.at
    at.selectbox(key="src_rename_id").set_value(sid).run()
    assert any("Carries 3 contacts" in c.value for c in at.caption)
    at.text_input(key="src_rename_name").input("WhatsApp Business")
    at.button(key="src_rename").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert world.tenant.find("source", sid)["name"] == "WhatsApp Business"
    live = source_names.live_sources(world.ws.reader)
    row = live[live["source_id"] == sid].iloc[0]
    assert row["source"] == "WhatsApp Business" and row["contacts"] == 3
    assert at.text_input(key="src_rename_name").value == ""


def test_rename_to_another_sources_name_is_refused(world):
    at = world.at
    at.selectbox(key="src_rename_id").set_value(world.ids["Old promo"]).run()
    at.text_input(key="src_rename_name").input("WHATSAPP")
    at.button(key="src_rename").click().run()
    assert "already exists" in world.messages()
    assert world.tenant.find("source", world.ids["Old promo"])["name"] == "Old promo"
    assert at.text_input(key="src_rename_name").value == "WHATSAPP"


def test_rename_may_change_only_the_case_of_its_own_name(world):
    at = world.at
    at.selectbox(key="src_rename_id").set_value(world.ids["Old promo"]).run()
    at.text_input(key="src_rename_name").input("OLD PROMO")
    at.button(key="src_rename").click().run()
    assert world.tenant.find("source", world.ids["Old promo"])["name"] == "OLD PROMO"


def test_delete_needs_the_confirmation(world):
    at = world.at
    at.selectbox(key="src_delete_id").set_value(world.ids["Old promo"]).run()
    assert at.button(key="src_delete").disabled
    at.checkbox(key="src_delete_ok").check().run()
    assert not at.button(key="src_delete").disabled
    at.button(key="src_delete").click().run()
    assert not at.exception and not at.error
    assert "Old promo" not in world.api_names()
    assert "Old promo" not in world.cache_names()
    assert any("deleted" in s.value for s in at.success)


def test_delete_of_a_source_in_use_says_how_many_contacts(world):
    at = world.at
    at.selectbox(key="src_delete_id").set_value(world.ids["WhatsApp"]).run()
    at.checkbox(key="src_delete_ok").check().run()
    at.button(key="src_delete").click().run()
    text = " ".join(e.value for e in at.error)
    assert "3 contacts" in text and "Move them" in text
    assert "WhatsApp" in world.api_names() and "WhatsApp" in world.cache_names()


def test_check_source_name_rules():
    import pandas as pd

    existing = pd.DataFrame({"source_id": [1, 2], "source": ["Facebook", "إنستغرام / عرض"]})
    assert source_names.check_source_name("facebook", existing) is not None
    assert source_names.check_source_name("انستغرام / عرض", existing) is not None  # alef form
    assert source_names.check_source_name("FACEBOOK", existing, exclude_id=1) is None
    assert source_names.check_source_name("a" * 255, existing) is None
    assert source_names.check_source_name("", existing) == "Enter a name."
    assert source_names.compose_source_name("Instagram", "") == "Instagram"
    assert source_names.compose_source_name(" TikTok ", "Eid  sale") == "TikTok / Eid sale"


def test_check_source_name_refuses_invisible_names_zero_width_lookalikes_and_bidi_overrides():
    import pandas as pd

    existing = pd.DataFrame({"source_id": [1, 2], "source": ["WhatsApp", "واتساب / عروض"]})
    assert source_names.check_source_name("\u200b", existing) == "Enter a name."
    assert source_names.check_source_name(" \u200b\u200c\u2060\ufeff ", existing) == "Enter a name."
    assert "“\u2068WhatsApp\u2069” already exists" in source_names.check_source_name("WhatsApp\u200b", existing)
    assert "already exists" in source_names.check_source_name("\ufeffواتساب / عروض", existing)
    for control in ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]:
        problem = source_names.check_source_name(f"Promo {control}x", existing)
        assert problem and "text-direction control" in problem, repr(control)
    # Legitimate Arabic and Persian text, with a ZWNJ inside a word and RLM marks, is accepted.
    assert source_names.check_source_name("می\u200cخواهم / تخفیف", existing) is None
    assert source_names.check_source_name("واتساب\u200f / عرض جديد", existing) is None


def test_comparison_series_aligns_by_period_index(tmp_path, make_cache):
    from rasl_data.analytics.acquisition import Filters

    def c(i, d):
        return dict(id=i, firstname="a", lastname="b", type="lead", source_id=None,
                    created_at=datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc))

    reader = make_cache(tmp_path, name="cmp.duckdb",
                        contacts=[c(1, date(2026, 2, 23)), c(2, date(2026, 2, 24)), c(3, date(2026, 3, 1))])
    out = comparison.comparison_series(reader, Filters(date(2026, 3, 2), date(2026, 3, 8)), "previous", "day")
    assert list(out["previous"]) == [1, 1, 0, 0, 0, 0, 1]
    assert out["period_start"].iloc[0] == date(2026, 3, 2) and out["comparison_start"].iloc[0] == date(2026, 2, 23)
    assert comparison.comparison_series(reader, Filters(date(2026, 3, 2), date(2026, 3, 8)), None, "day").empty


def test_settings_scope_check_lists_granted_and_missing_permissions(tmp_path, make_cache):
    world = World(tmp_path, make_cache, token=READ_ONLY_TOKEN)
    at = world.at
    at.switch_page("pages/settings.py").run()
    at.button(key="set_scopes").click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Permission" in d.value.columns)
    status = dict(zip(table["Permission"], table["Status"]))
    assert status["sources:read"] == "Granted"
    assert status["contacts:read"].startswith("Missing") and "contacts:read" in status["contacts:read"]
    assert TOKEN not in str(at._tree) and READ_ONLY_TOKEN not in str(at._tree)


# --- roles ---------------------------------------------------------------------------------------


def test_viewer_sees_a_note_instead_of_the_source_forms(world, monkeypatch):
    from rasl_data.access import Actor
    from ui import context

    monkeypatch.setattr(context, "actor", lambda: Actor("ana@example.com", "viewer"))
    at = world.at
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key in ("src_create", "src_rename", "src_delete")]
    assert not [t for t in at.text_input if t.key == "src_create_name"]
    note = " ".join(rendered_text(i.value) for i in at.info)
    assert "Changing sources (create, rename, delete) is off" in note and "ana@example.com, a viewer" in note


def test_access_denied_by_the_data_layer_is_shown_plainly_and_keeps_the_text(world, monkeypatch):
    """The page still offers the form (e.g. the role was withdrawn since it was drawn); the data
    layer's own check refuses, nothing reaches RASL, the refusal is audited."""
    from rasl_data import access
    from rasl_data.access import AccessDeniedError
    from rasl_data.cache import workspace

    def refuse(actor, action):
        raise AccessDeniedError("Your role does not allow changes. Ask an editor.", f"refused {action}")

    monkeypatch.setattr(workspace, "require_editor", refuse)
    before = world.app.requests
    at = world.create("Email / Newsletter")
    assert not at.exception
    text = world.messages()
    assert "Not changed: Your role does not allow changes. Ask an editor." in text
    assert "What you typed is kept" in text
    assert at.text_input(key="src_create_name").value == "Email / Newsletter"
    assert world.app.requests == before
    assert "Email / Newsletter" not in world.api_names()
    log = world.ws.audit_log()
    assert list(log["outcome"])[:1] == ["refused"] and list(log["action"])[:1] == ["source.create"]
    assert access.require_editor is not refuse  # only the workspace's reference was replaced


# --- double clicks: the second click arrives with what the browser still showed -----------------


def test_double_click_rename_reports_the_rename_once_and_leaves_the_form_ready(world):
    sid = world.ids["Old promo"]
    at = world.at
    at.selectbox(key="src_rename_id").set_value(sid).run()
    at.text_input(key="src_rename_name").input("Old promo 2026")
    at.button(key="src_rename").click().run()
    at.text_input(key="src_rename_name").input("Old promo 2026")  # the second click's stale text
    at.button(key="src_rename").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [rendered_text(s.value) for s in at.success] == [
        "Source renamed to “\u2068Old promo 2026\u2069”. Its contacts and history stay with it."]
    assert at.text_input(key="src_rename_name").value == ""
    assert world.api_names().count("Old promo 2026") == 1
    renames = world.ws.audit_log()
    assert int((renames["action"] == "source.rename").sum()) == 1


def test_delete_outcome_stays_shown_when_a_late_second_click_reruns_the_page(world):
    """A second click that lands after the first run finished hits the redrawn (disabled) button:
    Streamlit only reruns the page, which must still show the outcome, once."""
    sid = world.ids["Old promo"]
    at = world.at
    at.selectbox(key="src_delete_id").set_value(sid).run()
    at.checkbox(key="src_delete_ok").check().run()
    at.button(key="src_delete").click().run()
    assert at.button(key="src_delete").disabled
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [rendered_text(s.value) for s in at.success] == ["Source “\u2068Old promo\u2069” deleted."]
    assert int((world.ws.audit_log()["action"] == "source.delete").sum()) == 1


# --- names are data -------------------------------------------------------------------------------

PHISH = "[Re-login](https://phish.example)"


def test_source_names_in_form_messages_are_shown_literally_not_as_links_bold_or_latex(world):
    from markup import markdown_sources, markup_found

    at = world.create(PHISH)
    assert not at.exception and not at.error, [e.value for e in at.error]
    success = at.success[0].value
    assert not markup_found(success), success
    assert rendered_text(success) == f"Source “\u2068{PHISH}\u2069” created."
    new_id = next(s["id"] for s in world.tenant._dim("source") if s["name"] == PHISH)
    # Select box options are plain text: the name exactly as typed, no escapes.
    assert f"{PHISH}  (#{new_id})" in at.selectbox(key="src_rename_id").options

    # A name already taken is quoted back in the field error: literal too.
    at = world.create("[RE-LOGIN](https://phish.example)")
    field = [e.value for e in at.error if "already exists" in e.value]
    assert field and not [m for m in markup_found(field[0]) if m != "<strong"], field
    assert f"A source named “\u2068{PHISH}\u2069” already exists" in rendered_text(field[0])

    hostile = "**x** $x$ <b>b</b>"
    at.selectbox(key="src_rename_id").set_value(new_id).run()
    at.text_input(key="src_rename_name").input(hostile)
    at.button(key="src_rename").click().run()
    renamed = [s.value for s in at.success if "renamed" in s.value]
    assert renamed and not markup_found(renamed[0]), renamed
    assert rendered_text(renamed[0]).startswith(f"Source renamed to “\u2068{hostile}\u2069”.")

    # The delete form quotes the name in its confirmation label.
    at.selectbox(key="src_delete_id").set_value(new_id).run()
    labels = [md for _, md in markdown_sources(at) if "will be deleted" in md]
    assert labels and not markup_found(labels[0])
    assert rendered_text(labels[0]) == f"I understand that “\u2068{hostile}\u2069” will be deleted in RASL, not only here."


def test_delete_confirmation_does_not_carry_over_to_another_source(world):
    at = world.at
    at.selectbox(key="src_delete_id").set_value(world.ids["Old promo"]).run()
    at.checkbox(key="src_delete_ok").check().run()
    at.selectbox(key="src_delete_id").set_value(world.ids["WhatsApp"]).run()
    assert at.checkbox(key="src_delete_ok").value is False
    assert at.button(key="src_delete").disabled


def test_source_deleted_in_another_session_while_picked_is_said_not_silently_unpicked(world):
    from rasl_data.access import LOCAL_ACTOR

    sid = world.ids["Old promo"]
    at = world.at
    at.selectbox(key="src_rename_id").set_value(sid).run()
    at.text_input(key="src_rename_name").input("Old promo 2")  # typed, not yet sent
    world.ws.delete_source(sid, actor=LOCAL_ACTOR)  # another session deletes it
    at.run()
    assert not at.exception
    assert at.selectbox(key="src_rename_id").value is None
    assert any(f"Source #{sid} is no longer in RASL" in w.value for w in at.warning)
    assert at.text_input(key="src_rename_name").value == "Old promo 2"  # what was typed is kept


def test_deleting_the_source_picked_for_rename_unpicks_it_without_a_deleted_elsewhere_warning(world):
    sid = world.ids["Old promo"]
    at = world.at
    at.selectbox(key="src_rename_id").set_value(sid).run()
    at.selectbox(key="src_delete_id").set_value(sid).run()
    at.checkbox(key="src_delete_ok").check().run()
    at.button(key="src_delete").click().run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert at.selectbox(key="src_rename_id").value is None

"""A configuration problem stops the dashboard with one message, in the configured language, and
without Streamlit's list of the ``pages/`` files."""

from __future__ import annotations

from apptest_support import run_app
from catalog_support import arabic
from markup import rendered_text

from ui import context


def test_a_bad_setting_is_reported_in_arabic_when_rasl_language_is_ar(monkeypatch):
    """Regression: the problem was reported before the language was set (English, left to right)
    and, with no navigation run, Streamlit listed the page files in the sidebar."""
    monkeypatch.setattr(context, "WORKSPACE_OVERRIDE", None)
    monkeypatch.setenv("RASL_SECRETS_PATH", "/dev/null")
    monkeypatch.setenv("RASL_LANGUAGE", "ar")
    monkeypatch.setenv("RASL_WEEKEND", "sun")
    at = run_app()
    assert not at.exception, [e.value for e in at.exception]
    [error] = at.error
    prefix = arabic("Configuration problem: {problem}").split("{problem}")[0]
    shown = rendered_text(error.value)
    assert shown.startswith(prefix) and "RASL_WEEKEND" in shown and "'sun'" in shown, shown
    assert not at.sidebar.markdown and not at.sidebar.button  # nothing drawn in the sidebar


def test_the_same_problem_in_english_by_default(monkeypatch):
    monkeypatch.setattr(context, "WORKSPACE_OVERRIDE", None)
    monkeypatch.setenv("RASL_SECRETS_PATH", "/dev/null")
    monkeypatch.delenv("RASL_LANGUAGE", raising=False)
    monkeypatch.setenv("RASL_WEEKEND", "sun")
    at = run_app()
    [error] = at.error
    shown = rendered_text(error.value).replace("\u2060", "")
    assert shown.startswith("Configuration problem: RASL_WEEKEND (environment): 'sun' is not one of"), shown

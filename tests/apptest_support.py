"""AppTest helpers shared by the page tests: the hand-counted small cache (see test_app_pages.py's
docstring), a workspace built from arguments only, and running the app with a query string.

The fixtures ``isolated`` and ``small_ws`` live in ``conftest.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from streamlit.testing.v1 import AppTest

from rasl_data.cache.workspace import Workspace
from rasl_data.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60  # seconds per run: two xdist workers share two cores
START, END = date(2026, 3, 2), date(2026, 3, 8)
CUSTOM_QP = {"range": "custom", "start": START.isoformat(), "end": END.isoformat(), "compare": "previous",
             "gran": "day"}
PAGES = ["pages/overview.py", "pages/sources.py", "pages/campaigns.py", "pages/conversion.py", "pages/health.py",
         "pages/settings.py", "pages/weekly.py"]
ARABIC = "واتساب / عروض رمضان"


def at_utc(d: date, hour: int = 12) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=timezone.utc)


def small_tables() -> dict:
    """The hand-counted cache of the module docstring, as ``make_cache`` keyword arguments."""
    t0 = at_utc(date(2025, 1, 1))
    sources = [
        dict(id=1, name="WhatsApp", created_at=t0, updated_at=t0),
        dict(id=2, name="Instagram / Ramadan offer", created_at=t0, updated_at=t0),
        dict(id=3, name=ARABIC, created_at=t0, updated_at=t0),
        dict(id=4, name="Old promo", created_at=t0, updated_at=t0),
        dict(id=5, name="Gone", created_at=t0, updated_at=t0, deleted_at=at_utc(date(2026, 2, 1))),
    ]
    rows = []  # (day, source_id, type)
    week = [START + timedelta(days=i) for i in range(7)]
    prev = [START - timedelta(days=7 - i) for i in range(7)]
    rows += [(week[0], 1, "lead"), (week[1], 1, "lead"), (week[2], 1, "customer")]
    rows += [(week[3], 2, "customer"), (week[4], 2, "lead")]
    rows += [(week[5], 3, "guest"), (week[6], None, "lead"), (week[6], 5, "lead")]
    rows += [(prev[0], 1, "lead"), (prev[1], 1, "lead"), (prev[2], 2, "customer"), (prev[3], 2, "lead")]
    rows += [(date(2026, 1, 10), 4, "lead")]
    contacts = [
        dict(id=i + 1, firstname="F", lastname="L", type=typ, source_id=sid, status_id=1 if typ == "lead" else 2,
             created_at=at_utc(day), updated_at=at_utc(day), first_seen_at=at_utc(date(2025, 6, 1)))
        for i, (day, sid, typ) in enumerate(rows)
    ]
    now = datetime.now(timezone.utc)
    return dict(
        sources=sources, contacts=contacts,
        statuses=[dict(id=1, name="New Lead", color="#3B82F6"), dict(id=2, name="Won", color="#10B981")],
        groups=[dict(id=1, name="VIP")],
        contact_groups=[dict(contact_id=1, group_id=1), dict(contact_id=4, group_id=1)],
        sync_runs=[dict(id=1, started_at=now - timedelta(minutes=6), finished_at=now - timedelta(minutes=5),
                        mode="full", outcome="success", requests=7, rate_limit_waits=0,
                        contacts_inserted=len(rows), contacts_updated=0, contacts_deleted=0)],
    )


def make_workspace(tmp_path: Path, cache_path: Path, *, token: str | None = None, transport=None,
                   read_only: bool = False) -> Workspace:
    """A workspace on ``cache_path`` with settings from arguments only (no secrets file, no environment)."""
    overrides = {"RASL_CACHE_PATH": str(cache_path), "RASL_API_TOKEN": token,
                 "RASL_BASE_URL": "https://rasl.test/api/v2", "RASL_READ_ONLY": "1" if read_only else None}
    settings = load_settings(overrides, secrets_path=tmp_path / "no-secrets.toml", environ={})
    return Workspace(settings, transport=transport)


def use_navigation_on_every_run(monkeypatch) -> None:
    """Make AppTest run ``app.py`` (and its ``st.navigation``) on every run, not only the first.

    AppTest resets ``PagesManager.uses_pages_directory`` before each run and, because this repo
    has a ``pages/`` folder, the flag turns True: from the second run on, AppTest then runs the
    page file alone (the old multipage mode), without the sidebar that ``app.py`` draws. The
    real server keeps the flag False once ``st.navigation`` ran, so tests restore that.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def run_app(query_params: dict | None = None, page: str | None = None) -> AppTest:
    """Run the app (optionally with a query string and on another page) and return the AppTest."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["_first_sync_tried"] = True
    for k, v in (query_params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}

"""The layers' import boundaries, read from the source with ``ast`` (no import needed):

- ``rasl_data`` never imports Streamlit (the data layer runs in the CLI, jobs and tests);
- ``pages/`` never import the cache or HTTP layers (duckdb, httpx, the API client, the cache store):
  they render what ``ui`` and the analytics hand them.

And the one Streamlit internal the app frame relies on still exists, so an upgrade that drops it
fails here loudly rather than silently serving bare pages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    """Every module named by an ``import`` or ``from ... import`` in ``path`` (relative ones resolved
    against the package folder), including names imported from a package (``from a import b`` gives
    ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def hits(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden))


def test_imported_modules_reads_plain_from_and_relative_imports(tmp_path):
    # The helper itself, on a hand-written file: otherwise the boundary tests could pass by reading nothing.
    assert hits(imported_modules(ROOT / "ui" / "frame.py"), ("streamlit",)) != []
    assert "rasl_data.signin" in imported_modules(ROOT / "ui" / "frame.py")
    assert "ui.context" in imported_modules(ROOT / "ui" / "frame.py")


@pytest.mark.parametrize("path", sorted((ROOT / "rasl_data").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_rasl_data_never_imports_streamlit(path):
    assert hits(imported_modules(path), ("streamlit",)) == []


PAGE_FORBIDDEN = ("duckdb", "httpx", "rasl_data.api", "rasl_data.api.client", "rasl_data.cache.store", "rasl_data.cache.store")


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_never_import_the_cache_or_http_layers(path):
    assert hits(imported_modules(path), PAGE_FORBIDDEN) == []


def test_streamlit_still_has_the_pages_folder_switch_the_app_frame_turns_off():
    # ui/frame.py turns ``PagesManager.uses_pages_directory`` off so a first request to a page URL
    # runs app.py (sidebar, filters). If a Streamlit upgrade renames or drops it, the frame silently
    # does nothing: fail here and revisit ui/frame.py.
    from streamlit.runtime.pages_manager import PagesManager

    assert hasattr(PagesManager, "uses_pages_directory"), (
        "streamlit.runtime.pages_manager.PagesManager.uses_pages_directory is gone: see ui/frame.py")

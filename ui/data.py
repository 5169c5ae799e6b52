"""Cached calls into ``rasl_data`` functions, keyed on the cache file's version.

A finished sync (or a source created, renamed or deleted, or rules saved) swaps in a new cache
file, which changes the reader's ``version`` and so refreshes every page without clearing
anything by hand.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics.attribution import UNATTRIBUTED
from rasl_data.cache.store import CacheError
from ui.errors import show_error

from . import context


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(version: str, cache_path: str, module: str, name: str, args: tuple, kwargs: tuple,
            language: tuple[str, str] = (i18n.DEFAULT_LANGUAGE, i18n.DEFAULT_DIGITS)) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with i18n.use(*language):  # results may hold interface text (labels): one entry per language
        return fn(context.workspace().reader, *args, **dict(kwargs))


def cached_query(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(reader, *args, **kwargs)`` through ``st.cache_data`` keyed on the cache version.

    ``fn`` is a module-level ``rasl_data`` function taking the cache reader first; arguments must
    be hashable or picklable (``Filters``, dates, strings, DataFrames). A ``CacheError`` stops the
    page with its title (detail in an expander); other exceptions (``ValueError`` for a bad
    input) reach the caller.
    """
    ws = context.workspace()
    try:
        return _cached(ws.reader.version, str(ws.cache_path), fn.__module__, fn.__name__, args,
                       tuple(sorted(kwargs.items())), (i18n.language(), i18n.digits()))
    except CacheError as err:
        show_error(err, icon=":material/database:")
        st.stop()


def filter_options() -> dict:
    """What the sidebar offers: live source ids with names, channels and campaigns in the cache.

    Returns ``{"source_ids": [int], "source_names": {id: name}, "channels": [str],
    "campaigns": [str]}``; ``Unattributed`` is offered as a channel and campaign too.
    """
    from rasl_data.analytics import attribution

    try:
        df: pd.DataFrame = cached_query(attribution.source_attribution)
    except ValueError:  # invalid saved rules: the sidebar still draws, the pages say why
        df = pd.DataFrame(columns=["source_id", "source", "channel", "campaign"])
    df = df.sort_values("source", key=lambda s: s.str.casefold()) if not df.empty else df
    return {
        "source_ids": [int(i) for i in df["source_id"].tolist()],
        "source_names": {int(i): n for i, n in zip(df["source_id"], df["source"])},
        "channels": sorted({c for c in df["channel"].dropna().tolist()}, key=str.casefold) + [UNATTRIBUTED],
        "campaigns": sorted({c for c in df["campaign"].dropna().tolist()}, key=str.casefold) + [UNATTRIBUTED],
    }


def series_colours():
    """The workspace's chart colours (``rasl_data.analytics.colours.series_colours``), cached per cache version:
    sources and campaigns ranked by all-time contacts, so a source has one colour on every page
    and in the weekly pack."""
    from rasl_data.analytics import colours

    return cached_query(colours.series_colours)

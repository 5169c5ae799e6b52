"""The interface language of this browser session: ``RASL_LANGUAGE``, the sidebar switch, ``?lang=``.

``apply()`` runs first in every script run (``app.py``): it reads ``lang=`` from the URL (so a
shared link opens in the sender's language), else this session's last choice, else
``RASL_LANGUAGE``, and sets ``rasl_data.i18n`` for the run (language and ``RASL_DIGITS``).
Callbacks run before ``app.py`` in a run, so ``ensure()`` sets the same for them.
"""

from __future__ import annotations

import json

import streamlit as st

from rasl_data import i18n

from . import context

_KEY = "_rasl_language"
_SWITCH_KEY = "lang_switch"


def _digits() -> str:
    # An unusable configuration is reported by the page itself, in the configured language.
    return i18n.normalise_digits(context.configured("RASL_DIGITS")) or i18n.DEFAULT_DIGITS


def chosen_language() -> str:
    """``lang=`` of the URL, else this session's choice, else ``RASL_LANGUAGE`` (``en``/``ar``)."""
    from_url = i18n.normalise_language(st.query_params.get("lang"))
    if from_url:
        return from_url
    remembered = i18n.normalise_language(st.session_state.get(_KEY))
    if remembered:
        return remembered
    return i18n.normalise_language(context.configured("RASL_LANGUAGE")) or i18n.DEFAULT_LANGUAGE


def apply() -> str:
    """Set this run's language and digit style (``rasl_data.i18n``); returns the language code.

    Also points the sidebar switch (``switch``) at that language, so a link with ``?lang=ar``
    opens with العربية selected.
    """
    lang = chosen_language()
    st.session_state[_KEY] = lang
    # Allowed before the switch is drawn in this run; the switch is created without a default.
    st.session_state[_SWITCH_KEY] = lang
    i18n.set_language(lang, _digits())
    if st.session_state.pop(_RELOAD_KEY, False):
        _reload()
    return lang


_RELOAD_KEY = "_rasl_language_switched"


def _reload() -> None:
    """Open this page's address again (with its ``lang=`` and filters), then stop the run.

    Every widget's label and options change with the language, and Streamlit takes a widget whose
    label changed for a new one: redrawn in place, the sidebar's choices (a Ramadan preset, the
    comparison) were shown stale and dropped at the next click. Opened afresh, the page reads its
    view from the address, as a shared link does.
    """
    from urllib.parse import urlencode

    query = urlencode([(k, v) for k in st.query_params.keys() for v in st.query_params.get_all(k)])
    st.html(f"<script>window.location.replace(window.location.pathname + {json.dumps('?' + query)});</script>",
            unsafe_allow_javascript=True)
    st.stop()


# The switch's label: one accessible name readable in either language (it is not shown; the
# options are each language's own name, ``i18n.LANGUAGES``).
SWITCH_LABEL = "Language · اللغة"


def _switched() -> None:
    """Callback of the switch: remember the choice for this session and write it to the URL."""
    lang = i18n.normalise_language(st.session_state.get(_SWITCH_KEY))
    if lang is None:  # the selected option was clicked again (deselected): keep the language
        lang = i18n.normalise_language(st.session_state.get(_KEY)) or i18n.DEFAULT_LANGUAGE
    changed = lang != i18n.normalise_language(st.session_state.get(_KEY))
    st.session_state[_KEY] = lang
    # In the URL, so a shared link opens in the sender's language (``url_params`` keeps it there
    # when the filters rewrite the query string).
    st.query_params["lang"] = lang
    st.session_state[_RELOAD_KEY] = changed  # ``apply`` opens the page afresh in the new language
    ensure()


def switch() -> str:
    """Draw the language switch (English | العربية) where called (the sidebar); returns the code.

    Each browser session has its own language: the choice lands in the session and in the URL
    (``lang=``), never in the settings (``RASL_LANGUAGE`` is the default for new sessions).
    """
    st.segmented_control(
        SWITCH_LABEL, list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key=_SWITCH_KEY,
        on_change=_switched, label_visibility="collapsed", required=True,
    )
    return i18n.language()


def ensure() -> None:
    """In a callback: set the session's language (``apply`` has not run yet in this run)."""
    i18n.set_language(i18n.normalise_language(st.session_state.get(_KEY)) or i18n.DEFAULT_LANGUAGE, _digits())


def url_params() -> dict[str, str]:
    """``{"lang": code}`` while the session's language differs from ``RASL_LANGUAGE``, else ``{}``:
    what the filters keep in the URL beside their own parameters."""
    lang = i18n.normalise_language(st.session_state.get(_KEY))
    try:
        default = context.settings().language
    except Exception:
        default = i18n.DEFAULT_LANGUAGE
    if lang and (lang != default or st.query_params.get("lang")):
        return {"lang": lang}
    return {}

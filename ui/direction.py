"""Right-to-left layout of the Arabic interface: the page's direction, its CSS, and chart direction.

``page_css()`` is the style sheet ``ui.frame.theme_fixes`` adds to every run in Arabic (nothing in
English, so the English page is exactly as before); ``page_script()`` sets ``<html lang dir>`` so
the browser, screen readers and the pop-ups Streamlit draws outside the app (menus, tooltips)
follow the language. ``figure(fig)`` turns a Plotly figure right to left (time runs from right to
left, the value axis and the legend on the right); ``ui.charts`` calls it on every chart it builds.

What Streamlit writes itself (its built-in English) and how the Arabic page handles each text is
listed in ``STREAMLIT_TEXTS``; the browser test reads that list too.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go

from rasl_data import i18n
from rasl_data.i18n import N_, _

# Streamlit's own English texts that can show on the dashboard, and how the Arabic page treats
# each. "parameter": Streamlit takes the text as an argument, so the page passes its translation
# (``placeholder=``, ``help=``...); "css": no argument exists, so ``page_css`` hides the English
# text and shows the Arabic one with ``::after``; "not shown": appears only in a transient state
# (a hover tooltip, a pop-up while typing), not handled. English text → (where, how).
STREAMLIT_TEXTS: dict[str, tuple[str, str]] = {
    "Choose options": ("multiselect without a selection", "parameter: placeholder="),
    "Choose an option": ("selectbox without a selection", "parameter: placeholder="),
    "Upload": ("file uploader button", "css"),
    "200MB per file • CSV, XLSX": ("file uploader size limit and file types", "css"),
    "Drag and drop a file here": ("wide file uploader", "css"),
    "Press Enter to apply": ("text and number inputs while typing", "css"),
    "Press Enter to submit form": ("text input inside a form while typing", "css"),
    "Press Ctrl+Enter to apply": ("text area while typing", "css"),
    "Stop": ("status widget at the top during a long run", "css"),
    "Running...": ("status widget icon: its accessible name", "not shown (aria-label)"),
    "No results": ("selectbox filter that matches nothing", "not shown (pop-up while typing)"),
    "Download as CSV / Search / Fullscreen": ("dataframe toolbar tooltips", "not shown (hover)"),
}

# The texts the CSS below shows instead of Streamlit's English ones (extracted for translation).
_CSS_TEXTS = {
    "upload": N_("Upload"),
    "limit": N_("Up to 200 MB per file"),
    "dropzone": N_("Drag and drop a file here"),
    "enter": N_("Press Enter to apply"),
    "enter_form": N_("Press Enter to submit the form"),
    "ctrl_enter": N_("Press Ctrl+Enter to apply"),
    "stop": N_("Stop"),
}


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes and backslashes escaped; no newlines)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _replace(selector: str, text: str) -> str:
    """CSS that hides an element's own text and shows ``text`` in its place (``::after``)."""
    return (f"{selector} {{ font-size: 0 !important; }}\n"
            f"{selector}::after {{ content: {_css_string(text)}; font-size: 0.875rem; }}\n")


_BASE_CSS = """
html, body { direction: rtl; }
/* Text and headings start at the right. */
[data-testid="stMain"], [data-testid="stSidebar"], [data-testid="stMarkdownContainer"],
[data-testid="stCaptionContainer"], [data-testid="stHeading"], [data-testid="stAlertContainer"] {
  text-align: right;
}
/* Numbers, dates and codes read left to right inside Arabic text: KPI values and deltas, code
   blocks (the weekly summary keeps its own direction per line). */
[data-testid="stMetricValue"] > div, [data-testid="stMetricDelta"] > div {
  direction: ltr; unicode-bidi: isolate;
}
[data-testid="stMetricValue"], [data-testid="stMetricDelta"] { justify-content: flex-start; }
/* Inline code (commands, keys, addresses) reads left to right as one piece inside Arabic text. */
[data-testid="stMarkdownContainer"] code:not(pre code) { direction: ltr; unicode-bidi: isolate; }
[data-testid="stCode"] pre, [data-testid="stCode"] code { direction: rtl; unicode-bidi: plaintext; text-align: start; }
/* HTML tables (st.table, Markdown): cells start at the right, each cell's text in its own
   direction (a number or an English name stays left to right). */
[data-testid="stMain"] table th, [data-testid="stMain"] table td { text-align: right; unicode-bidi: plaintext; }
/* Tables (st.dataframe, st.data_editor) are drawn on a canvas, which takes its text direction from
   its element: left to right, so a number with its sign and share ("+26 (+217%)") keeps its order
   and an Arabic name still reads right to left. The columns themselves run from the right
   (``table``: the first column on the right). */
[data-testid="stDataFrame"], [data-testid="stDataFrame"] canvas { direction: ltr; }
/* Segmented controls: Streamlit styles the joined buttons by their physical sides (the first
   button's left corners rounded, -1px right margins, the border next to the selected button made
   transparent on its right or left). The row is laid out left to right as Streamlit expects and
   mirrored, and each button mirrored back, so the first option sits on the right with every
   border and corner where it belongs. */
div:has(> button[data-variant="segmented_control"]) { direction: ltr; transform: scaleX(-1); }
button[data-variant="segmented_control"] > * { transform: scaleX(-1); }
/* Plotly draws its own SVG text anchored left or right: it must not inherit the page's
   direction (charts are turned right to left by ui.direction.figure instead); nor may the
   hidden element it measures text in (#js-plotly-tester, under the body), or the room it keeps
   for the names beside horizontal bars comes out too small. */
.js-plotly-plot, .js-plotly-plot *, #js-plotly-tester, #js-plotly-tester * { direction: ltr; }
/* Inputs: typed text starts at the right, except what is always Latin (addresses, URLs, numbers). */
input, textarea { text-align: right; }
input[type="email"], input[type="url"], input[type="number"], input[type="password"] {
  direction: ltr; text-align: left;
}
"""


def page_css() -> str:
    """The style sheet of the Arabic page (``<style>…</style>``); ``""`` in English."""
    if not i18n.is_rtl():
        return ""
    t = {key: _(text) for key, text in _CSS_TEXTS.items()}
    css = _BASE_CSS
    # File uploader: its button, the size limit (the label names the file types) and, when wide,
    # the drop-zone instructions.
    css += _replace('[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p', t["upload"])
    css += _replace('[data-testid="stFileUploaderDropzoneInstructions"] > div > span', t["limit"])
    css += _replace('[data-testid="stFileUploaderDropzone"] > div:not([data-testid])', t["dropzone"])
    # Instructions under an input while typing; a character count beside them stays as it is.
    css += _replace('[data-testid="InputInstructions"] > span:first-child', t["enter"])
    css += _replace('[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child', t["enter_form"])
    css += _replace('[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child', t["ctrl_enter"])
    # The Stop button of the status widget (top of the page during a long run).
    css += _replace('[data-testid="stStatusWidget"] button', t["stop"])
    return "<style>" + css + "</style>"


# The container holding ``page_script``'s element (``ui.frame.theme_fixes``): never shown.
HIDDEN_KEY = "rasl_direction"
HIDDEN_CSS = f"<style>.st-key-{HIDDEN_KEY} {{ display: none; }}</style>"


def page_script() -> str:
    """A script that sets ``<html lang="…" dir="…">`` to the language in effect (both languages,
    so switching back to English restores ``ltr``)."""
    lang, direction = i18n.language(), i18n.direction()
    return (f"<script>document.documentElement.setAttribute('lang', '{lang}');"
            f"document.documentElement.setAttribute('dir', '{direction}');{_GRID_SCROLL_JS}</script>")


# A table wider than its box opens scrolled to its right end in a right-to-left page, where its
# first columns are (``table``); once per table, so a reader's own scrolling is left alone.
_GRID_SCROLL_JS = """(() => {
  if (window.__raslGridScroll) return;
  window.__raslGridScroll = true;
  const seen = new WeakSet();
  const scroll = () => {
    if (document.documentElement.getAttribute('dir') !== 'rtl') return;
    for (const el of document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')) {
      if (seen.has(el) || el.scrollWidth <= el.clientWidth) continue;
      seen.add(el);
      el.scrollLeft = el.scrollWidth;
    }
  };
  new MutationObserver(scroll).observe(document.body, {childList: true, subtree: true});
  scroll();
})();"""


# --- charts ------------------------------------------------------------------------------------------


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its columns in reading order for ``st.dataframe``: reversed right to left
    (Arabic), so the first column (the name) is drawn on the right; unchanged in English. The
    grid draws the columns in the frame's order whatever the page's direction, and rows, values
    and column settings (keyed by name) are not touched."""
    if not i18n.is_rtl() or not isinstance(frame, pd.DataFrame):
        return frame
    return frame[list(frame.columns)[::-1]]


def _is_time(values) -> bool:
    """Whether a trace coordinate holds dates (period starts): the time axis to run right to left."""
    for v in list(values if values is not None else ())[:5]:
        if isinstance(v, (date, datetime)) or type(v).__name__ in ("Timestamp", "datetime64"):
            return True
        if isinstance(v, str) and len(v) >= 10 and v[4] == "-" and v[7] == "-" and v[:4].isdigit():
            return True
    return False


_DONE = "rasl_rtl"  # marks a figure already turned (layout.meta), so a second call changes nothing


def figure(fig: go.Figure, *, time_x: bool | None = None) -> go.Figure:
    """``fig`` turned right to left in Arabic (unchanged in English); returns the same figure.

    * A time x axis runs from right to left (``autorange="reversed"``): dates are recognised,
      ``time_x=True`` says so for period labels drawn as categories ("26 Oct"), ``False`` keeps
      the order; the value axis of horizontal bars is reversed too, so bars grow from the right;
    * the y axis (values, or the names of horizontal bars) sits on the right;
    * a legend below the plot starts at the right; a title sits at the right; notes placed
      against the plot's left or right edge (``add_hline`` annotations) move to the other edge;
    * hover labels are aligned right.
    Applying it twice changes nothing more.
    """
    if not i18n.is_rtl():
        return fig
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if meta.get(_DONE):
        return fig
    fig.update_layout(meta={**meta, _DONE: True})
    horizontal = any(getattr(t, "orientation", None) == "h" for t in fig.data)
    if time_x is None:
        time_x = any(_is_time(getattr(t, "x", None)) for t in fig.data if getattr(t, "orientation", None) != "h")
    if horizontal or time_x:
        fig.update_xaxes(autorange="reversed")
    # automargin: the names of horizontal bars need the room on the right that they had on the left.
    fig.update_yaxes(side="right", automargin=True)
    if fig.layout.legend.orientation == "h":
        fig.update_layout(legend=dict(xanchor="right", x=1))
    if fig.layout.title.text:
        fig.update_layout(title=dict(xanchor="right", x=0.98))
    for note in fig.layout.annotations or ():
        if str(note.xref or "").endswith(("domain", "paper")) and note.x is not None:
            note.x = 1 - note.x
            note.xanchor = {"left": "right", "right": "left"}.get(note.xanchor, note.xanchor)
    for trace in fig.data:
        _arabic_hover_dates(trace)
    fig.update_layout(hoverlabel=dict(align="right"))
    return fig


_X_DATE = re.compile(r"%\{x\|[^}]*\}")


def _arabic_hover_dates(trace) -> None:
    """Dates in a trace's hover text in Arabic: Plotly formats ``%{x|%-d %b %Y}`` with English
    month names in the browser, so the dates are written here (``i18n.format_date``) into
    ``hovertext`` and the template shows that instead."""
    template = getattr(trace, "hovertemplate", None)
    xs = getattr(trace, "x", None)
    if not template or not _X_DATE.search(template) or xs is None or getattr(trace, "hovertext", None) is not None:
        return
    if not _is_time(xs):
        return
    texts = []
    for x in xs:
        try:
            texts.append(i18n.format_date(pd.Timestamp(x).date(), "d MMM y"))
        except (TypeError, ValueError):
            texts.append(str(x))
    trace.hovertext = texts
    trace.hovertemplate = _X_DATE.sub("%{hovertext}", template)

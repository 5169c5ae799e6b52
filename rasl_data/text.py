"""Names the user typed (sources, channels, campaigns, groups, statuses) shown as plain text.

A name is data. Put into Markdown (Streamlit messages, captions, labels, toasts), a source
named ``[Re-login](https://phish.example)`` would become a link, ``**x**`` bold and ``$x$`` a
formula; put into a Plotly text (legend, tick label, hover), ``<a href=...>`` or ``<b>`` would
become a link or bold text. These helpers turn a name into text that each renderer shows
literally. No streamlit here: the weekly pack and the CLI use them too.
"""

from __future__ import annotations

import re
import unicodedata

# Every ASCII punctuation character may be backslash-escaped in CommonMark (and GFM); escaped,
# none of them starts a link, emphasis, code, math ($), HTML, autolink, table or a Streamlit
# directive (``:red[...]``, ``:material/x:``).
_MD_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
# Line breaks and tabs fold to one space; bidi embedding/override/isolate controls would reorder
# the rest of the line (or close an isolate early).
_LINE_BREAKS = re.compile("[\t\n\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]+")
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Only the breaks, for escaping whole messages: their own isolate marks (FSI…PDI) must survive.
_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x85\u2028\u2029]")
# Emoji short codes (``:smile:``) are replaced in the text *after* Markdown parsing, so an escape
# does not stop them: an invisible word joiner after every colon does.
WORD_JOINER = "\u2060"
# GFM turns e-mail addresses and ``www.`` names into links in the parsed text too, escapes or
# not (``https\:\/\/e.x`` is still linked): a word joiner after ``:``, ``@`` and ``www`` breaks them.
_AUTOLINK_BREAK = re.compile(r"\\[:@]|(?i:www)(?=\\\.)")


def one_line(text: object) -> str:
    """``text`` as one printable line, for summaries, messages, headings and chart labels.

    Line breaks and tabs (``\\n``, ``\\r``, NEL, U+2028/2029...) become one space, other control
    characters U+FFFD, and bidi embedding/override/isolate controls (which would reorder the rest
    of the line) are dropped; everything else is kept as typed. ``None`` → ``""``. CSV and XLSX
    cells keep the name exactly; only text that must stay one line goes through here.
    """
    if text is None:
        return ""
    text = _LINE_BREAKS.sub(" ", str(text))
    text = BIDI_CONTROLS.sub("", text)
    return "".join("\ufffd" if unicodedata.category(ch) == "Cc" else ch for ch in text)


def md_literal(text: object) -> str:
    """``text`` escaped so Streamlit's Markdown shows it exactly as typed, on one line.

    Backslash before every ASCII punctuation character (links, emphasis, ``$`` math, ``<b>``,
    ``&amp;`` entities, tables, ``:colour[...]`` directives, autolinks ``www.x`` / ``a@b.c`` /
    ``https://``), a word joiner (U+2060, invisible) after every ``:``, ``@`` and ``www`` so no
    emoji short code or autolink forms (copied text carries these invisible joiners), line breaks
    as spaces. Safe anywhere Streamlit reads Markdown: ``st.markdown``, ``st.caption``, alert
    bodies, ``st.toast``, widget, metric, tab and expander labels, radio and segmented options.
    """
    escaped = _MD_PUNCTUATION.sub(r"\\\1", _BREAKS.sub(" ", "" if text is None else str(text)))
    return _AUTOLINK_BREAK.sub(lambda m: m.group(0) + WORD_JOINER, escaped)


def plotly_literal(text: object) -> str:
    """``text`` for a Plotly text field (trace name, category, tick or hover text), shown literally.

    Plotly reads a subset of HTML in these fields (``<b>``, ``<a href>``, ``<br>``, entities), so
    ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;``, ``&gt;``; line breaks become spaces.
    Do not put a name into a ``hovertemplate`` string (``%{...}`` there is a placeholder): refer
    to the trace's name with ``%{fullData.name}`` or to a category with ``%{y}`` instead.
    """
    return _BREAKS.sub(" ", "" if text is None else str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def isolate(text: object) -> str:
    """``text`` between Unicode first-strong isolate marks (FSI … PDI), for use inside a sentence.

    An Arabic name quoted in an English sentence otherwise drags neighbouring numbers and
    punctuation into its right-to-left run ("6707 تيك توك / عرض" instead of "تيك توك / عرض 6707").
    The text is put on one line first (``one_line``: line breaks fold, bidi controls that could
    close the isolate early go), so a message about it stays one line.
    """
    return f"\u2068{one_line(text)}\u2069"


def md_name(name: object) -> str:
    """A name for a Markdown sentence: literal (``md_literal``) and bidi-isolated (``isolate``)."""
    return isolate(md_literal(name))

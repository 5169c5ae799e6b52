"""What Streamlit's Markdown would make of the texts an AppTest run produced.

AppTest gives the Markdown *source* of each message; this module renders it with markdown-it-py
(CommonMark + GFM tables/strikethrough + linkify autolinks + ``$`` math), an independent
parser, so tests can check what a reader would see (``rendered_text``) and that no name turned
into a link, bold or italic text, a formula, a heading or HTML (``markup_found``).
"""

from __future__ import annotations

import html
import re
from typing import Iterator

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

_MD = MarkdownIt("gfm-like").use(dollarmath_plugin)
_TAG = re.compile(r"<[^>]+>")
# What a literal name must never become. Our own prose may use **bold**, so callers pass the
# rendered HTML of texts whose markup they know, or look for the hostile names' effects.
_MARKUP = re.compile(r"<(a|strong|em|del|code|h[1-6]|ol|ul|blockquote|table|img|b|i|span class=\"math)\b")


def render(md: str) -> str:
    """HTML of ``md`` as Streamlit's Markdown renderer would build it (close enough to test)."""
    return _MD.render(md or "")


def rendered_text(md: str) -> str:
    """The visible text of ``md``: rendered, tags dropped, entities decoded, spaces collapsed,
    invisible word joiners (U+2060) removed."""
    text = html.unescape(_TAG.sub(" ", render(md))).replace("\u2060", "")
    return " ".join(text.split())


def markup_found(md: str) -> list[str]:
    """The elements (``a``, ``strong``, ``em``, math, headings, lists...) ``md`` renders to."""
    return [m.group(0) for m in _MARKUP.finditer(render(md))]


def markdown_sources(at) -> Iterator[tuple[str, str]]:
    """Every ``(what, markdown)`` an AppTest run drew where Streamlit reads Markdown: markdown,
    captions, alerts, toasts, metric/widget/expander/tab labels, radio and segmented options."""
    def walk(node) -> Iterator:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    for node in walk(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if kind in ("markdown", "caption", "success", "error", "warning", "info", "exception"):
            body = getattr(proto, "body", None)
            if isinstance(body, str):
                yield kind, body
        elif kind == "toast":
            yield kind, proto.body
        elif kind in ("expandable", "expander", "tab", "popover"):
            label = getattr(node, "label", "") or getattr(getattr(proto, kind, None), "label", "")
            if label:
                yield kind, label
        else:
            label = getattr(proto, "label", None)
            if isinstance(label, str) and label:
                yield kind, label
            if kind in ("radio", "button_group"):
                for option in getattr(proto, "options", []):
                    text = option if isinstance(option, str) else getattr(option, "content", "")
                    if text:
                        yield kind + " option", text

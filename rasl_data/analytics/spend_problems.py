"""A refused spend or targets table: the error (``SpendError``) and the texts of its problems.

Each problem is one sentence in the language in effect (``rasl_data.i18n``): ``line 3: amount is
empty; name is empty`` (``line_problem``), or a problem of the whole file. ``split_problem`` takes
a problem apart again (line number, text) whatever the language, for the table the dashboard shows
and for sorting by line. No streamlit here.
"""

from __future__ import annotations

import re

from rasl_data import i18n
from rasl_data.errors import DashboardError
from rasl_data.i18n import N_, _, ngettext

LEVEL_WORDS = {"source": N_("source"), "campaign": N_("campaign"), "channel": N_("channel")}
"""Spend level (a key) → its word, marked for translation (show ``_(LEVEL_WORDS[level])``)."""


class SpendError(DashboardError, ValueError):
    """Spend (or targets) refused as a whole: ``problems`` are ``"line N: what is wrong"`` texts,
    ``unmatched`` the names no source, campaign or channel has (to fix them in the file)."""

    def __init__(self, problems: list[str], unmatched: list[str] | None = None, what: str = "spend") -> None:
        self.problems = list(problems)
        self.unmatched = list(unmatched or [])
        n = len(self.problems)
        if what == "targets":
            head = ngettext("The targets were not saved: {count} problem", "The targets were not saved: {count} problems",
                            n)
        else:
            head = ngettext("The spend was not saved: {count} problem", "The spend was not saved: {count} problems", n)
        head = head.format(count=i18n.format_number(n))
        ValueError.__init__(self, head + ". " + "; ".join(self.problems[:5]) + (" …" if len(self.problems) > 5 else ""))
        self.title = head + "."
        self.detail = "\n".join(self.problems)


def no_such_name(level: str, name: str) -> str:
    """``no campaign is named 'X'`` (a whole sentence per level, in the language in effect)."""
    texts = {"source": _("no source is named {name}"), "campaign": _("no campaign is named {name}"),
             "channel": _("no channel is named {name}")}
    return texts[level].format(name=repr(name)) if level in texts else f"no {level} is named {name!r}"


def line_problem(line: int, errs: list[str]) -> str:
    """``line 3: amount is empty; name is empty`` (in the language in effect)."""
    return _("line {line}: {problems}").format(line=line, problems=("؛ " if i18n.is_rtl() else "; ").join(errs))


def split_problem(problem: str) -> tuple[str, str]:
    """``"line 3: no channel is named 'X'"`` → ``("3", "no channel is named 'X'")`` (the line words of
    the language in effect, ``line_problem``); a problem of the whole file → ``("", problem)``."""
    template = re.escape(_("line {line}: {problems}")).replace(r"\{line\}", r"(\d+)").replace(
        r"\{problems\}", "(.*)")
    found = re.fullmatch(template, problem, flags=re.S)
    return (found.group(1), found.group(2)) if found else ("", problem)


def line_of(problem: str) -> int:
    """The line number a problem names (``line_problem``), 0 for a problem of the whole file."""
    line, _text = split_problem(problem)
    return int(line) if line else 0


__all__ = ["LEVEL_WORDS", "SpendError", "line_of", "line_problem", "no_such_name", "split_problem"]

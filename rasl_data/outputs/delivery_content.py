"""What the deliveries say: the weekly review e-mail (subject, text, HTML with KPI tiles) and the
WhatsApp texts, within RASL's limits.

Names typed by users (sources, campaigns) are data: escaped in HTML, never read as markup; the
plain text keeps them literally. Everything else is written in the language in effect
(``rasl_data.i18n``: ``RASL_LANGUAGE`` for the scheduled jobs, the session's language for the
dashboard's *Send test*); an Arabic e-mail is ``<html lang="ar" dir="rtl">``. No streamlit, no
network here.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from rasl_data import i18n
from rasl_data.analytics import alerts as alerts_mod
from rasl_data.analytics import weekly_review, weekly_summary
from rasl_data.analytics.weekly_review import WeeklyReview
from rasl_data.analytics.weekly_summary import count_text, pct_text, share_text, signed_text, weekday_text
from rasl_data.i18n import _, ngettext

WHATSAPP_MAX_CHARS = 4096  # POST /messages/text rejects longer messages (contract §11.1)
# Tiles of the e-mail, in order: (metric label, how its value reads).
TILES = (
    (weekly_review.METRIC_NEW_CONTACTS, "count"),
    (weekly_review.METRIC_UNATTRIBUTED_SHARE, "share"),
    (weekly_review.METRIC_ACTIVE_SOURCES, "count"),
    (weekly_review.METRIC_NEW_SOURCES, "count"),
    (weekly_review.METRIC_SILENT_SOURCES, "count"),
    (weekly_review.METRIC_SPIKES, "count"),
)


@dataclass(frozen=True)
class Content:
    """What one delivery says on each channel. ``email`` builds the ``EmailMessage`` for a recipient
    (``None``: nothing for e-mail); ``whatsapp`` is the text (≤ 4,096 characters)."""

    subject: str
    whatsapp: str
    email_text: str
    email_html: str | None = None
    attachments: tuple[tuple[str, bytes, str], ...] = ()


def fit_text(text: str, limit: int = WHATSAPP_MAX_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters at a line break, ending with a note of what was left
    out (whole lines only, so a name is never cut in half)."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        left = len(lines) - i
        # The English keeps its "line(s)"; the plural forms are for languages that need them.
        note = ngettext("… and {count} more line(s)", "… and {count} more line(s)", left).format(
            count=i18n.format_number(left))
        if len("\n".join(kept + [line, note])) > limit:
            return "\n".join(kept + [note])[:limit]
        kept.append(line)
    return "\n".join(kept)[:limit]


def template_field(text: str, limit: int = 1024) -> str:
    """``text`` as one template body parameter: WhatsApp refuses newlines and tabs there, so lines are
    joined with `` | `` and runs of spaces collapsed; at most ``limit`` characters."""
    flat = " | ".join(" ".join(line.replace("\t", " ").split()) for line in text.splitlines() if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _new_contacts(review: WeeklyReview) -> tuple[int, str]:
    row = review.metric(weekly_review.METRIC_NEW_CONTACTS)
    this = int(row["this_week"])
    change = row["change_vs_previous"]
    pct = row["change_pct_vs_previous"]
    if pd.isna(change):
        return this, ""
    text = signed_text(change) if pd.isna(pct) else weekly_summary.change_and_percent(change, pct)
    return this, text


def weekly_subject(review: WeeklyReview) -> str:
    """``Weekly review 16–22 Nov 2026: 1,234 new contacts (+56, +5% vs the week before)`` (in the
    language in effect)."""
    label = weekly_review.week_label(review.week_start, review.week_end)
    n, change = _new_contacts(review)
    if change:
        return _("Weekly review {week}: {count} new contacts ({change} vs the week before)").format(
            week=label, count=count_text(n), change=change)
    return _("Weekly review {week}: {count} new contacts").format(week=label, count=count_text(n))


def _where_line(review: WeeklyReview) -> str:
    return _("Local dates in {time_zone}; weeks start on {weekday}.").format(
        time_zone=review.tz, weekday=weekday_text(review.week_starts_on))


def weekly_text(review: WeeklyReview, attachment_name: str | None = None) -> str:
    """The e-mail's plain-text body: the summary, then where the rest is."""
    tail = ["", _where_line(review)]
    if attachment_name:
        tail.append(_("The full pack ({file}) is attached: CSVs, the report with charts (opens offline in a "
                      "browser) and chart images.").format(file=attachment_name))
    tail.append(_("Spikes and drops: {rule}").format(rule=weekly_summary.spike_rule()))
    return review.summary + "\n" + "\n".join(tail) + "\n"


def _tile_value(row: pd.Series, how: str) -> tuple[str, str, str]:
    """``(value, change line, colour)`` of one tile."""
    this, prev, change = row["this_week"], row["previous_week"], row["change_vs_previous"]
    if how == "share":
        value = "–" if pd.isna(this) else share_text(this)
        if pd.isna(change):
            return value, _("no contacts the week before") if pd.isna(prev) else "", "#5F6368"
        # More unattributed is worse: red up, green down.
        colour = "#D93025" if change > 0 else "#0F9D58" if change < 0 else "#5F6368"
        points = ("-" if change < 0 else "+") + i18n.format_number(abs(float(change)) * 100, 1)
        return value, _("{points} pts vs the week before").format(points=points), colour
    value = "–" if pd.isna(this) else count_text(this)
    if pd.isna(change) or pd.isna(prev):
        return value, _("this week"), "#5F6368"
    pct = row["change_pct_vs_previous"]
    shown = signed_text(change) + ("" if pd.isna(pct) or math.isinf(pct) else f" ({pct_text(pct)})")
    text = _("{change} vs the week before").format(change=shown)
    colour = "#0F9D58" if change > 0 else "#D93025" if change < 0 else "#5F6368"
    return value, text, colour


def weekly_html(review: WeeklyReview, attachment_name: str | None = None) -> str:
    """The e-mail's HTML body: title, KPI tiles (value and change vs the week before), the summary's
    bullets, and a note on the attachment. Inline styles only (mail clients drop ``<style>``);
    every text escaped; ``dir="auto"`` so Arabic names read right to left, and the whole page
    ``dir="rtl"`` in Arabic (the tiles then run from the right)."""
    label = weekly_review.week_label(review.week_start, review.week_end)
    totals = review.totals.set_index("metric")
    cells = []
    for metric, how in TILES:
        if metric not in totals.index:
            continue
        value, change, colour = _tile_value(totals.loc[metric], how)
        cells.append(
            '<td style="padding:6px;width:33%;vertical-align:top">'
            '<div style="border:1px solid #DADCE0;border-radius:8px;padding:10px 12px">'
            f'<div style="color:#5F6368;font-size:13px">{html.escape(weekly_summary.metric_label(metric))}</div>'
            f'<div style="font-size:26px;font-weight:bold;color:#202124">{html.escape(value)}</div>'
            f'<div style="font-size:12px;color:{colour}">{html.escape(change)}</div></div></td>')
    rows = "".join("<tr>" + "".join(cells[i:i + 3]) + "</tr>" for i in range(0, len(cells), 3))
    lines = review.summary.split("\n")
    bullets = "".join(f'<li dir="auto" style="margin:2px 0">{html.escape(line.lstrip("• "))}</li>'
                      for line in lines[1:])
    # The sentence is escaped before the file name goes in, in bold.
    note = ("<p>" + html.escape(_("The full pack {file} is attached: CSVs, the report with interactive charts "
                                  "(opens offline in a browser) and chart images.")).format(
        file=f"<b>{html.escape(attachment_name)}</b>") + "</p>") if attachment_name else ""
    lang, direction = html.escape(i18n.language()), i18n.direction()
    pad = "padding-right:20px" if direction == "rtl" else "padding-left:20px"
    title = html.escape(_("Weekly review: {week}").format(week=label))
    where = html.escape(_where_line(review) + " " + _("Changes are against the week before."))
    summary_heading = html.escape(_("Summary"))  # outside the f-string: Babel does not extract _() inside one
    return (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8"></head>'
        f'<body dir="{direction}" style="font-family:Arial,\'Noto Naskh Arabic\',sans-serif;color:#202124;'
        f'max-width:680px">'
        f'<h2 style="margin-bottom:2px">{title}</h2>'
        f'<p style="color:#5F6368;margin-top:0">{where}</p>'
        f'<table role="presentation" style="border-collapse:collapse;width:100%">{rows}</table>'
        f'<h3>{summary_heading}</h3><ul style="{pad}">{bullets}</ul>{note}'
        f'<p style="color:#5F6368;font-size:12px">{html.escape(weekly_summary.spike_rule())}</p></body></html>'
    )


def weekly_whatsapp(review: WeeklyReview) -> str:
    """The WhatsApp text of the weekly review: the summary (at most 12 lines), within 4,096 characters."""
    return fit_text(review.summary)


def weekly_content(review: weekly_review.WeeklyReview, pack: bytes | None, zip_name: str | None) -> Content:
    """The weekly review as a ``Content`` (the pack attached when given)."""
    attachments = ((zip_name, pack, "application/zip"),) if pack is not None and zip_name else ()
    return Content(
        subject=weekly_subject(review),
        whatsapp=weekly_whatsapp(review),
        email_text=weekly_text(review, zip_name if attachments else None),
        email_html=weekly_html(review, zip_name if attachments else None),
        attachments=attachments,
    )


def alert_content(new: list[alerts_mod.Alert], tz: str, now: datetime | None = None) -> Content:
    """The alerts as one ``Content`` (the same text by e-mail and WhatsApp), in the language in effect."""
    text = alerts_mod.alerts_text(new, tz, now)
    subject = text.split("\n", 1)[0]
    if len(new) == 1:
        subject = _("RASL alert: {alert}").format(alert=new[0].text)[:180]
    return Content(subject=subject, whatsapp=fit_text(text), email_text=text + "\n")

"""The weekly review pack: one zip with CSVs, an offline HTML report, PNG charts and a summary.

``build_weekly_pack`` turns ``weekly_review.weekly_review`` into a zip a marketer can open anywhere:

* ``summary.txt``: the plain-text summary (UTF-8), ready to paste into WhatsApp or an email;
* one Excel-safe CSV per table (``exports.to_csv_bytes``), named ``<table>_<start>_to_<end>.csv``;
* ``weekly_review_<start>_to_<end>.xlsx``: the same tables as sheets of one workbook with typed
  cells (``exports.workbook_bytes``), the form a spreadsheet cannot misread;
* ``weekly_review_<start>_to_<end>.html``: the summary, the interactive Plotly charts and the
  tables in one self-contained file (plotly.js embedded, no CDN: it opens offline);
* ``charts/*.png``: the same charts as images (kaleido with a local Chromium); when they cannot
  be drawn the pack is still built and ``README.txt`` says why;
* ``README.txt``: what each file holds, the week, the time zone and the rules used.

``python -m rasl_data report weekly`` writes the pack from cron (``add_report_parser``).
No streamlit here.

Language: the pack is written in the language in effect (``rasl_data.i18n``: ``RASL_LANGUAGE`` for
the CLI) or the ``language=`` given (the dashboard passes the session's, since the download runs on
another thread). In Arabic the HTML report is ``<html lang="ar" dir="rtl">`` with Arabic headings,
Arabic month names and the digit style in effect; the charts are mirrored (``weekly_figures``);
``summary.txt`` and ``README.txt`` are Arabic; the workbook's sheet names, header row and fixed
labels (metric, direction, dimension) are Arabic and its sheets read right to left. The CSV files
keep their English column names and values in every language: they are the machine-readable form,
the same as ``python -m rasl_data export`` writes. Names (sources, campaigns) stay literal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import io
import stat
import zipfile
from datetime import date, datetime, timezone

import pandas as pd
import plotly.graph_objects as go

from rasl_data import i18n
from rasl_data.analytics import business_review, weekly_review, weekly_summary
from rasl_data.analytics import notes as chart_notes_data
from rasl_data.analytics.colours import series_colours
from rasl_data.analytics.weekly_review import WeeklyReview
from rasl_data.i18n import N_, _
from rasl_data.outputs import exports
from rasl_data.outputs.chart_images import chart_images  # the PNGs (build_weekly_pack calls it by this name)
from rasl_data.outputs.table_headers import header, shown_values
from rasl_data.outputs.weekly_figures import (  # the charts, drawn here as PNGs and in the HTML
    CHART_NAMES,
    MAX_CHART_SOURCES,
    MAX_LABEL_CHARS,
    OTHER_SOURCES,
    PNG_HEIGHT,
    PNG_SCALE,
    PNG_WIDTH,
    add_notes,
    movers_range,
    weekly_figures,
)

# Table stems in the pack (file ``<stem>_<start>_to_<end>.csv``) → the ``WeeklyReview`` field.
PACK_TABLES = {
    "weekly_summary": "totals",
    "movers_by_source": "movers_sources",
    "movers_by_campaign": "movers_campaigns",
    "new_sources": "new_sources",
    "silent_sources": "silent_sources",
    "spikes": "spikes",
    "daily_new_contacts_by_source": "daily_by_source",
}
TABLE_TITLES = {  # marked for translation; translated where shown (``_(TABLE_TITLES[stem])``)
    "weekly_summary": N_("This week in numbers"),
    "movers_by_source": N_("Top movers by source (vs the previous week)"),
    "movers_by_campaign": N_("Top movers by campaign (vs the previous week)"),
    "new_sources": N_("New sources (first contact ever this week)"),
    "silent_sources": N_("Silent sources (contacts in the 4 weeks before, none this week)"),
    "spikes": N_("Spikes and drops beyond small-number noise"),
    "daily_new_contacts_by_source": N_("New contacts per day by source"),
}
# Sheet names of the workbook outside English (at most 31 characters); English keeps the stems'
# names ("Movers by source") as before.
SHEET_NAMES = {
    "weekly_summary": N_("This week in numbers"),
    "movers_by_source": N_("Movers by source"),
    "movers_by_campaign": N_("Movers by campaign"),
    "new_sources": N_("New sources"),
    "silent_sources": N_("Silent sources"),
    "spikes": N_("Spikes and drops"),
    "daily_new_contacts_by_source": N_("Daily by source"),
    "performance_by_channel": N_("Performance by channel"),
    "performance_by_campaign": N_("Performance by campaign"),
    "performance_by_source": N_("Performance by source"),
    "spend_in_week": N_("Spend in the week"),
    "target_pacing": N_("Target pacing"),
}
# The titles of business_review.TABLE_TITLES, marked here too so they are extracted and translated.
_EXTRA_TITLES = (
    N_("Performance by channel: leads, customers, spend and costs (vs the previous week)"),
    N_("Performance by campaign (vs the previous week)"),
    N_("Performance by source (vs the previous week)"),
    N_("Spend entered for the week (each row's share of its days in the week)"),
    N_("Monthly targets: the month so far, as of the week's last day"),
)
ZIP_FILE_MODE = 0o644  # every file in the pack: owner writes, everyone reads


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
body { font-family: "DejaVu Sans", "Noto Naskh Arabic", Arial, sans-serif; margin: 2rem auto;
       max-width: 1100px; color: #202124; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #5F6368; margin-top: 0; }
pre.summary { background: #F1F3F4; padding: 1rem; border-radius: 8px; white-space: pre-wrap;
              unicode-bidi: plaintext; font-size: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #DADCE0; padding: 4px 8px; unicode-bidi: plaintext; }
th { background: #F8F9FA; text-align: left; vertical-align: bottom; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.date { white-space: nowrap; }
.table-wrap { overflow-x: auto; }
.empty { color: #5F6368; font-style: italic; }
html[dir="rtl"] th { text-align: right; }
html[dir="rtl"] td.num { text-align: left; }
"""


def _column_kind(s: pd.Series) -> str:
    """``num``, ``date`` or ``text``: how a column's cells are aligned and wrapped in the HTML."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "text"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "num"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    values = [x for x in s if not (x is None or (not isinstance(x, (str, date)) and pd.isna(x)))]
    if values and all(isinstance(x, (date, datetime, pd.Timestamp)) for x in values):
        return "date"
    return "text"


def _html_table(df: pd.DataFrame) -> str:
    """``df`` as an HTML table for reading (``_display`` text, every cell escaped): numbers
    right-aligned, numbers and dates never wrapped (a date broke at its hyphens in a narrow
    column), names wrapped as needed. Wrapped in a horizontally scrolling box."""
    kinds = [_column_kind(df[c]) for c in df.columns]
    shown = _display(df)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for row in shown.itertuples(index=False):
        cells = "".join(f'<td class="{k}">{html.escape(str(v))}</td>' if k != "text" else f"<td>{html.escape(str(v))}</td>"
                        for k, v in zip(kinds, row))
        body.append(f"<tr>{cells}</tr>")
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>")


def _display(df: pd.DataFrame) -> pd.DataFrame:
    """A table for reading, in the language in effect: percentages as ``+12%``, counts with
    separators, blanks for gaps, translated headings and fixed labels (``table_headers``)."""
    out = pd.DataFrame(index=df.index)
    shown = shown_values(df)
    for col in df.columns:
        s = df[col]
        if "pct" in col:
            out[col] = ["" if pd.isna(x) else weekly_summary.pct_text(x) for x in s]
        elif col == "p_value":
            out[col] = ["" if pd.isna(x) else i18n.localise_digits("< 0.001" if x < 0.001 else f"{x:.3f}") for x in s]
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[col] = [_("yes") if x else "" for x in s]
        elif pd.api.types.is_numeric_dtype(s.dtype):
            out[col] = ["" if pd.isna(x) else i18n.format_number(x, 0 if float(x).is_integer() else 2) for x in s]
        else:
            out[col] = ["" if x is None or (not isinstance(x, str) and pd.isna(x)) else _cell(x, col)
                        for x in shown[col]]
    if "metric" in df.columns:  # shares are fractions: show them as percentages
        share = df["metric"] == weekly_review.METRIC_UNATTRIBUTED_SHARE
        for col in ("this_week", "previous_week", "avg_4_weeks"):
            out.loc[share, col] = ["" if pd.isna(x) else weekly_summary.share_text(x, 1) for x in df.loc[share, col]]
        for col in ("change_vs_previous", "change_vs_avg"):
            out.loc[share, col] = ["" if pd.isna(x) else _points(x) for x in df.loc[share, col]]
    out.columns = [header(c) for c in df.columns]
    return out


def _cell(x, col) -> str:
    """One text or date cell: dates ISO (the digit style in effect), text as it is."""
    if isinstance(x, (date, datetime, pd.Timestamp)):
        return i18n.localise_digits(str(x))
    return str(x)


def _points(x) -> str:
    """A change of a share in percentage points: ``+1.5 pts``."""
    points = ("-" if x < 0 else "+") + i18n.format_number(abs(float(x)) * 100, 1)
    return _("{points} pts").format(points=points)


def _meta_line(review: WeeklyReview, generated_at: datetime) -> str:
    return _("Local dates in {time_zone}; weeks start on {weekday}. Compared with the previous week and with "
             "the average of the 4 weeks from {date}. Generated {time} UTC.").format(
        time_zone=review.tz, weekday=weekly_summary.weekday_text(review.week_starts_on),
        date=_long_date(review.baseline_start), time=i18n.localise_digits(f"{generated_at:%Y-%m-%d %H:%M}"))


def _long_date(d: date) -> str:
    """``16 Nov 2026`` (English, as before) / ``16 نوفمبر 2026``."""
    return f"{d:%d %b %Y}" if i18n.language() == "en" else i18n.format_date(d, "dd MMMM y")


def weekly_html(review: WeeklyReview, figures: dict[str, go.Figure], generated_at: datetime | None = None,
                extra_tables: dict[str, pd.DataFrame] | None = None, language: str | None = None) -> str:
    """The self-contained HTML report: summary, interactive charts, tables (all text escaped).

    plotly.js is embedded once, inline (``include_plotlyjs=True`` on the first chart), so the
    file opens without a network; no ``<script src=...>`` at all. Written in ``language``
    (default: the language in effect): ``<html lang=".." dir="rtl">`` in Arabic, with Arabic
    headings, table headings and dates; ``review.summary`` and the ``figures`` are shown as given.
    """
    with i18n.use(language) if language else contextlib.nullcontext():
        label = weekly_review.week_label(review.week_start, review.week_end)
        generated_at = generated_at or datetime.now(timezone.utc)
        title = html.escape(_("Weekly review: {week}").format(week=label))
        # gettext calls stay out of f-strings: Babel does not extract them there.
        summary_heading, charts_heading = html.escape(_("Summary")), html.escape(_("Charts"))
        nothing = '<p class="empty">' + html.escape(_("Nothing this week.")) + "</p>"
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{html.escape(i18n.language())}" dir="{i18n.direction()}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title><style>{_CSS}</style></head><body>",
            f"<h1>{title}</h1>",
            f'<p class="meta">{html.escape(_meta_line(review, generated_at))}</p>',
            f"<h2>{summary_heading}</h2>", f'<pre class="summary">{html.escape(review.summary)}</pre>',
            f"<h2>{charts_heading}</h2>",
        ]
        parts += _chart_parts(figures)
        for stem, field in PACK_TABLES.items():
            df = getattr(review, field)
            parts.append(f"<h2>{html.escape(_(TABLE_TITLES[stem]))}</h2>")
            parts.append(nothing if df.empty else _html_table(df))
        for stem, df in (extra_tables or {}).items():  # spend, performance and targets
            parts.append(f"<h2>{html.escape(_(business_review.TABLE_TITLES[stem]))}</h2>")
            parts.append(nothing if df.empty else _html_table(df))
        parts.append(f'<p class="meta">{html.escape(weekly_summary.spike_rule())}</p></body></html>')
        return "\n".join(parts)


def _chart_parts(figures: dict[str, go.Figure]) -> list[str]:
    """Each chart as an HTML fragment; plotly.js inline with the first one only."""
    parts, first = [], True
    for name in CHART_NAMES:
        if name in figures:
            parts.append(figures[name].to_html(full_html=False, include_plotlyjs=True if first else False,
                                               config={"displaylogo": False, "responsive": True},
                                               div_id=f"chart-{name}"))
            first = False
    return parts


# --- the pack -----------------------------------------------------------------------------------


def pack_file_names(review: WeeklyReview) -> dict[str, str]:
    """File name inside the zip of every CSV (by ``PACK_TABLES`` stem), of the HTML report
    (``"html"``) and of the workbook holding every table (``"xlsx"``)."""
    names = {stem: exports.dated_file_name(stem, review.week_start, review.week_end) for stem in PACK_TABLES}
    names["html"] = exports.dated_file_name("weekly_review", review.week_start, review.week_end, "html")
    names["xlsx"] = exports.dated_file_name("weekly_review", review.week_start, review.week_end, "xlsx")
    return names


def pack_zip_name(review: WeeklyReview) -> str:
    """Suggested file name of the zip: ``weekly_review_<start>_to_<end>.zip``."""
    return exports.dated_file_name("weekly_review", review.week_start, review.week_end, "zip")


def _readme(review: WeeklyReview, names: dict[str, str], png_error: str | None) -> str:
    """``README.txt`` in the language in effect: what each file holds, the week and the rules."""
    label = weekly_review.week_label(review.week_start, review.week_end)
    iso = i18n.localise_digits
    lines = [
        _("Weekly review pack: {week} ({start} to {end})").format(
            week=label, start=iso(review.week_start.isoformat()), end=iso(review.week_end.isoformat())),
        _("Time zone: {time_zone}. Weeks start on {weekday}.").format(
            time_zone=review.tz, weekday=weekly_summary.weekday_text(review.week_starts_on)),
        _("Compared with the previous week and with the average of the 4 weeks before ({start} to {end}).").format(
            start=iso(review.baseline_start.isoformat()),
            end=iso((review.week_start - pd.Timedelta(days=1)).isoformat())),
        "",
        _("{file} - the summary to paste into WhatsApp or an email.").format(file="summary.txt"),
        _("{file} - the report with interactive charts; opens offline in any browser.").format(file=names["html"]),
        _("{file} - every table below as a sheet of one Excel workbook.").format(file=names["xlsx"]),
    ]
    lines += [f"{names[stem]} - {_(TABLE_TITLES[stem])}." for stem in PACK_TABLES]
    lines += [f"{exports.dated_file_name(stem, review.week_start, review.week_end)} - {_(title)}."
              for stem, title in business_review.TABLE_TITLES.items()]
    if png_error:
        lines += ["", _("Chart images (PNG) are not included: {reason}").format(reason=png_error),
                  _("The charts are in the HTML report; open it and use the camera icon to save one.")]
    else:
        lines += [_("{file} - chart image.").format(file=f"charts/{name}.png") for name in CHART_NAMES]
    lines += [
        "",
        *_("Excel workbook: typed cells (text stays text, numbers stay numbers, dates are dates), so\n"
           "names such as 1/2 or 00123 are never turned into a date or a number. Prefer it to the CSVs\n"
           "in a spreadsheet.").split("\n"),
        *_("CSV files: UTF-8 (Excel shows Arabic names), dates YYYY-MM-DD, plain numbers. Percent\n"
           "columns are fractions (0.25 = 25%) and empty where the base week had no contacts (a new\n"
           "source or campaign: is_new is True). Text that a spreadsheet would run as a formula\n"
           "(starting with = + - @) begins with an apostrophe. A spreadsheet opening a CSV may still\n"
           "read a name like 1/2 as a date: use the workbook for that.").split("\n"),
        "",
        _("Spikes and drops: {rule}").format(rule=weekly_summary.spike_rule()),
    ]
    if i18n.language() != "en":
        lines.insert(3, _("The CSV files keep their English column names: they are the machine-readable form."))
    return "\r\n".join(lines) + "\r\n"


def _review_in_language(db, review: WeeklyReview) -> WeeklyReview:
    """``review`` with its summary written again in the language in effect (a review handed over
    from another thread may have been summarised in another language)."""
    fields = {f.name: getattr(review, f.name) for f in dataclasses.fields(review)}
    extra = business_review.summary_lines(db, review.week_start, review.week_end, review.tz, review.week_starts_on)
    return dataclasses.replace(review, summary=weekly_summary.summary_text(**fields, extra_lines=extra))


def _workbook(review: WeeklyReview, extra: dict[str, pd.DataFrame]) -> bytes:
    """Every table as a sheet of one workbook. In English the sheets and headers are the tables'
    names, as before; in another language the sheet names (``SHEET_NAMES``), the header row
    (``table_headers.header``) and the fixed labels are translated and the sheets read right to
    left when the language does. The cells' types never change."""
    tables = {**{stem: getattr(review, field) for stem, field in PACK_TABLES.items()}, **extra}
    if i18n.language() == "en":
        return exports.workbook_bytes(tables)
    sheets = {_(SHEET_NAMES.get(stem, stem)): shown_values(df) for stem, df in tables.items()}
    headers = {str(c): header(c) for df in tables.values() for c in df.columns}
    return exports.workbook_bytes(sheets, headers=headers, right_to_left=i18n.is_rtl())


def build_weekly_pack(
    db,
    week_start_date: date | None = None,
    tz: str = "UTC",
    week_start: str = "monday",
    today: date | None = None,
    *,
    images: bool = True,
    review: WeeklyReview | None = None,
    language: str | None = None,
    digits: str | None = None,
) -> bytes:
    """The weekly review pack of one local week as zip bytes (the files: module docstring).

    Arguments are those of ``weekly_review.weekly_review`` (``week_start_date`` any date in the week;
    None → the last complete week before ``today``, local in ``tz``); a ready ``review`` skips
    recomputing it. ``images=False`` leaves the PNGs out (``README.txt`` says so). PNG failures
    never fail the pack. ``language``/``digits`` (``"en"``/``"ar"``, ``"western"``/``"arabic-indic"``)
    write the pack in that language (default: those in effect, ``rasl_data.i18n``); with
    ``language`` given, the summary is written again in it. Raises ``ValueError`` for a week not
    over yet, an unknown zone or week start, ``store.CacheError`` when the cache cannot be read.
    Reads the tables ``weekly_review.weekly_review`` reads.
    """
    with i18n.use(language, digits) if language else contextlib.nullcontext():
        if review is None:
            review = weekly_review.weekly_review(db, week_start_date, tz, week_start, today)
        elif language:
            review = _review_in_language(db, review)
        return _pack_bytes(db, review, images)


def _pack_bytes(db, review: WeeklyReview, images: bool) -> bytes:
    """The zip of ``build_weekly_pack`` for a ready ``review``, in the language in effect."""
    figures = weekly_figures(review, series_colours(db))
    add_notes(figures, review, chart_notes_data.notes(db, review.baseline_start, review.week_end, tz=review.tz))
    names = pack_file_names(review)
    extra = business_review.week_tables(db, review.week_start, review.week_end, review.tz, review.week_starts_on)
    if images:
        pngs, png_error = chart_images(figures)
    else:
        pngs, png_error = {}, _("left out on request (images=False).")
    buf = io.BytesIO()
    stamp = datetime.now().timetuple()[:6]  # zip times are local wall-clock times
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        def add(name: str, data) -> None:
            # writestr() with a bare name gives every file mode 0600 (only the owner may read it
            # after unzipping); a pack is shared, so 0644 like any document, as a regular file.
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix: unzip applies the mode below
            info.external_attr = (stat.S_IFREG | ZIP_FILE_MODE) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)

        add("README.txt", _readme(review, names, png_error))
        add("summary.txt", review.summary + "\n")
        for stem, field in PACK_TABLES.items():
            add(names[stem], exports.to_csv_bytes(getattr(review, field)))
        for stem, df in extra.items():  # spend, performance and targets
            add(exports.dated_file_name(stem, review.week_start, review.week_end), exports.to_csv_bytes(df))
        add(names["xlsx"], _workbook(review, extra))
        add(names["html"], weekly_html(review, figures, extra_tables=extra))
        for name in CHART_NAMES:
            if name in pngs:
                add(f"charts/{name}.png", pngs[name])
    return buf.getvalue()


# --- CLI ----------------------------------------------------------------------------------------


__all__ = [
    "CHART_NAMES", "MAX_CHART_SOURCES", "MAX_LABEL_CHARS", "OTHER_SOURCES", "PACK_TABLES", "PNG_HEIGHT", "PNG_SCALE",
    "PNG_WIDTH", "build_weekly_pack",
    "chart_images", "movers_range", "pack_file_names", "pack_zip_name", "weekly_figures", "weekly_html",
]

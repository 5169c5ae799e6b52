"""Shared sidebar filters, persisted across pages and in the URL query string.

A link to any page with its query string reproduces the view: ``range`` (a preset name),
``start``/``end`` (custom range, ISO local dates), ``compare`` (``previous``/``last_year``/
``hijri_year``/``none``), ``gran`` (``day``/``week``/``month``), ``src`` (source ids, ``u`` = Unattributed),
``ch`` (channels), ``cmp`` (campaigns), ``type`` (contact types); lists are comma-separated.
Hijri presets are ``range=this-ramadan``, ``last-ramadan``, ``ramadan-1446``, ``eid-al-fitr-week``,
``eid-al-adha-week`` (``periods.hijri_presets``: the menu offers "Ramadan <year> AH" for the years
the contacts cover; a link to any Ramadan that has started works).

Widget state lives in ``st.session_state`` under the ``f_*`` keys. Anything that changes a
filter from a page (a click on a chart bar or a table row) must do it in a widget callback,
which runs before the sidebar is drawn: Streamlit forbids writing a widget's key after the
widget was drawn in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable

import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import periods, source_names
from rasl_data.analytics.acquisition import Filters
from rasl_data.cache.workspace import Workspace
from rasl_data.i18n import N_, _
from rasl_data.settings import Settings
from rasl_data.text import md_literal

from . import data

DEFAULT_PRESET = "last 12 complete weeks"
CUSTOM = "custom"
PRESET_OPTIONS = (DEFAULT_PRESET, *periods.PRESETS, CUSTOM)
# Keys are the URL values; the labels are shown translated (``periods.compare_label`` & co).
COMPARE_OPTIONS = periods.COMPARE_LABELS
GRANULARITIES = periods.GRANULARITY_LABELS
TYPES = ("lead", "customer", "guest")
TYPE_LABELS = {"lead": N_("Lead"), "customer": N_("Customer"), "guest": N_("Guest")}
# Sentinel of the source filter meaning "contacts without a known source" (Filters: None).
UNATTRIBUTED_KEY = "u"


def option_labels(options: Iterable, to_text: Callable[[Any], str]) -> Callable[[Any], str]:
    """A widget ``format_func`` showing each of ``options`` as ``to_text(option)``, worked out now.

    The texts are computed in this script run, in its language: Streamlit (and ``AppTest``) may
    call a ``format_func`` again outside the run, where no language is set. Values not among
    ``options`` show as ``str(value)``.
    """
    texts = {option: to_text(option) for option in options}
    return lambda value: texts.get(value, str(value))


@dataclass(frozen=True)
class View:
    """What every page needs: the filters plus comparison and granularity.

    ``compare`` is ``"previous"``, ``"last_year"``, ``"hijri_year"`` or ``None``; ``granularity`` ``day``/``week``/
    ``month``; ``preset`` the date-range choice that produced ``filters.start..end``.
    """

    filters: Filters
    compare: str | None
    granularity: str
    preset: str


def _qp_list(name: str) -> list[str]:
    out: list[str] = []
    for item in st.query_params.get_all(name):
        out.extend(x for x in item.split(",") if x)
    return out


def _parse_date(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date of the URL inside the supported window, else None (the default range)."""
    try:
        return periods.parse_date(text) if text else None
    except ValueError:
        return None


def _source_keys(raw: Iterable[str]) -> list:
    out: list = []
    for x in raw:
        if x == UNATTRIBUTED_KEY:
            out.append(UNATTRIBUTED_KEY)
        elif x.isascii() and x.isdigit():  # str.isdigit() is also true for "²" and "٣", which int() refuses
            out.append(int(x))
    return out


def _init_from_url() -> None:
    """Seed the filter state from the query string once per session (a shared link)."""
    if st.session_state.get("_filters_seeded"):
        return
    st.session_state["_filters_seeded"] = True
    qp = st.query_params
    preset = qp.get("range", DEFAULT_PRESET)
    st.session_state["f_preset"] = preset if preset in PRESET_OPTIONS or periods.is_hijri_preset(preset) \
        else DEFAULT_PRESET
    start, end = _parse_date(qp.get("start")), _parse_date(qp.get("end"))
    if start and end and start <= end:
        st.session_state["f_preset"] = CUSTOM
        st.session_state["f_custom"] = (start, end)
    elif st.session_state["f_preset"] == CUSTOM:
        st.session_state["f_preset"] = DEFAULT_PRESET
    compare = qp.get("compare", "previous")
    st.session_state["f_compare"] = compare if compare in COMPARE_OPTIONS else "previous"
    gran = qp.get("gran", "week")
    st.session_state["f_gran"] = gran if gran in GRANULARITIES else "week"
    st.session_state["f_sources"] = _source_keys(_qp_list("src"))
    st.session_state["f_channels"] = _qp_list("ch")
    st.session_state["f_campaigns"] = _qp_list("cmp")
    st.session_state["f_types"] = [x for x in _qp_list("type") if x in TYPES]


def _keep_valid(key: str, allowed: Iterable) -> None:
    """Drop values a multiselect no longer offers (a deleted source, a renamed campaign)."""
    allowed = set(allowed)
    current = st.session_state.get(key) or []
    kept = [v for v in current if v in allowed]
    if kept != current:
        st.session_state[key] = kept


def query_string_of(view: View) -> dict[str, str]:
    """The query-string parameters that reproduce ``view`` (see the module docstring)."""
    qp = {"range": view.preset, "compare": view.compare or "none", "gran": view.granularity}
    if view.preset == CUSTOM:
        qp["start"] = view.filters.start.isoformat()
        qp["end"] = view.filters.end.isoformat()
    if view.filters.source_ids:
        qp["src"] = ",".join(UNATTRIBUTED_KEY if i is None else str(i) for i in view.filters.source_ids)
    if view.filters.channels:
        qp["ch"] = ",".join(view.filters.channels)
    if view.filters.campaigns:
        qp["cmp"] = ",".join(view.filters.campaigns)
    if view.filters.types:
        qp["type"] = ",".join(view.filters.types)
    return qp


def _write_url(view: View) -> None:
    from . import locale

    qp = {**query_string_of(view), **locale.url_params()}
    current = {k: ",".join(st.query_params.get_all(k)) for k in st.query_params.keys()}
    if current != qp:
        st.query_params.from_dict(qp)


def resolve_range(preset: str, today: date, week_start: str, custom: tuple[date, date] | None) -> tuple[date, date]:
    """Local ``(start, end)`` (inclusive) for a preset name (``custom`` uses the picked dates)."""
    if preset == CUSTOM and custom:
        return custom
    if preset in periods.PRESETS or periods.is_hijri_preset(preset):
        return periods.preset_range(preset, today, week_start)
    return periods.last_complete_weeks(today, 12, week_start)


def _preset_options(today: date, tz: str) -> list[str]:
    """The date-range menu: the fixed presets, the Hijri ones on offer today (``periods.hijri_presets``,
    with "Ramadan <year> AH" for the years the contacts cover), Custom. A Hijri preset chosen
    before (a shared link to another Ramadan) stays on offer while it is valid; one that is not
    (``this-ramadan`` before 1 Ramadan) falls back to the default range with a note."""
    from rasl_data.analytics import data_range

    try:
        covered = data.cached_query(data_range.contact_date_range, tz)
    except ValueError:
        covered = None
    offered = periods.hijri_presets(today, covered[0] if covered else None)
    chosen = st.session_state.get("f_preset")
    if periods.is_hijri_preset(chosen) and chosen not in offered:
        try:
            periods.hijri_preset_range(chosen, today)
            offered.append(chosen)
        except ValueError as err:  # not started yet, or outside the Hijri tables: the reason, as the analytics say it
            st.session_state["f_preset"] = DEFAULT_PRESET
            st.caption(_("{reason} The default range is shown.").format(reason=md_literal(err)))
    return [DEFAULT_PRESET, *periods.PRESETS, *offered, CUSTOM]


def _usable_compare(compare: str, start: date, end: date) -> str:
    """``compare``, or ``"none"`` (with a note; the choice stays selected) when the same Hijri dates
    last year are unknown: a range outside the Umm al-Qura tables (23 Jul 1925 to 16 Nov 2077)."""
    if compare != "hijri_year":
        return compare
    try:
        periods.comparison_range(start, end, compare)
    except ValueError:
        from rasl_data import i18n
        from rasl_data.analytics import hijri

        st.caption(_("The same Hijri dates last year are known from {first} to {last}: this range is shown without "
                     "a comparison.").format(first=i18n.format_date(periods.FIRST_HIJRI_COMPARABLE),
                                             last=i18n.format_date(hijri.LAST_DAY)))
        return "none"
    return compare


def _hijri_caption(start: date, end: date) -> None:
    """The range's Hijri dates under the Gregorian ones ("1–30 Ramadan 1447 AH")."""
    from rasl_data.analytics import hijri

    text = hijri.format_span(start, end)
    if text:
        st.caption(text)


def _feasible_granularity(start: date, end: date, gran: str, week_start: str) -> str:
    """``gran``, or the finest coarser one whose axis fits ``periods.MAX_PERIODS`` (days over
    decades), with a caption saying so; the queries would refuse the longer axis."""
    for candidate in list(GRANULARITIES)[list(GRANULARITIES).index(gran):]:
        if periods.period_count(start, end, candidate, week_start) <= periods.MAX_PERIODS:
            if candidate != gran:
                st.caption(_("This range is too long to show by {chosen}: shown by {shown}.").format(
                    chosen=periods.granularity_label(gran).lower(),
                    shown=periods.granularity_label(candidate).lower()))
            return candidate
    return "month"


def _source_choices(options: dict) -> tuple[list, dict]:
    """The source filter's menu (the source ids, then ``UNATTRIBUTED_KEY``) and its labels by key."""
    names = dict(options["source_names"])
    names[UNATTRIBUTED_KEY] = _("Unattributed (no source)")
    return [*options["source_ids"], UNATTRIBUTED_KEY], names


def _date_range_block(s: Settings, today: date) -> tuple[str, date, date]:
    """The date-range menu (with the custom From – to picker) and its caption of dates, time zone,
    week start and Hijri dates; returns the preset chosen and the local ``(start, end)`` (inclusive)."""
    preset_options = _preset_options(today, s.timezone)
    preset = st.selectbox(_("Date range"), preset_options, key="f_preset",
                          format_func=option_labels(preset_options, periods.preset_label))
    custom = None
    if preset == CUSTOM:
        default = st.session_state.get("f_custom") or periods.last_complete_weeks(today, 12, s.week_start)
        picked = st.date_input(_("From – to"), value=tuple(default), key="f_custom_input", format="YYYY-MM-DD",
                               min_value=periods.MIN_DATE, max_value=periods.MAX_DATE)
        if isinstance(picked, (list, tuple)) and len(picked) == 2:
            custom = (picked[0], picked[1])
            st.session_state["f_custom"] = custom
        else:
            custom = tuple(default)
            st.caption(_("Pick an end date to apply the range."))
    start, end = resolve_range(preset, today, s.week_start, custom)
    st.caption(_("{start} – {end} · {zone} · weeks start {weekday}").format(
        start=i18n.format_date(start, "dd MMM y"), end=i18n.format_date(end, "dd MMM y"), zone=s.timezone,
        weekday=periods.week_start_label(s.week_start)))
    _hijri_caption(start, end)
    return preset, start, end


def _comparison_block(start: date, end: date, week_start: str) -> tuple[str, str]:
    """The "Compare with" and "Granularity" choices, as usable for ``start..end``: the comparison
    key (``"none"`` included) and the granularity."""
    compare = st.radio(_("Compare with"), list(COMPARE_OPTIONS), key="f_compare",
                       format_func=option_labels(COMPARE_OPTIONS, periods.compare_label))
    compare = _usable_compare(compare, start, end)
    gran = st.segmented_control(_("Granularity"), list(GRANULARITIES), key="f_gran",
                                format_func=option_labels(GRANULARITIES, periods.granularity_label),
                                required=True) or "week"
    return compare, _feasible_granularity(start, end, gran, week_start)


def _dimension_filters_block(options: dict, source_options: list, source_labels: dict) -> tuple[list, list, list, list]:
    """The expander of source, channel, campaign and contact-type filters (open while any is set,
    with a button clearing them); returns the chosen sources (keys), channels, campaigns and types."""
    active = any(st.session_state.get(k) for k in ("f_sources", "f_channels", "f_campaigns", "f_types"))
    title = _("Sources, channels, campaigns (filtered)") if active else _("Sources, channels, campaigns")
    with st.expander(title, expanded=active):
        sources = st.multiselect(_("Source"), source_options, key="f_sources",
                                 format_func=lambda i: source_labels.get(i, str(i)), placeholder=_("All sources"))
        # Channel and campaign names are data (shown as typed); only Unattributed & co are translated.
        channels = st.multiselect(_("Channel"), options["channels"], key="f_channels",
                                  format_func=option_labels(options["channels"], source_names.display_name),
                                  placeholder=_("All channels"))
        campaigns = st.multiselect(_("Campaign"), options["campaigns"], key="f_campaigns",
                                   format_func=option_labels(options["campaigns"], source_names.display_name),
                                   placeholder=_("All campaigns"))
        types = st.multiselect(_("Contact type"), TYPES, key="f_types",
                               format_func=option_labels(TYPES, lambda t: _(TYPE_LABELS[t])),
                               placeholder=_("All types"))
        if active:
            st.button(_("Clear these filters"), key="f_clear", on_click=clear_dimension_filters, type="tertiary")
    return sources, channels, campaigns, types


def sidebar(ws: Workspace, page_name: str = "") -> View:
    """Draw the shared filters in the sidebar, remember the resulting ``View`` and mirror it in the URL.

    In order: the date range, the comparison and granularity, then the source, channel, campaign
    and type filters. Choices the menus no longer offer (a deleted source) are dropped first.
    """
    s = ws.settings
    today = periods.today_in(s.timezone)
    options = data.filter_options()
    _init_from_url()
    source_options, source_labels = _source_choices(options)
    _keep_valid("f_sources", source_options)
    _keep_valid("f_channels", options["channels"])
    _keep_valid("f_campaigns", options["campaigns"])

    st.subheader(_("Filters"))
    preset, start, end = _date_range_block(s, today)
    compare, gran = _comparison_block(start, end, s.week_start)
    sources, channels, campaigns, types = _dimension_filters_block(options, source_options, source_labels)
    view = View(
        filters=Filters(
            start=start, end=end, tz=s.timezone, week_start=s.week_start,
            source_ids=tuple(None if i == UNATTRIBUTED_KEY else int(i) for i in sources),
            channels=tuple(channels), campaigns=tuple(campaigns), types=tuple(types),
        ),
        compare=None if compare == "none" else compare,
        granularity=gran,
        preset=preset,
    )
    st.session_state["_view"] = view
    _write_url(view)
    return view


def default_view(ws: Workspace) -> View:
    """The view with no choices made: last 12 complete weeks, previous period, weekly."""
    s = ws.settings
    start, end = periods.last_complete_weeks(periods.today_in(s.timezone), 12, s.week_start)
    filters = Filters(start=start, end=end, tz=s.timezone, week_start=s.week_start)
    return View(filters, "previous", "week", DEFAULT_PRESET)


def current() -> View:
    """The ``View`` drawn by the sidebar in this run (a page run on its own gets the defaults)."""
    view = st.session_state.get("_view")
    if view is None:
        from . import context

        view = default_view(context.workspace())
    return view


def clear_dimension_filters() -> None:
    """Callback: clear the source, channel, campaign and type filters."""
    for key in ("f_sources", "f_channels", "f_campaigns", "f_types"):
        st.session_state[key] = []


def set_filter(kind: str, values: list) -> None:
    """Callback helper: filter every page to ``values`` of ``kind`` (``source``/``channel``/``campaign``).

    Sources are ids (``None`` = Unattributed). Must run inside a widget callback (before the
    sidebar is drawn in this run).
    """
    if kind == "source":
        st.session_state["f_sources"] = [UNATTRIBUTED_KEY if v is None else int(v) for v in values]
    elif kind == "channel":
        st.session_state["f_channels"] = [str(v) for v in values]
    elif kind == "campaign":
        st.session_state["f_campaigns"] = [str(v) for v in values]

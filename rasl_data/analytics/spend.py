"""Marketing spend: what the user paid per source, campaign or channel over a date range.

RASL has no cost field, so spend is entered by the user (an editable table on the Performance
page, a CSV/XLSX upload, or ``python -m rasl_data spend import FILE``) and kept in the cache table
``spend``, which a sync never touches.

A spend row is ``start``, ``end`` (local dates, both included), ``level`` (``source``,
``campaign`` or ``channel``), ``name`` (as the dashboard shows it; matched ignoring case, spaces,
tatweel and Unicode form, like source names: ``attribution.normalise_name``) and ``amount`` (a
plain number in the workspace's currency, ``RASL_CURRENCY``). The amount is spread evenly over
its days, so a date range gets the share of its days: 300 over 30 days gives a 10-day range 100.

Table ``spend`` (public interface): ``id``, ``start`` (DATE), ``end`` (DATE), ``level``,
``name`` (as typed), ``amount`` (DOUBLE, money), ``source_id`` (the matched source's RASL id
for ``level='source'``, so a renamed source keeps its spend), ``entered_at`` (UTC),
``entered_by``.

A file or table edit is checked whole before anything is saved (``validate``): unknown names,
reversed or unreadable dates, negative or non-numeric amounts and overlapping rows for the same
target are refused together, each with its line number. No streamlit here.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from rasl_data import i18n
from rasl_data.analytics import periods
from rasl_data.analytics.attribution import NO_CAMPAIGN, normalise_name, tidy_name
from rasl_data.analytics.spend_problems import (  # the refusal and its problem texts
    LEVEL_WORDS,
    SpendError,
    line_of,
    line_problem,
    no_such_name,
    split_problem,
)
from rasl_data.cache import spend_schema
from rasl_data.i18n import _

SCHEMA = spend_schema.SPEND

LEVELS = ("source", "campaign", "channel")
COLUMNS = ["start", "end", "level", "name", "amount"]
MAX_ROWS = 100_000


# --- reading files --------------------------------------------------------------------------------


def read_table_file(data: bytes, file_name: str) -> pd.DataFrame:
    """A CSV (UTF-8, BOM allowed, comma or semicolon) or XLSX file as a frame of text cells.

    Column names are trimmed and lower-cased; every cell stays as typed (strings; XLSX dates
    come as ``date``/``datetime``). Raises ``SpendError`` when the file cannot be read.
    """
    name = (file_name or "").lower()
    try:
        if name.endswith((".xlsx", ".xlsm")):
            df = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl")
        else:
            text = data.decode("utf-8-sig")
            first = text.split("\n", 1)[0]
            sep = ";" if first.count(";") > first.count(",") else ","
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
    except UnicodeDecodeError:
        raise SpendError([_("the file is not UTF-8 text: save it as CSV UTF-8 or as .xlsx")]) from None
    except Exception as err:  # pandas/openpyxl raise many kinds for a damaged file
        raise SpendError([_("the file cannot be read as {kind}: {error}").format(
            kind="XLSX" if name.endswith(".xlsx") else "CSV", error=err)]) from None
    df.columns = [str(c).strip().lower().lstrip("\ufeff") for c in df.columns]
    return df


def read_file(path: Path | str) -> pd.DataFrame:
    """``read_table_file`` on a file on disk; ``SpendError`` when it cannot be opened."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SpendError([_("cannot read {path}: {error}").format(path=path, error=err.strerror or err)]) from None
    return read_table_file(data, path.name)


# --- checking -------------------------------------------------------------------------------------


def parse_date_cell(value, what: str) -> date:
    """A cell as a local date: ``YYYY-MM-DD`` text, or a date from an XLSX cell; ``ValueError``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    text = tidy_name("" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value))
    if " " in text and text.endswith("00:00:00"):  # "2026-11-01 00:00:00" from a spreadsheet
        text = text.split(" ", 1)[0]
    return periods.parse_date(text, what)


def parse_amount(value) -> float:
    """A plain number (``1200``, ``1200.50``, Arabic-Indic digits allowed); ``ValueError`` else."""
    if isinstance(value, bool):
        raise ValueError(_("is not a number"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        x = float(value)
    else:
        text = tidy_name("" if value is None else str(value)).replace("\u066b", ".")
        if not text:
            raise ValueError(_("is empty"))
        if "," in text or "\u066c" in text:
            raise ValueError(_("{text} is not a plain number: write 1200.50, without thousands separators").format(
                text=repr(text)))
        try:
            x = float(text)
        except ValueError:
            raise ValueError(_("{text} is not a number (no currency signs: just 1200.50)").format(
                text=repr(text))) from None
    if math.isnan(x) or math.isinf(x):
        raise ValueError(_("is not a finite number"))
    if x < 0:
        raise ValueError(_("{value} is negative").format(value=f"{x:g}"))
    return x


@dataclass
class Targets:
    """Names a spend row may point at, by level: normalised name → (shown name, source id).

    ``ambiguous``: per level, normalised names several sources share ("Facebook" and "facebook"),
    each with every ``(shown name, id)``; such a name matches only when typed exactly as shown.
    """

    by_level: dict[str, dict[str, tuple[str, int | None]]] = field(default_factory=dict)
    ambiguous: dict[str, dict[str, list[tuple[str, int | None]]]] = field(default_factory=dict)

    @classmethod
    def from_attribution(cls, attr: pd.DataFrame) -> "Targets":
        """From ``attribution.source_attribution`` (live sources, their channels and campaigns)."""
        out: dict[str, dict[str, tuple[str, int | None]]] = {lvl: {} for lvl in LEVELS}
        same: dict[str, list[tuple[str, int | None]]] = {}
        for sid, src, ch, cp in zip(attr["source_id"], attr["source"], attr["channel"], attr["campaign"]):
            key = normalise_name(src)
            same.setdefault(key, []).append((str(src), int(sid)))
            out["source"].setdefault(key, (str(src), int(sid)))
            out["channel"].setdefault(normalise_name(ch), (str(ch), None))
            if cp and cp != NO_CAMPAIGN:
                out["campaign"].setdefault(normalise_name(cp), (str(cp), None))
        return cls(out, {"source": {k: v for k, v in same.items() if len(v) > 1}})

    def match(self, level: str, name: str) -> tuple[tuple[str, int | None] | None, str | None]:
        """``(target, None)`` for a name that names one target, else ``(None, why)``."""
        key = normalise_name(name)
        several = self.ambiguous.get(level, {}).get(key)
        if several:
            exact = [t for t in several if tidy_name(t[0]) == tidy_name(name)]
            if len(exact) == 1:
                return exact[0], None
            shown = ", ".join(f"{n!r} (#{i})" for n, i in several)
            # Only sources can share a name (channels and campaigns are grouped by name).
            return None, _("{name} matches {count} sources ({shown}); write it exactly as the dashboard shows "
                           "it").format(name=repr(name), count=len(several), shown=shown)
        target = self.by_level.get(level, {}).get(key)
        return (target, None) if target else (None, no_such_name(level, name))


def validate(rows: pd.DataFrame, targets: Targets, existing: pd.DataFrame | None = None,
             first_line: int = 2) -> pd.DataFrame:
    """Check spend rows; return them clean or raise ``SpendError`` listing every problem.

    ``rows`` has ``COLUMNS`` (any case, extra columns ignored); line numbers in messages are
    ``first_line`` + position (2 for a file with a header, 1 for a table's first row).
    ``existing`` (rows already saved, with ``start``, ``end``, ``level``, ``name``) are also
    checked for overlaps when rows are added to them. Returns ``DataFrame[start (date), end
    (date), level, name (as typed, tidied), amount (float), source_id (Int64), line]``.
    """
    problems: list[str] = []
    unmatched: list[str] = []
    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise SpendError([_("the file needs the columns {columns} (missing: {missing})").format(
            columns=", ".join(COLUMNS), missing=", ".join(missing))])
    if len(rows) > MAX_ROWS:
        raise SpendError([_("{count} rows is more than the {limit} a file may hold").format(
            count=i18n.format_number(len(rows)), limit=i18n.format_number(MAX_ROWS))])
    clean = []
    for i, row in enumerate(rows[COLUMNS].itertuples(index=False)):
        line = first_line + i
        if all(v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""
               for v in row):
            continue  # a blank line (a table's new empty row)
        checked, errs = _check_row(row, targets, unmatched)
        if errs:
            problems.append(line_problem(line, errs))
            continue
        clean.append({**checked, "line": line})
    out = pd.DataFrame(clean, columns=["start", "end", "level", "name", "amount", "source_id", "line"])
    problems += _overlaps(out, existing)
    problems.sort(key=line_of)
    if problems:
        raise SpendError(problems, sorted(set(unmatched), key=str.casefold))
    out["source_id"] = out["source_id"].astype("Int64")
    out["amount"] = out["amount"].astype("float64")
    return out.reset_index(drop=True)


def _check_row(row: tuple, targets: Targets, unmatched: list[str]) -> tuple[dict, list[str]]:
    """One spend row ``(start, end, level, name, amount)``: its clean values (``validate``'s
    columns but the line) and what is wrong with it; a name no source, campaign or channel has
    is added to ``unmatched``."""
    start_v, end_v, level_v, name_v, amount_v = row
    errs = []
    try:
        start = parse_date_cell(start_v, "start")
    except ValueError as err:
        errs.append(_("start: {problem}").format(problem=str(err).rstrip(".")))
        start = None
    try:
        end = parse_date_cell(end_v, "end")
    except ValueError as err:
        errs.append(_("end: {problem}").format(problem=str(err).rstrip(".")))
        end = None
    if start and end and end < start:
        errs.append(_("end {end} is before start {start}").format(end=end.isoformat(), start=start.isoformat()))
    level = normalise_name(level_v)
    if level not in LEVELS:
        errs.append(_("level {level} must be source, campaign or channel").format(
            level=repr(tidy_name(str(level_v or "")))))
    name = tidy_name("" if name_v is None else str(name_v))
    target = None
    if not name:
        errs.append(_("name is empty"))
    elif level in LEVELS:
        target, why = targets.match(level, name)
        if target is None:
            errs.append(why)
            unmatched.append(f"{level}: {name}")
    try:
        amount = parse_amount(amount_v)
    except ValueError as err:
        errs.append(_("amount {problem}").format(problem=err))
        amount = None
    return {"start": start, "end": end, "level": level, "name": target[0] if target else name,
            "amount": amount, "source_id": target[1] if target else None}, errs


def _overlaps(rows: pd.DataFrame, existing: pd.DataFrame | None) -> list[str]:
    """``line N: overlaps line M ...`` for rows of the same level and name whose dates overlap."""
    problems = []
    def target(level, name, sid):
        # A source is its id (two sources may share a name up to case); other levels their name.
        return f"#{int(sid)}" if level == "source" and sid is not None and not pd.isna(sid) else normalise_name(name)

    # (level, target, start, end, label, name, line or None for saved spend)
    items = [(normalise_name(r.level), target(r.level, r.name, r.source_id), r.start, r.end,
              _("line {line}").format(line=r.line), r.name, r.line) for r in rows.itertuples()]
    saved = []
    if existing is not None and len(existing):
        sids = existing["source_id"] if "source_id" in existing.columns else [None] * len(existing)
        saved = [(normalise_name(lv), target(lv, nm, sid), pd.Timestamp(s).date(), pd.Timestamp(e).date(),
                  _("saved spend {start} to {end}").format(start=pd.Timestamp(s).date().isoformat(),
                                                          end=pd.Timestamp(e).date().isoformat()), nm, None)
                 for lv, nm, s, e, sid in zip(existing["level"], existing["name"], existing["start"], existing["end"],
                                              sids)]
    by_key: dict[tuple[str, str], list] = {}
    for item in saved + items:
        by_key.setdefault(item[:2], []).append(item)
    for group in by_key.values():
        group.sort(key=lambda t: (t[2], t[3]))
        for j in range(1, len(group)):
            prev_end = max(g[3] for g in group[:j])
            if group[j][2] <= prev_end:
                other = next(g for g in group[:j] if g[3] >= group[j][2])
                a, b = sorted([other, group[j]], key=lambda t: (t[6] is None, t[4]))
                if a[6] is not None:
                    level = _(LEVEL_WORDS[a[0]]) if a[0] in LEVEL_WORDS else a[0]
                    problems.append(line_problem(a[6], [_(
                        "{level} {name} overlaps {other} (same {level}, dates {start} to {end} counted twice)").format(
                        level=level, name=repr(a[5]), other=b[4], start=max(a[2], b[2]).isoformat(),
                        end=min(a[3], b[3]).isoformat())]))
    return sorted(set(problems), key=line_of)


# --- cache ----------------------------------------------------------------------------------------


# Saved spend per cache file version (a spend edit or sync swaps the file, changing the version),
# so a dashboard query does not re-read 10,000 rows on every call.
_SPEND_CACHE: dict[tuple, pd.DataFrame] = {}


def read_spend(db) -> pd.DataFrame:
    """Every saved spend row: ``DataFrame[id, start (date), end (date), level, name, amount,
    source_id (Int64), start_day, end_day (days since 1970-01-01, for fast range arithmetic)]``
    ordered by start, level, name. Empty for an older cache without the table."""
    try:
        key = (str(db.path), db.version)
    except Exception:  # not a store.Reader: no caching
        key = None
    if key is not None and key in _SPEND_CACHE:
        return _SPEND_CACHE[key].copy()
    df = _read_spend(db)
    if key is not None:
        if len(_SPEND_CACHE) > 16:
            _SPEND_CACHE.clear()
        _SPEND_CACHE[key] = df
    return df.copy()


def _read_spend(db) -> pd.DataFrame:
    cols = ["id", "start", "end", "level", "name", "amount", "source_id", "start_day", "end_day"]
    tables = db.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'spend'")
    if int(tables["n"].iloc[0]) == 0:
        return pd.DataFrame(columns=cols)
    df = db.query('SELECT id, start, "end", level, name, amount, source_id, '
                  "CAST(start - DATE '1970-01-01' AS BIGINT) AS start_day, "
                  """CAST("end" - DATE '1970-01-01' AS BIGINT) AS end_day """
                  'FROM spend ORDER BY start, level, name, id')
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col]).dt.date if len(df) else pd.Series([], dtype=object)
    df["source_id"] = df["source_id"].astype("Int64")
    df["amount"] = df["amount"].astype("float64")
    return df[cols]


def write_spend(con, rows: pd.DataFrame, *, replace: bool, actor_email: str) -> None:
    """Insert validated ``rows`` (``validate``'s output) on writer connection ``con``; with
    ``replace`` every saved row is removed first. Internal to ``Workspace``."""
    if replace:
        con.execute("DELETE FROM spend").fetchall()
    start_id = int(con.execute("SELECT coalesce(max(id), 0) FROM spend").fetchall()[0][0])
    if not len(rows):
        return
    df = pd.DataFrame({
        "id": range(start_id + 1, start_id + 1 + len(rows)),
        "start": pd.to_datetime(pd.Series(list(rows["start"]))),
        "end": pd.to_datetime(pd.Series(list(rows["end"]))),
        "level": list(rows["level"]), "name": list(rows["name"]),
        "amount": rows["amount"].astype("float64").to_numpy(),
        "source_id": pd.array(list(rows["source_id"]), dtype="Int64"),
        "entered_by": actor_email,
    })
    con.register("_spend_rows", df)
    con.execute('INSERT INTO spend SELECT id, CAST(start AS DATE), CAST("end" AS DATE), level, name, amount, '
                "source_id, now(), entered_by FROM _spend_rows").fetchall()
    con.unregister("_spend_rows")


def summary(rows: pd.DataFrame) -> dict:
    """``{"rows": n, "total": money, "first": date, "last": date}`` for the audit log."""
    if not len(rows):
        return {"rows": 0, "total": 0.0}
    return {"rows": int(len(rows)), "total": round(float(rows["amount"].sum()), 2),
            "first": min(rows["start"]).isoformat(), "last": max(rows["end"]).isoformat()}


def export_frame(db) -> pd.DataFrame:
    """The saved spend in the import format (``COLUMNS``, dates as ``YYYY-MM-DD``)."""
    df = read_spend(db)
    out = df[COLUMNS].copy()
    out["start"] = [d.isoformat() for d in df["start"]]
    out["end"] = [d.isoformat() for d in df["end"]]
    return out


# --- shares of a date range -----------------------------------------------------------------------


def shares(spend: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Each row's share of its amount falling in ``start..end`` (local dates, both included):
    ``amount × overlapping days ÷ its days`` (money; 0 where they do not overlap). Index as
    ``spend``'s."""
    if not len(spend):
        return pd.Series([], dtype="float64")
    s, e = _day_numbers(spend)
    lo, hi = _day(start), _day(end)
    days = e - s + 1
    overlap = np.clip(np.minimum(e, hi) - np.maximum(s, lo) + 1, 0, None)
    return pd.Series(spend["amount"].to_numpy(dtype="float64") * overlap / days, index=spend.index)


def covered(spend: pd.DataFrame, start: date, end: date) -> pd.Series:
    """Which rows overlap ``start..end`` (a spend of 0 there still counts as entered)."""
    if not len(spend):
        return pd.Series([], dtype=bool)
    s, e = _day_numbers(spend)
    return pd.Series((s <= _day(end)) & (e >= _day(start)), index=spend.index)


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _day_numbers(spend: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of each row as days since 1970-01-01 (``read_spend``'s columns, else computed)."""
    if "start_day" in spend.columns and "end_day" in spend.columns:
        return spend["start_day"].to_numpy(dtype="int64"), spend["end_day"].to_numpy(dtype="int64")
    return (np.array([_day(d) for d in spend["start"]], dtype="int64"),
            np.array([_day(d) for d in spend["end"]], dtype="int64"))


__all__ = ["COLUMNS", "LEVELS", "LEVEL_WORDS", "SCHEMA", "SpendError", "Targets", "covered", "export_frame",
           "line_problem", "no_such_name", "read_file", "read_spend", "read_table_file", "shares", "split_problem",
           "summary", "validate", "write_spend"]

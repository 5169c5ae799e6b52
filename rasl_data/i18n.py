"""The one translation and number/date formatting layer: gettext catalogs managed with Babel.

Every interface string goes through ``_`` (or ``ngettext`` / ``pgettext``); module-level constants
are marked with ``N_`` and translated where shown (``_(CONSTANT)``). Data (source, campaign and
channel names the user typed) is never passed through ``_``.

Catalogs: ``rasl_data/locale/messages.pot`` (extracted with ``make translations``, i.e.
``pybabel extract -F babel.cfg``) and one ``rasl_data/locale/<lang>/LC_MESSAGES/messages.po`` per
language. The ``.po`` is compiled in memory with Babel the first time a language is used (and by
the tests), so no compiled ``.mo`` needs to be committed or kept in step; a ``.mo`` written by
``pybabel compile`` beside it is used when it is newer than its ``.po``.

The language and digit style are per thread of execution (a ``contextvars.ContextVar``): the
dashboard sets them at the start of each script run (``ui.locale.apply``), the CLI once from the
settings (``RASL_LANGUAGE``, ``RASL_DIGITS``). ``use(language, digits)`` switches them for a block
(a weekly pack rendered in Arabic, a test).

Numbers and dates are formatted for the language with Babel (``babel.numbers`` and
``babel.dates``): Arabic month and weekday names, grouping and decimal signs, percent and currency
patterns. Babel writes digits 0-9 in every locale; with ``RASL_DIGITS=arabic-indic`` the digits are
then written ٠-٩ (``localise_digits``).
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import io
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterator

LANGUAGES: dict[str, str] = {"en": "English", "ar": "العربية"}
"""Interface languages: code → the language's own name (what the switch shows)."""
DEFAULT_LANGUAGE = "en"
DIGIT_STYLES = ("western", "arabic-indic")
"""``RASL_DIGITS`` values: ``western`` (0-9, the default) or ``arabic-indic`` (٠-٩)."""
DEFAULT_DIGITS = "western"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
# The Babel locale used to format numbers and dates for each interface language.
BABEL_LOCALES = {"en": "en", "ar": "ar"}

_language: contextvars.ContextVar[str] = contextvars.ContextVar("rasl_language", default=DEFAULT_LANGUAGE)
_digits: contextvars.ContextVar[str] = contextvars.ContextVar("rasl_digits", default=DEFAULT_DIGITS)

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def normalise_language(value: str | None) -> str | None:
    """``"ar"``/``"AR"``/``"ar-SA"``/``"ar_AE"`` → ``"ar"``; an unknown language → None."""
    code = str(value or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def normalise_digits(value: str | None) -> str | None:
    """``western`` / ``arabic-indic`` (also ``latn``, ``arab``, ``arabic_indic``) → the style; else None."""
    text = str(value or "").strip().lower().replace("_", "-")
    aliases = {"western": "western", "latn": "western", "latin": "western",
               "arabic-indic": "arabic-indic", "arab": "arabic-indic", "arabic": "arabic-indic"}
    return aliases.get(text)


def language() -> str:
    """The interface language in effect: ``"en"`` or ``"ar"``."""
    return _language.get()


def digits() -> str:
    """The digit style in effect: ``"western"`` or ``"arabic-indic"``."""
    return _digits.get()


def set_language(lang: str | None, digit_style: str | None = None) -> None:
    """Set the language (and digit style, when given) for the rest of this thread's work.

    An unknown language falls back to English; an unknown digit style to Western digits.
    """
    _language.set(normalise_language(lang) or DEFAULT_LANGUAGE)
    if digit_style is not None:
        _digits.set(normalise_digits(digit_style) or DEFAULT_DIGITS)


@contextmanager
def use(lang: str | None, digit_style: str | None = None) -> Iterator[None]:
    """Within the block, translate to ``lang`` (and write ``digit_style`` digits); restored after."""
    token = _language.set(normalise_language(lang) or DEFAULT_LANGUAGE)
    dtoken = _digits.set(normalise_digits(digit_style) or DEFAULT_DIGITS) if digit_style is not None else None
    try:
        yield
    finally:
        _language.reset(token)
        if dtoken is not None:
            _digits.reset(dtoken)


def is_rtl(lang: str | None = None) -> bool:
    """Whether ``lang`` (default: the language in effect) is written right to left."""
    return (lang or language()) == "ar"


def direction(lang: str | None = None) -> str:
    """``"rtl"`` or ``"ltr"`` for ``lang`` (default: the language in effect), for HTML ``dir``."""
    return "rtl" if is_rtl(lang) else "ltr"


def po_path(lang: str) -> Path:
    """The ``.po`` catalog of ``lang`` (``rasl_data/locale/<lang>/LC_MESSAGES/messages.po``)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def _translations(lang: str) -> _gettext.NullTranslations:
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    if not po.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def reload_catalogs() -> None:
    """Forget the compiled catalogs (after a ``.po`` changed in a running process)."""
    _translations.cache_clear()


def translations(lang: str | None = None) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (default: the language in effect); English is the source text."""
    lang = lang or language()
    if lang == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return _translations(lang)


def gettext(message: str) -> str:
    """``message`` in the language in effect (the English text itself when no translation exists)."""
    if not message:
        return message
    return translations().gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the language in effect (Arabic has six forms)."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context`` (the same English word with two meanings)."""
    return translations().pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (module-level constants)."""
    return message


def localise_digits(text: str) -> str:
    """``text`` with 0-9 written ٠-٩ in Arabic with the ``arabic-indic`` digit style; else unchanged.

    The digit style applies to the Arabic interface only: English always shows 0-9.
    """
    if digits() == "arabic-indic" and language() == "ar":
        return str(text).translate(_ARABIC_INDIC)
    return str(text)


def babel_locale(lang: str | None = None) -> str:
    """The Babel locale code used to format numbers and dates for ``lang`` (default: in effect)."""
    return BABEL_LOCALES[lang or language()]


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """``1234.5`` → ``"1,235"`` (``decimals=0``) or ``"1,234.5"``; grouping and signs of the locale.

    ``None`` and NaN give ``""``. Arabic uses ``٬``/``٫`` only with Arabic-Indic digits; with
    Western digits it keeps ``,`` and ``.`` as Gulf business documents do.
    """
    from babel.numbers import format_decimal

    if value is None or value != value:  # None or NaN
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    system = "arab" if (language() == "ar" and digits() == "arabic-indic") else "latn"
    text = format_decimal(round(float(value), decimals) if decimals else round(float(value)), format=pattern,
                          locale=babel_locale(), numbering_system=system)
    return localise_digits(text)


def format_percent(fraction: float | None, decimals: int = 1) -> str:
    """``0.256`` → ``"25.6%"`` (Arabic: ``"25.6٪"``); ``None``/NaN → ``""``."""
    from babel.numbers import format_percent as _fmt

    if fraction is None or fraction != fraction:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    system = "arab" if (language() == "ar" and digits() == "arabic-indic") else "latn"
    return localise_digits(_fmt(float(fraction), format=pattern, locale=babel_locale(), numbering_system=system))


def format_money(amount: float | None, currency: str = "", decimals: int = 2) -> str:
    """``1234.5`` with ``RASL_CURRENCY`` ``"SAR"`` → ``"SAR 1,234.50"`` (Arabic: ``"1,234.50 SAR"``).

    ``currency`` is shown as typed (a code or a symbol; never converted); empty shows the number
    alone. ``None``/NaN → ``""``.
    """
    number = format_number(amount, decimals)
    if not number or not currency:
        return number
    return f"{number} {currency}" if language() == "ar" else f"{currency} {number}"


def format_date(day: date | datetime, format: str = "medium") -> str:
    """A date in the language in effect: ``"medium"`` → ``"1 Mar 2026"`` / ``"١ مارس ٢٠٢٦"``-style.

    ``format`` is a Babel name (``short``, ``medium``, ``long``, ``full``) or a CLDR pattern such as
    ``"d MMM"`` or ``"EEE d MMM"``.
    """
    from babel.dates import format_date as _fmt

    if isinstance(day, datetime):
        day = day.date()
    if format == "medium":
        format = "d MMM y"
    return localise_digits(_fmt(day, format=format, locale=babel_locale()))


def format_datetime(moment: datetime, format: str = "d MMM y HH:mm", tzinfo=None) -> str:
    """A moment in the language in effect, in ``tzinfo`` (default: as given) with a CLDR pattern."""
    from babel.dates import format_datetime as _fmt

    return localise_digits(_fmt(moment, format=format, tzinfo=tzinfo, locale=babel_locale()))


def month_name(month: int, width: str = "abbreviated") -> str:
    """Name of ``month`` (1-12): ``wide`` (``"March"``/``"مارس"``) or ``abbreviated``."""
    from babel.dates import get_month_names

    return get_month_names(width, locale=babel_locale())[month]


def weekday_name(weekday: int, width: str = "wide") -> str:
    """Name of ``weekday`` (0 = Monday … 6 = Sunday, as ``date.weekday()``), ``wide`` or ``abbreviated``."""
    from babel.dates import get_day_names

    return get_day_names(width, locale=babel_locale())[weekday]

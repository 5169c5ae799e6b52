"""The Arabic catalog as written, for tests that check a translated message against it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

PO_AR = Path(__file__).resolve().parents[1] / "rasl_data" / "locale" / "ar" / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=1)
def arabic_catalog() -> Catalog:
    """``rasl_data/locale/ar/LC_MESSAGES/messages.po`` read with Babel, independently of the
    translation layer (``rasl_data.i18n``) the code under test uses."""
    with PO_AR.open("rb") as fh:
        return read_po(fh, locale="ar")


def arabic(msgid: str) -> str:
    """The Arabic of ``msgid`` as the catalog has it (``arabic_catalog``, not the dashboard's ``_``);
    fails the test when the catalog has no translation for it."""
    entry = arabic_catalog().get(msgid)
    assert entry is not None and entry.string, msgid
    return entry.string

"""Chart images: Plotly figures as PNG bytes with kaleido driving one short-lived local Chromium
(``chart_images``), for the weekly pack's ``charts/*.png``. Never raises: a missing kaleido or
Chromium only costs the images (the reason, in the language in effect, is returned for the pack's
README). No streamlit here.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading

import plotly.graph_objects as go

from rasl_data.i18n import _
from rasl_data.outputs.weekly_figures import PNG_HEIGHT, PNG_SCALE, PNG_WIDTH

PNG_TIMEOUT = 90  # seconds kaleido waits for Chromium per task

_png_lock = threading.Lock()


def _browser_path() -> str | None:
    """The Chromium kaleido should drive: ``BROWSER_PATH`` if set, else one on ``PATH``."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chart_images(figures: dict[str, go.Figure]) -> tuple[dict[str, bytes], str | None]:
    """PNG bytes of each figure (``PNG_WIDTH`` x ``PNG_HEIGHT`` at ``PNG_SCALE``) and an error.

    Draws with kaleido in one short-lived headless Chromium (``BROWSER_PATH``, else
    ``chromium`` on ``PATH``), started and stopped here, so no browser outlives the call. Never
    raises: on any failure (no kaleido, no Chromium, a timeout) returns ``({}, reason)``. Calls
    are serialised: two dashboard sessions never start two browsers at once.
    """
    try:
        import kaleido
    except ImportError:
        return {}, _("kaleido is not installed (pip install kaleido).")
    browser = _browser_path()
    if browser is None:
        return {}, _("no Chromium found (install the chromium package or set BROWSER_PATH).")

    async def draw() -> dict[str, bytes]:
        out = {}
        async with kaleido.Kaleido(n=1, timeout=PNG_TIMEOUT) as k:
            for name, fig in figures.items():
                out[name] = await k.calc_fig(
                    fig.to_dict(), opts=dict(format="png", width=PNG_WIDTH, height=PNG_HEIGHT, scale=PNG_SCALE))
        return out

    with _png_lock:
        previous = os.environ.get("BROWSER_PATH")
        os.environ["BROWSER_PATH"] = browser
        try:
            images = asyncio.run(draw())
        except Exception as err:  # noqa: BLE001 - any failure only costs the images
            return {}, f"{type(err).__name__}: {err}".strip()
        finally:
            if previous is None:
                os.environ.pop("BROWSER_PATH", None)
    bad = [n for n, b in images.items() if not bytes(b).startswith(b"\x89PNG\r\n\x1a\n")]
    if bad:
        return {}, _("kaleido returned something other than PNG for {charts}.").format(charts=", ".join(bad))
    return {n: bytes(b) for n, b in images.items()}, None

"""The committed Streamlit theme: light and dark, switchable, and every text colour at WCAG AA.

Contrast ratios are computed here with WCAG 2.x's formula from the colours in
``.streamlit/config.toml``, the way Streamlit 1.67 derives them: captions are the text colour at
60 % opacity over the background (``fadedText60``), inline code in a caption too, and a
selected segmented control writes the primary colour on a tint of it. The browser check of the
same is ``tests/e2e/test_accessibility.py`` (axe-core).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
AA = 4.5
# Streamlit's own defaults where config.toml leaves them (light sidebar, dark sidebar/widgets).
SIDEBAR = {"light": "#F8F8F7", "dark": "#2D2B27"}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def over(fg: str, bg: str, alpha: float) -> str:
    """``fg`` at ``alpha`` opacity painted on ``bg``."""
    return "#" + "".join(f"{round(a * alpha + b * (1 - alpha)):02X}" for a, b in zip(rgb(fg), rgb(bg)))


def contrast(a: str, b: str) -> float:
    def lum(c: str) -> float:
        lin = [(v / 255) / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb(c)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_wcag_examples():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast("#828180", "#FFFFFF") == pytest.approx(3.9, abs=0.05)   # the old caption grey


def test_dashboard_offers_light_and_dark_and_follows_the_os_preference():
    theme = CONFIG["theme"]
    assert "light" in theme and "dark" in theme
    assert "base" not in theme  # a fixed base would override the operating system's preference
    # "minimal" hid the app menu, and with it the theme switch.
    assert CONFIG["client"]["toolbarMode"] in ("viewer", "auto")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_text_colours_meet_wcag_aa_contrast(scheme):
    t = CONFIG["theme"][scheme]
    bg, text, primary = t["backgroundColor"], t["textColor"], t["primaryColor"]
    for surface in (bg, SIDEBAR[scheme]):
        assert contrast(text, surface) >= AA
        assert contrast(over(text, surface, 0.6), surface) >= AA, "caption"  # was #828180 on white: 3.9
        assert contrast(over(t["codeTextColor"], surface, 0.6), surface) >= AA, "code in a caption"
    assert contrast(primary, bg) >= AA, "slider value, active tab"
    for tint in (0.125, 0.2):  # a selected segmented control: primary on its own tint (was 2.95)
        assert contrast(primary, over(primary, bg, tint)) >= AA, tint
    assert contrast(t["linkColor"], bg) >= AA


def test_primary_buttons_keep_white_text_readable_in_both_themes():
    from ui import frame

    css = frame.PRIMARY_BUTTON_CSS
    assert 'button[kind="primary"]' in css
    colours = [part.split(";")[0].strip() for part in css.split("background-color:")[1:]]
    assert colours and all(contrast("#FFFFFF", c) >= AA for c in colours), colours

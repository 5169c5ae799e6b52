"""What the Arabic browser tests read from a page: its visible interface text, the English words
left in it once data is set aside, and its direction (shared by the dashboard and door tests)."""

from __future__ import annotations

import re

from .conftest import ROOT

SCREENS = ROOT / "test-artifacts" / "screens"
# url path → screenshot name (the Overview is the default page at "/").
PAGES = {"": "overview", "sources": "sources", "campaigns": "campaigns", "conversion": "conversion",
         "performance": "performance", "weekly": "weekly", "health": "health", "audit": "audit",
         "settings": "settings"}

# Words Arabic text keeps in Latin letters: product and file-format names, protocols, the time
# standard, keyboard keys (the project glossary: RASL, WhatsApp, CSV, Excel, XLSX, SMTP, URL).
LATIN_KEPT = {"RASL", "WhatsApp", "CSV", "Excel", "XLSX", "SMTP", "URL", "API", "HTTP", "HTML", "PNG", "ZIP",
              "UTC", "Ctrl", "Enter"}

_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_NOT_WORDS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),                        # e-mail addresses
    re.compile(r"\b(?:https?|wss?)://\S+"),                            # URLs
    re.compile(r"(?<![\w/])(?:~|\.{0,2})/[\w./@-]+"),                   # file paths
    re.compile(r"\b[\w-]+\.(?:csv|xlsx|zip|png|html|duckdb|toml|json|py)\b", re.I),  # file names
    re.compile(r"(?<!\w)\.(?:csv|xlsx|zip|png|html)\b", re.I),          # extensions: "(.zip)"
    re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"),                   # configuration keys: RASL_TIMEZONE
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"),                # IP addresses
    re.compile(r"\b(?:YYYY|MM|DD)(?:[-/.](?:YYYY|MM|DD))+\b"),          # date formats: YYYY-MM-DD
    re.compile(r"\b(?:type|status):[^\s,]+(?:,[^\s,]+)*"),              # RASL_CONVERSION values
    re.compile(r"(?<![A-Za-z])P\(X [^)]*\)|(?<![A-Za-z])p(?![A-Za-z])"),            # the spike test's notation
]
_CUT_NAME = re.compile(r"([A-Za-z0-9][^\n:…]*)…")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


# --- what the browser shows ------------------------------------------------------------------------

DIRECTION_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
  const side = document.querySelector('[data-testid="stSidebar"]').getBoundingClientRect();
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  const chart = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const layout = chart && chart._fullLayout;
  return {
    htmlDir: document.documentElement.getAttribute('dir'), htmlLang: document.documentElement.getAttribute('lang'),
    html: getComputedStyle(document.documentElement).direction, app: getComputedStyle(app).direction,
    heading: getComputedStyle(h1).direction, headingAlign: getComputedStyle(h1).textAlign,
    sidebarRight: side.left >= main.left + main.width / 2, sidebarLeft: side.right <= main.left + main.width / 2,
    xReversed: layout ? layout.xaxis.autorange === 'reversed' : null, ySide: layout ? layout.yaxis.side : null,
  };
}"""

TEXT_JS = """() => {
  // Left out: inline code (commands, keys, settings values: literal, never translated), the
  // language switch (each language in its own script) and icons (Material ligature names such as
  // "keyboard_double_arrow_left", drawn as a glyph). Hidden for the reading, then shown again.
  const skip = [...document.querySelectorAll('code, .st-key-lang_switch, [data-testid="stIconMaterial"], '
                                             + 'span[translate="no"][aria-hidden="true"], span[role="img"][translate="no"]')]
    .filter(el => !el.closest('pre'));
  // Streamlit texts the Arabic style sheet replaces (ui.direction.page_css: the element's own
  // text at font size 0, the Arabic text in ::after): read what is shown, not the hidden English.
  const shown = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')) {
    const after = getComputedStyle(el, '::after').content;
    if (getComputedStyle(el).fontSize === '0px' && after && after !== 'none' && after !== 'normal') {
      skip.push(el);
      shown.push(JSON.parse(after));
    }
  }
  const style = document.createElement('style');
  style.textContent = '[data-rasl-skip] { display: none !important; }';
  document.head.appendChild(style);
  skip.forEach(el => el.setAttribute('data-rasl-skip', ''));
  const out = [];
  try {
    for (const id of ['stMain', 'stSidebar']) {
      const root = document.querySelector(`[data-testid="${id}"]`);
      if (!root) continue;
      out.push(root.innerText);
      // Placeholders are shown text too ("Choose options", "e.g. ..."), but not part of innerText.
      for (const el of root.querySelectorAll('input[placeholder], textarea[placeholder]')) {
        if (el.offsetParent !== null && !el.value) out.push(el.placeholder);
      }
    }
  } finally {
    skip.forEach(el => el.removeAttribute('data-rasl-skip'));
    style.remove();
  }
  out.push(...shown);
  for (const t of document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg text')) out.push(t.textContent);
  for (const t of document.querySelectorAll('[data-testid="stDataFrame"] [role="columnheader"], '
                                          + '[data-testid="stDataFrame"] [role="gridcell"]')) out.push(t.textContent);
  return out.join('\\n');
}"""


def english_words(text: str, data_names: list[str]) -> list[str]:
    """The Latin-letter words of ``text`` that are interface English (see the module docstring).

    ``data_names`` are removed first, longest first, as whole strings (a name may contain another).
    """
    text = _BIDI_MARKS.sub("", text).replace("\u00a0", " ")
    text = " ".join(text.split(" "))
    for pattern in _NOT_WORDS:
        text = pattern.sub(" ", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(lines)
    for name in data_names:
        # Whole words only: a rule pattern "ig" is data, the "ig" inside "Campaigns" is not.
        text = re.sub(r"(?<![A-Za-z])" + re.escape(name) + r"(?![A-Za-z])", " ", text)
    # A name cut short to fit a chart label ("Google Ads | Brand…") is data too.
    text = _CUT_NAME.sub(lambda m: " " if any(n.startswith(m.group(1).strip()) for n in data_names)
                         else m.group(0), text)
    return [w for w in _WORD.findall(text) if w not in LATIN_KEPT]


def direction_of(page) -> str:
    return page.evaluate("() => getComputedStyle(document.documentElement).direction")

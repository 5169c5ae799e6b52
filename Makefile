# Two commands on a fresh machine:
#   make run   - create .venv if needed and start the dashboard (demo workspace without a token)
#   make test  - create .venv if needed, install Chromium if absent, run ruff, then the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# `make run PORT=8600` serves elsewhere; ADDRESS=0.0.0.0 shares it on your network (no login!).
PORT ?= 8501
ADDRESS ?= 127.0.0.1
# Streamlit's sign-in and the dashboard read the same secrets file.
SECRETS ?= $(or $(RASL_SECRETS_PATH),.streamlit/secrets.toml)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test lint bench chromium clean translations

$(VENV)/.runtime: requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS) --secrets.files $(SECRETS)

chromium:
	@command -v chromium >/dev/null 2>&1 || ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium )

# Lint (ruff, configured in pyproject.toml), then the whole test suite.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

test: lint chromium
	$(PY) -m pytest

# Speed and memory figures (printed, not asserted). Full sizes; see each script's --help.
bench: $(VENV)/.dev chromium
	$(PY) bench/bench_queries.py
	$(PY) bench/bench_pages.py
	$(PY) bench/bench_sync.py
	$(PY) bench/bench_client.py --quick
	$(PY) bench/bench_browser.py
	$(PY) bench/bench_signin.py

# Re-extract the interface strings into the template and merge them into each language's .po
# (new strings arrive untranslated; the tests fail until they are translated). The .po files are
# compiled in memory when first used, so nothing else needs running.
POT := rasl_data/locale/messages.pot
translations: $(VENV)/.dev
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --width 120 --project "RASL attribution dashboard" -o $(POT) .
	$(VENV)/bin/pybabel update -i $(POT) -d rasl_data/locale -l ar --no-fuzzy-matching --ignore-obsolete --width 120 --init-missing

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache

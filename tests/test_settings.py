"""Configuration precedence and validation (rasl_data.settings)."""

from pathlib import Path

import pytest
from catalog_support import arabic_catalog

from rasl_data.settings import DEFAULT_BASE_URL, SettingsError, load_settings


def write_secrets(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_anything_use_the_demo_workspace(tmp_path):
    s = load_settings(secrets_path=tmp_path / "missing.toml", environ={})
    assert s.is_demo and not s.token_present
    assert s.base_url == DEFAULT_BASE_URL
    assert (s.timezone, s.week_start, s.read_only) == ("UTC", "monday", False)
    assert s.cache_path.name == "demo.duckdb"


def test_precedence_argument_then_secrets_then_environment(tmp_path):
    secrets = write_secrets(tmp_path, 'RASL_TIMEZONE = "Asia/Riyadh"\nRASL_WEEK_START = "sunday"\n')
    env = {"RASL_TIMEZONE": "Africa/Cairo", "RASL_WEEK_START": "saturday", "RASL_BASE_URL": "http://127.0.0.1:9/api/v2"}
    s = load_settings(secrets_path=secrets, environ=env)
    assert s.timezone == "Asia/Riyadh"  # secrets beat the environment
    assert s.week_start == "sunday"
    assert s.base_url == "http://127.0.0.1:9/api/v2"  # only in the environment
    s2 = load_settings({"RASL_TIMEZONE": "Europe/London"}, secrets_path=secrets, environ=env)
    assert s2.timezone == "Europe/London"  # an explicit argument beats both
    assert s2.origins["RASL_TIMEZONE"] == "argument"


def test_bad_values_name_the_key_and_where_it_came_from(tmp_path):
    with pytest.raises(SettingsError, match=r"RASL_TIMEZONE \(environment\).*Mars/Olympus"):
        load_settings(secrets_path=tmp_path / "none.toml", environ={"RASL_TIMEZONE": "Mars/Olympus"})
    with pytest.raises(SettingsError, match="RASL_WEEK_START"):
        load_settings({"RASL_WEEK_START": "friday"}, secrets_path=tmp_path / "none.toml", environ={})
    with pytest.raises(SettingsError, match="RASL_BASE_URL"):
        load_settings({"RASL_BASE_URL": "getrasl.io"}, secrets_path=tmp_path / "none.toml", environ={})
    bad = write_secrets(tmp_path, "RASL_TIMEZONE = \n")
    with pytest.raises(SettingsError, match="secrets.toml"):
        load_settings(secrets_path=bad, environ={})


def test_token_is_never_in_repr_and_workspaces_get_their_own_cache(tmp_path):
    token = "wm_" + "s3cr3t" * 10
    s = load_settings({"RASL_API_TOKEN": token, "RASL_CACHE_DIR": str(tmp_path)}, secrets_path=tmp_path / "n", environ={})
    assert token not in repr(s)
    assert token not in str(s.cache_path) and token not in s.workspace_id
    other = load_settings({"RASL_API_TOKEN": token + "x", "RASL_CACHE_DIR": str(tmp_path)}, secrets_path=tmp_path / "n", environ={})
    demo = load_settings({"RASL_CACHE_DIR": str(tmp_path)}, secrets_path=tmp_path / "n", environ={})
    paths = {s.cache_path, other.cache_path, demo.cache_path}
    assert len(paths) == 3 and all(p.parent == tmp_path for p in paths)


def test_explicit_cache_path_is_used_as_is(tmp_path):
    target = tmp_path / "sub" / "mine.duckdb"
    s = load_settings({"RASL_CACHE_PATH": str(target), "RASL_API_TOKEN": "t"}, secrets_path=tmp_path / "n", environ={})
    assert s.cache_path == target


def test_read_only_flag_accepts_common_spellings(tmp_path):
    for value, expected in (("1", True), ("true", True), ("YES", True), ("0", False), ("no", False)):
        s = load_settings({"RASL_READ_ONLY": value}, secrets_path=tmp_path / "n", environ={})
        assert s.read_only is expected, value


def test_non_ascii_or_spaced_token_is_refused_without_echoing_it(tmp_path):
    """Regression: a token with 'ö' crashed httpx with UnicodeEncodeError, quoting a character."""
    for token in ("tökén-secret", "abc def", "abc\u200bdef"):
        with pytest.raises(SettingsError, match="RASL_API_TOKEN") as err:
            load_settings({"RASL_API_TOKEN": token}, secrets_path=tmp_path / "n", environ={})
        assert token not in str(err.value) and "ö" not in str(err.value)


def test_base_url_with_a_broken_host_or_port_is_refused(tmp_path):
    """Regression: http://[::1 passed validation and crashed the client with httpx.InvalidURL."""
    for url in ("http://[::1", "http://", "https://host:99999/api/v2"):
        with pytest.raises(SettingsError, match="RASL_BASE_URL"):
            load_settings({"RASL_BASE_URL": url}, secrets_path=tmp_path / "n", environ={})


def test_secrets_value_of_the_wrong_type_is_refused(tmp_path):
    """Regression: RASL_API_TOKEN = 12345 was sent as '12345' and a table zone silently ignored."""
    for text in ("RASL_API_TOKEN = 12345\n", "RASL_API_TOKEN = false\n", "[RASL_TIMEZONE]\nx = 1\n"):
        path = write_secrets(tmp_path, text)
        with pytest.raises(SettingsError, match="must be text in quotes"):
            load_settings(secrets_path=path, environ={})
    assert load_settings(secrets_path=write_secrets(tmp_path, "RASL_READ_ONLY = true\n"), environ={}).read_only


def test_secrets_path_that_is_a_folder_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="cannot be read"):
        load_settings(secrets_path=tmp_path, environ={})


def test_max_retry_wait_defaults_to_two_minutes_and_takes_numbers_from_every_source(tmp_path):
    none = tmp_path / "none.toml"
    assert load_settings(secrets_path=none, environ={}).max_retry_wait == 120.0
    assert load_settings(secrets_path=none, environ={"RASL_MAX_RETRY_WAIT": "3600"}).max_retry_wait == 3600.0
    secrets = write_secrets(tmp_path, "RASL_MAX_RETRY_WAIT = 900\n")  # a bare TOML number is fine here
    assert load_settings(secrets_path=secrets, environ={}).max_retry_wait == 900.0
    assert load_settings({"RASL_MAX_RETRY_WAIT": "45"}, secrets_path=secrets, environ={}).max_retry_wait == 45.0


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf", "700000"])
def test_bad_max_retry_wait_names_the_key(tmp_path, value):
    with pytest.raises(SettingsError, match=r"RASL_MAX_RETRY_WAIT \(environment\).*seconds from 1 to 604,800"):
        load_settings(secrets_path=tmp_path / "none.toml", environ={"RASL_MAX_RETRY_WAIT": value})



def test_bad_time_zone_in_an_arabic_run_is_an_arabic_sentence_that_keeps_the_key_and_the_value(tmp_path):
    from rasl_data import i18n

    catalog = arabic_catalog()
    frame = catalog.get("{key} (environment): {problem}").string
    problem = catalog.get("unknown time zone {zone}; use an IANA name such as Asia/Riyadh").string
    expected = frame.replace("{key}", "RASL_TIMEZONE").replace("{problem}", problem.replace("{zone}", "'Mars/Olympus'"))
    with i18n.use("ar"), pytest.raises(SettingsError) as err:
        load_settings(secrets_path=tmp_path / "none.toml", environ={"RASL_TIMEZONE": "Mars/Olympus"})
    assert err.value.title == str(err.value) == expected
    assert "RASL_TIMEZONE" in expected and "Mars/Olympus" in expected and "Asia/Riyadh" in expected
    assert "unknown time zone" not in expected  # the sentence itself is Arabic
    with pytest.raises(SettingsError, match=r"^RASL_TIMEZONE \(environment\): unknown time zone"):
        load_settings(secrets_path=tmp_path / "none.toml", environ={"RASL_TIMEZONE": "Mars/Olympus"})


def test_bad_week_start_from_an_argument_in_arabic_names_where_it_came_from(tmp_path):
    from rasl_data import i18n

    catalog = arabic_catalog()
    frame = catalog.get("{key} (argument): {problem}").string
    with i18n.use("ar"), pytest.raises(SettingsError) as err:
        load_settings({"RASL_WEEK_START": "friday"}, secrets_path=tmp_path / "none.toml", environ={})
    assert err.value.title.startswith(frame.split("{problem}")[0].replace("{key}", "RASL_WEEK_START"))
    assert "'friday'" in err.value.title and "monday, sunday, saturday" in err.value.title

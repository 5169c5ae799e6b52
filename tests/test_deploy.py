"""The server build (``deploy/build.sh``, the Dockerfile's only build step) and ``python -m rasl_data serve``.

No container engine runs here, so the build script itself is run into a temporary prefix. To stay
fast and offline, its virtual environment is seeded beforehand with a ``.pth`` file pointing at the
test environment's packages and pip runs with ``PIP_NO_INDEX=1``: pip then has to find every pin
of ``requirements.txt`` already installed at exactly that version, or the build fails. The built
app is then started with ``serve`` and must answer Streamlit's health check.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rasl_data import cli

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "deploy" / "build.sh"
TEAM_SECRETS = """
[auth]
redirect_uri = "https://dash.shop.example/rasl/oauth2callback"
cookie_secret = "0123456789abcdef0123456789abcdef"
client_id = "rasl"
client_secret = "never-in-a-log"
server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"

[access]
editors = ["maha@shop.example"]
"""


def source_copy(tmp_path: Path) -> Path:
    """The files the build reads, plus a secrets file and a cache that must not be copied."""
    src = tmp_path / "src"
    for name in ("app.py", "requirements.txt"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    for folder in ("pages", "ui", "rasl_data", "deploy"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (src / ".streamlit").mkdir()
    shutil.copy2(ROOT / ".streamlit" / "config.toml", src / ".streamlit" / "config.toml")
    (src / ".streamlit" / "secrets.toml").write_text('RASL_API_TOKEN = "wm_do_not_ship"\n')
    (src / "rasl_data" / "stray.duckdb").write_bytes(b"cache")
    return src


def test_dry_run_prints_every_step_and_changes_nothing(tmp_path):
    run = subprocess.run(["bash", str(BUILD), "--dry-run", str(tmp_path / "opt")], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    steps = [line for line in run.stdout.splitlines() if line.startswith("+ ")]
    assert any(re.search(r"-m venv .*/opt/venv$", s) for s in steps)
    assert any("pip install" in s and s.endswith("requirements.txt") for s in steps)
    assert any("rasl_data serve --print" in s for s in steps)
    assert not (tmp_path / "opt").exists()


def test_dockerfile_runs_the_build_script_and_bakes_in_no_secret():
    text = (ROOT / "Dockerfile").read_text()
    runs = [line for line in text.splitlines() if line.startswith("RUN ")]
    assert runs == ["RUN /src/deploy/build.sh /opt/rasl \\"]
    assert "secrets.toml" not in text.replace("RASL_SECRETS_PATH=/run/secrets/rasl_secrets", "")
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".streamlit/secrets.toml", "*.duckdb", ".venv"} <= set(ignore)
    assert "_stcore/health" in (ROOT / "deploy" / "healthcheck.py").read_text()
    compose = (ROOT / "compose.yaml").read_text()
    assert "rasl-cache:/data" in compose and "file: ./secrets.toml" in compose and "deploy/sync-loop.sh" in compose


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_build_script_builds_a_server_that_answers_its_health_check(tmp_path):
    src = source_copy(tmp_path)
    prefix = tmp_path / "opt"
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base_python, "-m", "venv", str(prefix / "venv")], check=True, timeout=120)
    # Seed the new venv with the test environment's packages (see the module docstring).
    venv_site = next((prefix / "venv" / "lib").glob("python3*/site-packages"))
    (venv_site / "seed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {**os.environ, "PIP_NO_INDEX": "1", "PYTHON": base_python}
    env = {k: v for k, v in env.items() if not k.startswith("RASL_")}
    build = subprocess.run(["bash", str(src / "deploy" / "build.sh"), str(prefix)], capture_output=True, text=True,
                           env=env, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    app = prefix / "app"
    assert (app / "app.py").is_file() and (app / "rasl_data" / "signin.py").is_file()
    assert not list(app.rglob("secrets.toml")) and not list(app.rglob("*.duckdb"))
    assert "wm_do_not_ship" not in build.stdout + build.stderr

    port = _free_port()
    server_env = {**env, "RASL_SECRETS_PATH": str(tmp_path / "none.toml"), "RASL_CACHE_PATH": str(tmp_path / "c.duckdb")}
    proc = subprocess.Popen([str(prefix / "venv" / "bin" / "python"), "-m", "rasl_data", "serve", "--port", str(port)],
                            cwd=app, env=server_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    body = r.read().strip()
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
                time.sleep(0.3)  # polling interval
        assert body == b"ok"
        health = subprocess.run([str(prefix / "venv" / "bin" / "python"), "deploy/healthcheck.py"], cwd=app,
                                env={**server_env, "RASL_PORT": str(port)}, timeout=30)
        assert health.returncode == 0
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- serve ------------------------------------------------------------------------------------------


def serve_print(tmp_path, capsys, monkeypatch, secrets: str | None, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "secrets.toml"
    if secrets is not None:
        path.write_text(secrets)
    monkeypatch.setenv("RASL_SECRETS_PATH", str(path))
    for key in ("RASL_LISTEN_ADDRESS", "RASL_BASE_PATH", "RASL_PORT"):
        monkeypatch.delenv(key, raising=False)
    code = cli.main(["serve", "--print", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_serve_listens_on_loopback_without_sign_in(tmp_path, capsys, monkeypatch):
    code, out, err = serve_print(tmp_path, capsys, monkeypatch, None)
    assert code == 0 and "--server.address 127.0.0.1" in out and "(no sign-in)" in err
    assert f"--secrets.files {tmp_path / 'secrets.toml'}" in out


def test_serve_opens_to_the_network_with_sign_in_and_keeps_secrets_out_of_the_output(tmp_path, capsys, monkeypatch):
    code, out, err = serve_print(tmp_path, capsys, monkeypatch, TEAM_SECRETS, "--base-path", "rasl")
    assert code == 0, err
    assert "--server.address 0.0.0.0" in out and "--server.baseUrlPath rasl" in out
    assert "never-in-a-log" not in out + err and "0123456789abcdef" not in out + err


def test_serve_without_sign_in_on_all_interfaces_only_when_asked_and_warns(tmp_path, capsys, monkeypatch):
    code, out, err = serve_print(tmp_path, capsys, monkeypatch, None, "--address", "0.0.0.0")
    assert code == 0 and "--server.address 0.0.0.0" in out and "without sign-in" in err


def test_serve_refuses_a_redirect_uri_that_misses_the_base_path(tmp_path, capsys, monkeypatch):
    code, out, err = serve_print(tmp_path, capsys, monkeypatch, TEAM_SECRETS)
    assert code == 2 and out == ""
    assert err.strip() == ("error: sign-in: [auth] redirect_uri https://dash.shop.example/rasl/oauth2callback does not "
                           "match the base path (none): its path should be /oauth2callback (or set --base-path / "
                           "RASL_BASE_PATH)")


def test_serve_refuses_access_without_auth_in_one_line(tmp_path, capsys, monkeypatch):
    code, _, err = serve_print(tmp_path, capsys, monkeypatch, '[access]\neditors = ["maha@shop.example"]\n')
    assert code == 2 and err.count("\n") == 1 and "[access] needs sign-in" in err

"""The emulator over loopback HTTP and its command line (``python -m rasl_data emulator``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from emulator_support import AS_OF, seeded

from rasl_data.emulator import DEMO_TOKEN, EmulatorApp
from rasl_data.emulator.server import serve

ROOT = Path(__file__).resolve().parents[1]


def test_served_over_loopback_http():
    app = EmulatorApp(seeded([AS_OF] * 5), rate_limit_per_minute=60)
    server, thread = serve(app)
    try:
        with httpx.Client(base_url=server.base_url + "/", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}) as http:
            resp = http.get("contacts", params={"per_page": 2})
            assert resp.status_code == 200 and len(resp.json()["data"]) == 2
            assert resp.headers["X-RateLimit-Limit"] == "60"
            app.set_faults("truncated:1")
            with pytest.raises(httpx.RemoteProtocolError):
                http.get("contacts")
    finally:
        server.shutdown()
        server.server_close()


def test_cli_prints_token_and_base_url():
    proc = subprocess.Popen([sys.executable, "-m", "rasl_data", "emulator", "--port", "0", "--contacts", "200",
                             "--rate-limit", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert lines[1].startswith("RASL_BASE_URL=http://127.0.0.1:") and lines[1].rstrip().endswith("/api/v2")
    assert lines[2].strip() == f"RASL_API_TOKEN={DEMO_TOKEN}"


@pytest.mark.parametrize("argv,message", [
    (["--as-of", "garbage"], "argument --as-of: 'garbage' is not an ISO-8601 date or time"),
    (["--as-of", "9999-12-31"], "argument --as-of: 9999-12-31 is out of range"),
    (["--contacts", "-5"], "argument --contacts: -5 is out of range: --contacts must be from 0 to 5,000,000"),
    (["--port", "99999"], "argument --port: 99999 is out of range: --port must be from 0 to 65,535"),
    (["--port", "-1"], "argument --port: -1 is out of range"),
    (["--rate-limit", "-1"], "argument --rate-limit: -1 is out of range"),
    (["--latency-ms", "-5"], "argument --latency-ms: -5 is out of range"),
    (["--latency-ms", "nan"], "argument --latency-ms: nan is out of range"),
    (["--faults", "429:1e400"], "--faults: fault '429' needs a number from 0 to 1,000,000, got '1e400'"),
    (["--faults", "429:nan"], "--faults: fault '429' needs a number from 0 to 1,000,000, got 'nan'"),
])
def test_emulator_cli_bad_argument_is_one_line_exit_2_not_a_traceback(argv, message, capsys):
    from rasl_data import cli

    assert cli.main(["emulator", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert message in captured.err and "Traceback" not in captured.err and captured.out == ""

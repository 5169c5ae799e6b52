"""The sync command stays lean: it imports what it needs and no more (no pandas, pyarrow,
numpy, plotly or streamlit), checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "pyarrow", "numpy", "plotly", "streamlit")

PROBE = """
import json, sys
from rasl_data import cli
parser = cli.build_parser(only="sync")
args = parser.parse_args(["sync", "--quiet"])
from rasl_data import settings
from rasl_data.api import client
from rasl_data.cache import workspace, sync, store# what cmd_sync touches
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)))
""" % (HEAVY,)


def test_sync_path_imports_no_pandas_pyarrow_numpy_plotly_or_streamlit():
    """Regression: about 126 MB of the sync's 237 MB peak was importing pandas, pyarrow and numpy
    before the first request."""
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_importtime_of_a_real_sync_run_lists_no_heavy_module(tmp_path):
    import os
    import socket

    with socket.socket() as sock:  # a port nobody listens on: the run fails after its imports
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASL_")}
    env.update(RASL_API_TOKEN="wm_" + "t" * 60, RASL_BASE_URL=f"http://127.0.0.1:{port}/api/v2",
               RASL_CACHE_PATH=str(tmp_path / "c.duckdb"), RASL_SECRETS_PATH=str(tmp_path / "none.toml"))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "rasl_data", "sync", "--quiet"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "error:" in done.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert {"duckdb", "httpx", "rasl_data"} <= imported  # what a sync does need
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


def test_other_commands_still_import_what_they_need():
    done = subprocess.run([sys.executable, "-m", "rasl_data", "export", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "acquisition" in done.stdout

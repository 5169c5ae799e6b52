"""Container health check: ``GET http://127.0.0.1:$RASL_PORT/$RASL_BASE_PATH/_stcore/health`` answers ``ok``.

Exit 0 when healthy, 1 otherwise (Docker's HEALTHCHECK contract). Standard library only.
"""

import os
import sys
import urllib.request

port = os.environ.get("RASL_PORT") or "8501"
base = (os.environ.get("RASL_BASE_PATH") or "").strip("/")
url = f"http://127.0.0.1:{port}/{base + '/' if base else ''}_stcore/health"
try:
    with urllib.request.urlopen(url, timeout=4) as response:
        sys.exit(0 if response.status == 200 and response.read().strip() == b"ok" else 1)
except OSError:
    sys.exit(1)

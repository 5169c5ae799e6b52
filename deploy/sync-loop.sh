#!/usr/bin/env sh
# The scheduled sync of compose.yaml: an incremental sync every RASL_SYNC_EVERY seconds (default
# 3600). A failed sync prints one line (never the token) and the loop carries on; the cache keeps
# the last good data. Safe next to the dashboard: the cache has one writer at a time.
set -u
every=${RASL_SYNC_EVERY:-3600}
while :; do
  python -m rasl_data sync --quiet || echo "sync failed; retrying in ${every}s" >&2
  sleep "$every"
done

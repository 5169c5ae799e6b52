#!/usr/bin/env sh
# The alerts of compose.yaml: `alerts --send` every RASL_ALERTS_EVERY seconds (default 3600), right
# after the sync service's hourly sync has refreshed the cache. Each alert goes to each recipient
# once; a quiet run sends nothing. Never prints the token or the SMTP password.
set -u
every=${RASL_ALERTS_EVERY:-3600}
while :; do
  python -m rasl_data alerts --send || echo "alerts: not every recipient got them; trying again in ${every}s" >&2
  sleep "$every"
done

#!/usr/bin/env sh
# The weekly review of compose.yaml: `report weekly --send` every RASL_WEEKLY_DAY (default monday)
# from RASL_WEEKLY_HOUR (default 8) o'clock in the business's time zone (RASL_TIMEZONE, from the
# environment or the secrets file). It looks every RASL_WEEKLY_CHECK_EVERY seconds (default 3600):
# a week already sent sends nothing (cache table `deliveries`), so the later checks of that day
# only try again the recipients a run could not reach. Never prints the token or the SMTP password.
set -u
every=${RASL_WEEKLY_CHECK_EVERY:-3600}
while :; do
  if python -m rasl_data.cli.deliver weekly-due; then
    python -m rasl_data report weekly --send || echo "weekly review: not every recipient got it; trying again in ${every}s" >&2
  fi
  sleep "$every"
done

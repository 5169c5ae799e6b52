"""Schema of the tables the user fills in the dashboard (spend, targets, workspace settings).

Kept apart from ``spend``, ``targets`` and ``conversion_definition`` so ``store`` (and with it the
lean sync command) creates these tables without importing pandas or numpy. A sync never writes
them; see those modules (and README "Cache tables") for their columns.
"""

WORKSPACE_SETTINGS = """
CREATE TABLE IF NOT EXISTS workspace_settings (
    key VARCHAR PRIMARY KEY, value VARCHAR, updated_at TIMESTAMPTZ, updated_by VARCHAR);
"""

SPEND = """
CREATE TABLE IF NOT EXISTS spend (
    id BIGINT PRIMARY KEY, start DATE NOT NULL, "end" DATE NOT NULL, level VARCHAR NOT NULL,
    name VARCHAR NOT NULL, amount DOUBLE NOT NULL, source_id BIGINT,
    entered_at TIMESTAMPTZ, entered_by VARCHAR);
"""

TARGETS = """
CREATE TABLE IF NOT EXISTS targets (
    month DATE NOT NULL, channel VARCHAR NOT NULL, new_contacts DOUBLE, customers DOUBLE,
    cost_per_lead DOUBLE, PRIMARY KEY (month, channel));
"""

SCHEMA = WORKSPACE_SETTINGS + SPEND + TARGETS
TABLES = ("workspace_settings", "spend", "targets")

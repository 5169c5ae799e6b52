"""Attribution analytics for RASL: API client, emulator, DuckDB cache, analytics and exports."""

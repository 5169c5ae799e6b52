"""What leaves the dashboard: CSV/XLSX table files (``exports``), the weekly review pack
(``weekly_pack``), e-mail (``mail``) and the delivery of the review and alerts (``delivery``).

Public names are re-exported here lazily (importing one module does not import the others).
"""

from __future__ import annotations

from rasl_data._lazy import lazy_exports

_PUBLIC = {
    "to_csv_bytes": "exports",
    "to_xlsx_bytes": "exports",
    "table_bytes": "exports",
    "write_table": "exports",
    "dated_file_name": "exports",
    "build_weekly_pack": "weekly_pack",
    "pack_zip_name": "weekly_pack",
    "Mailer": "mail",
    "MailError": "mail",
    "SmtpConfig": "mail",
    "DeliveryBusyError": "delivery",
    "deliver": "delivery",
    "send_test": "delivery",
}

__all__ = sorted(_PUBLIC)

__getattr__ = lazy_exports(__name__, _PUBLIC)

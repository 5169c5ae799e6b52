"""Emulated ``/account``, ``/account/usage`` and ``/account/limits`` routes.

Each factory takes the :class:`~rasl_data.emulator.app.EmulatorApp` and returns ``handler(Req) -> Response``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import httpx

from .vocab import iso

if TYPE_CHECKING:
    from .app import EmulatorApp, Req


class AccountRoutes:
    """Handlers of the account resource."""

    @staticmethod
    def account_info(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            a = app.tenant.account
            return app.ok({"id": a["id"], "name": a["name"], "subdomain": a["subdomain"], "status": a["status"],
                           "created_at": iso(a["created_at"]),
                           "subscription": {"plan_name": a["plan_name"], "plan_id": a["plan_id"],
                                            "status": a["plan_status"], "expires_at": iso(a["plan_expires_at"])}},
                          "Account information retrieved successfully")
        return h

    @staticmethod
    def account_usage(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant
            a = t.account

            def line(current: int, limit: int | None) -> dict:
                if limit is None:
                    return {"current": current, "limit": -1, "remaining": None, "percentage_used": 0,
                            "is_unlimited": True}
                return {"current": current, "limit": limit, "remaining": max(0, limit - current),
                        "percentage_used": round(100.0 * current / limit, 2) if limit else 0, "is_unlimited": False}

            return app.ok({"contacts": line(t.n_contacts, t.max_contacts), "conversations": line(a["conversations"], None),
                           "campaigns": line(a["campaigns"], 5), "staff": line(a["staff"], 10)},
                          "Usage statistics retrieved successfully")
        return h

    @staticmethod
    def account_limits(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant

            def lim(limit: int | None, name: str) -> dict:
                return {"limit": -1 if limit is None else limit, "feature_name": name, "is_unlimited": limit is None}

            api = req.token.rate_limit_per_minute or app.rate_limit_per_minute or 60
            return app.ok({"limits": {"contacts": lim(t.max_contacts, "Total Contacts"),
                                      "conversations": lim(None, "Conversations per Month"),
                                      "campaigns": lim(5, "Active Campaigns"), "staff": lim(10, "Team Members"),
                                      "api_calls_per_minute": {"limit": api, "feature_name": "API Calls per Minute",
                                                               "is_unlimited": False}},
                           "features": {"whatsapp_templates": True, "bulk_messaging": True, "chatbot": True,
                                        "advanced_analytics": True, "api_access": True, "custom_branding": False}},
                          "Plan limits retrieved successfully")
        return h

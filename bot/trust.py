"""Whom the bot trusts: where it may listen and send, who a user is, and which tenants it serves.

* **Loopback only without authentication.** Without ``MicrosoftAppId`` nothing is
  authenticated, so the bot listens only on loopback (``bot/settings.py`` refuses any other
  ``HOST`` unless ``ALLOW_UNAUTHENTICATED=true``), answers only activities whose ``serviceUrl``
  is on loopback (``bot/app.py``), and never creates a connector for, or sends a proactive
  message to, any other address (``bot/adapter.py``, ``bot/messenger.py``). A loopback host is
  ``localhost`` or a literal address in ``127.0.0.0/8`` or ``::1``; no name is resolved.
* **Identity only from Teams.** A user is their Entra ID object id (``from.aadObjectId``) in
  an ``msteams`` activity: never ``from.id``, which is a channel-specific id anybody sending
  an activity can choose.
* **Tenant boundary.** With allowed tenants configured, an activity is served only if every
  tenant id it carries (``conversation.tenantId``, ``channelData.tenant.id``) is allowed, and
  it carries at least one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from botbuilder.schema import Activity
from yarl import URL

TEAMS_CHANNEL = "msteams"
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and literal loopback addresses (``127.0.0.0/8``, ``::1``)."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: object) -> bool:
    """True if ``url`` is an http(s) URL whose host is a loopback host."""
    if not isinstance(url, str):
        return False
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return False
    return parsed.scheme in ("http", "https") and is_loopback_host(parsed.raw_host or "")


def teams_user_id(activity: Activity) -> str:
    """The sender's Entra ID object id if ``activity`` is a Teams activity that has one, else
    ``""``. ``from.id`` never counts: it identifies nobody."""
    if activity.channel_id != TEAMS_CHANNEL or activity.from_property is None:
        return ""
    value = getattr(activity.from_property, "aad_object_id", None)
    return value.strip() if isinstance(value, str) else ""


def tenants_of(activity: Activity) -> set[str]:
    """Every tenant id the activity carries (conversation and channel data), lower case;
    possibly none."""
    found: set[str] = set()
    tenant = getattr(activity.conversation, "tenant_id", None)
    if isinstance(tenant, str) and tenant.strip():
        found.add(tenant.strip().lower())
    channel_data: Any = activity.channel_data
    if hasattr(channel_data, "serialize"):  # a TeamsChannelData object rather than a dict
        channel_data = channel_data.serialize()
    if isinstance(channel_data, dict):
        teams_tenant = channel_data.get("tenant")
        tenant = teams_tenant.get("id") if isinstance(teams_tenant, dict) else None
        if isinstance(tenant, str) and tenant.strip():
            found.add(tenant.strip().lower())
    return found


class TenantBoundary:
    """Which tenants the bot serves (tenant ids compare without case); empty means any, which
    ``Settings.warnings`` reports for a multi-tenant app."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = frozenset(tenant.strip().lower() for tenant in allowed if tenant.strip())

    @property
    def open(self) -> bool:
        """True if every tenant is served."""
        return not self.allowed

    def admits(self, activity: Activity) -> bool:
        """True if the activity may be served: no boundary, or every tenant it names is
        allowed and it names at least one."""
        if self.open:
            return True
        tenants = tenants_of(activity)
        return bool(tenants) and tenants <= self.allowed

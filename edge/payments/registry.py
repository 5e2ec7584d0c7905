"""The store's gateways, built once from config (which are enabled, their base URLs) and the secrets file
(keys and webhook secrets), and which gateway serves each method and flow."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edge.payments.base import Gateway, GatewayRefused, Reachability
from edge.payments.offline import cash_gateway, terminal_gateway
from edge.payments.razorpay import RazorpayGateway
from edge.payments.stripe import StripeGateway

log = logging.getLogger(__name__)
REQUIRED_SECRETS = {"stripe": ("stripe_secret_key", "stripe_webhook_secret"),
                    "razorpay": ("razorpay_key_id", "razorpay_key_secret", "razorpay_webhook_secret")}
# flow → gateway name, and each method's flows (the first is the default).
FLOW_GATEWAY = {
    "counter": "cash", "external_terminal": "terminal", "card_present": "stripe", "online": "stripe",
    "upi_qr": "razorpay", "upi_collect": "razorpay", "checkout": "razorpay",
}
METHOD_FLOWS = {
    "cash": ("counter",),
    "card": ("card_present", "online", "external_terminal", "checkout"),
    "upi": ("upi_qr", "upi_collect", "checkout"),
    "wallet": ("checkout",),
    "bank_transfer": ("checkout",),
}
ALL_FLOWS = tuple(FLOW_GATEWAY)


@dataclass(frozen=True)
class Route:
    """Which gateway takes a method by a flow."""

    method: str
    flow: str
    gateway: Gateway


class Gateways:
    """The enabled gateways by name; cash and the external terminal are always there."""

    def __init__(self, gateways: Mapping[str, Gateway], simulator: Any = None) -> None:
        self.by_name: dict[str, Gateway] = {"cash": cash_gateway(), "terminal": terminal_gateway(), **gateways}
        self.simulator = simulator  # demo mode: the GatewaySimulator the gateways talk to

    def get(self, name: str) -> Gateway | None:
        """A gateway by name, None when not enabled."""
        return self.by_name.get(name)

    def online(self) -> list[Gateway]:
        """The gateways that need the internet."""
        return [gateway for gateway in self.by_name.values() if gateway.needs_internet]

    def route(self, method: str, flow: str | None) -> Route:
        """The gateway for a method and flow (the method's first enabled flow when none is given)."""
        flows = METHOD_FLOWS.get(method)
        if flows is None:
            raise GatewayRefused(f"{method!r} cannot be taken through a gateway", "unknown_method")
        if flow is None:
            flow = next((f for f in flows if FLOW_GATEWAY[f] in self.by_name), flows[0])
        if flow not in flows:
            raise GatewayRefused(f"{method} is not taken by {flow!r} (choose {', '.join(flows)})", "unknown_flow")
        gateway = self.by_name.get(FLOW_GATEWAY[flow])
        if gateway is None:
            raise GatewayRefused(f"{FLOW_GATEWAY[flow]} is not enabled on this till, so {method} by {flow} is not "
                                 "offered", "gateway_disabled")
        return Route(method, flow, gateway)

    def methods(self) -> list[dict[str, Any]]:
        """Every method and flow the till offers, with whether it works right now."""
        offered = []
        for method, flows in METHOD_FLOWS.items():
            for flow in flows:
                gateway = self.by_name.get(FLOW_GATEWAY[flow])
                if gateway is None:
                    continue
                reach = gateway.reachability
                offered.append({"method": method, "flow": flow, "gateway": gateway.name,
                                "needs_internet": gateway.needs_internet, "available": reach.available,
                                "reason": "" if reach.available else
                                f"{gateway.name} is unreachable ({reach.last_error}); take cash or use the "
                                "external terminal"})
        return offered

    def status(self) -> list[dict[str, Any]]:
        """Reachability of every online gateway."""
        return [gateway.reachability.snapshot() for gateway in self.online()]


def build_gateways(config: Any, credentials: Mapping[str, str],
                   on_change: Callable[[str, dict[str, Any]], None] | None = None,
                   base_urls: Mapping[str, str] | None = None) -> Gateways:
    """The gateways config enables, with credentials from the secrets file; ``base_urls`` overrides the
    configured ones (demo mode points them at the simulator)."""
    urls = dict(base_urls or {})
    timeout = float(config.get("payments.timeout_seconds"))
    gateways: dict[str, Gateway] = {}
    if config.get("payments.stripe_enabled") or "stripe" in urls:
        gateways["stripe"] = StripeGateway(
            credentials.get("stripe_secret_key", ""), credentials.get("stripe_webhook_secret", ""),
            Reachability("stripe", on_change=on_change),
            base_url=urls.get("stripe") or config.get("payments.stripe_base_url"), timeout_s=timeout,
            terminal_reader=config.get("payments.stripe_terminal_reader"),
        )
    if config.get("payments.razorpay_enabled") or "razorpay" in urls:
        gateways["razorpay"] = RazorpayGateway(
            credentials.get("razorpay_key_id", ""), credentials.get("razorpay_key_secret", ""),
            credentials.get("razorpay_webhook_secret", ""), Reachability("razorpay", on_change=on_change),
            base_url=urls.get("razorpay") or config.get("payments.razorpay_base_url"), timeout_s=timeout,
        )
    for name in gateways:
        missing = [key for key in REQUIRED_SECRETS[name] if not credentials.get(key)]
        if missing:
            log.warning("%s is enabled but the secrets file has no %s: its calls or webhooks will be refused",
                        name, ", ".join(missing))
    return Gateways(gateways)

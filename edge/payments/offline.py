"""The methods that need no internet behind the same interface: cash in the drawer, and a card taken on a
standalone terminal whose slip reference the cashier types. Both succeed at once and always work."""

from __future__ import annotations

from collections.abc import Mapping

from edge.domain.gateway import GatewayState
from edge.payments.base import GatewayPayment, GatewayRefused, PaymentRequest, Reachability, WebhookEvent


class OfflineGateway:
    """Money the till takes itself: nothing to call, nothing to wait for."""

    needs_internet = False
    flows: tuple[str, ...] = ("counter",)

    def __init__(self, name: str, methods: frozenset[str], needs_reference: bool) -> None:
        self.name = name
        self.methods = methods
        self.needs_reference = needs_reference
        self.reachability = Reachability(name, needs_internet=False)

    def create(self, request: PaymentRequest) -> GatewayPayment:
        """Taken as soon as it is asked for; an external terminal's slip reference is required."""
        reference = request.reference.strip()
        if self.needs_reference and not reference:
            raise GatewayRefused("type the reference printed on the terminal's slip", "reference_required")
        return GatewayPayment(ref=request.idempotency_key, state=GatewayState.SUCCEEDED, status="taken",
                              amount_paise=request.amount_paise, transaction_id=reference)

    def capture(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Nothing to capture."""
        return payment

    def cancel(self, payment: GatewayPayment, key: str) -> GatewayPayment:
        """Money in hand is given back as a refund, not cancelled."""
        return payment

    def refund(self, payment: GatewayPayment, amount_paise: int, key: str) -> GatewayPayment:
        """Handed back over the counter (or on the terminal): the till records it."""
        total = payment.refunded_paise + amount_paise
        state = GatewayState.REFUNDED if total >= payment.amount_paise else payment.state
        return GatewayPayment(ref=payment.ref, state=state, status="refunded", amount_paise=payment.amount_paise,
                              transaction_id=payment.transaction_id, refunded_paise=total)

    def fetch(self, ref: str) -> GatewayPayment:
        """Never pending, so never fetched."""
        raise GatewayRefused(f"{self.name} payments are never pending", "not_pending")

    def probe(self) -> None:
        """Always reachable."""

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str], now: float) -> WebhookEvent:
        """No webhooks."""
        raise GatewayRefused(f"{self.name} sends no webhooks", "no_webhooks")


def cash_gateway() -> OfflineGateway:
    """Cash at the counter."""
    return OfflineGateway("cash", frozenset({"cash"}), needs_reference=False)


def terminal_gateway() -> OfflineGateway:
    """A card on the store's standalone terminal, with the slip's reference typed in."""
    return OfflineGateway("terminal", frozenset({"card"}), needs_reference=True)

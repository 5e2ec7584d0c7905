"""Several tills and two kiosks on one till at once: no duplicate or skipped invoice number, no payment
counted twice — on SQLite and on MariaDB."""

from __future__ import annotations

import threading
from collections import Counter as Tally

import pytest

from edge.domain.series import parse_number
from edge.services.carts import open_cart, scan, view_cart
from edge.services.checkout import checkout, pay
from edge.services.context import ServiceContext
from edge.services.demo_data import demo_products
from edge.services.errors import Conflict, InvalidInput
from edge.services.setup import seed_demo
from edge.store.models import Invoice, Payment, User

BARCODE = next(p.units[0].barcode for p in demo_products() if p.base_unit == "piece" and p.units[0].barcode
               and p.units[0].sellable)
SALES_PER_CASHIER = 6


def run_threads(work: list[threading.Thread]) -> None:
    """Start all, wait for all."""
    for thread in work:
        thread.start()
    for thread in work:
        thread.join(timeout=120)
        assert not thread.is_alive()


def test_four_cashiers_on_two_tills_get_consecutive_numbers(backend_ctx: ServiceContext) -> None:
    seed_demo(backend_ctx)
    cashiers = [User.create(username=f"till{i}", display_name=f"Till {i}", role="cashier", password_hash="x")
                for i in range(4)]
    errors: list[BaseException] = []

    def sell(user: User, till: str) -> None:
        try:
            for _ in range(SALES_PER_CASHIER):
                cart = open_cart(backend_ctx, user, till)
                document = scan(backend_ctx, user, str(cart.uuid), str(BARCODE))
                checkout(backend_ctx, user, document["id"],
                         [{"method": "cash", "amount_paise": document["total_paise"]}])
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            backend_ctx.db.close()

    run_threads([threading.Thread(target=sell, args=(user, "T1" if i % 2 else "T2"))
                 for i, user in enumerate(cashiers)])
    assert errors == []
    numbers = [parse_number(number) for (number,) in Invoice.select(Invoice.number).tuples()]
    for till in ("T1", "T2"):
        taken = sorted(n for prefix, _, n in numbers if prefix == till)
        assert taken == list(range(1, 2 * SALES_PER_CASHIER + 1)), f"{till}: {taken}"
    assert Payment.select().count() == 4 * SALES_PER_CASHIER


def test_two_kiosks_paying_the_same_invoice_at_once_count_it_once(backend_ctx: ServiceContext) -> None:
    seed_demo(backend_ctx)
    cashier = User.get(User.username == "cashier")
    cart = open_cart(backend_ctx, cashier, "T1")
    document = scan(backend_ctx, cashier, str(cart.uuid), str(BARCODE))
    summary = checkout(backend_ctx, cashier, document["id"], [])
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def pay_in_full() -> None:
        try:
            start.wait()
            pay(backend_ctx, cashier, summary["id"], "card", summary["total_paise"], reference="TID-1")
            outcomes.append("paid")
        except (InvalidInput, Conflict) as exc:
            outcomes.append(exc.code)
        finally:
            backend_ctx.db.close()

    run_threads([threading.Thread(target=pay_in_full) for _ in range(2)])
    assert Tally(outcomes)["paid"] == 1 and len(outcomes) == 2
    assert Payment.select().where(Payment.invoice == Invoice.get(Invoice.number == summary["number"])).count() == 1


@pytest.mark.parametrize("kiosks", [2])
def test_two_kiosks_scanning_into_one_cart_lose_no_scan(backend_ctx: ServiceContext, kiosks: int) -> None:
    seed_demo(backend_ctx)
    cashier = User.get(User.username == "cashier")
    cart = open_cart(backend_ctx, cashier, "T1")
    errors: list[BaseException] = []

    def scan_many() -> None:
        try:
            for _ in range(10):
                scan(backend_ctx, cashier, str(cart.uuid), str(BARCODE))
        except BaseException as exc:
            errors.append(exc)
        finally:
            backend_ctx.db.close()

    run_threads([threading.Thread(target=scan_many) for _ in range(kiosks)])
    assert errors == []
    assert [line["quantity_milli"] for line in view_cart(backend_ctx, cashier, str(cart.uuid))["lines"]] == [20_000]


def test_two_kiosks_checking_out_one_cart_issue_one_invoice(backend_ctx: ServiceContext) -> None:
    seed_demo(backend_ctx)
    cashier = User.get(User.username == "cashier")
    cart = open_cart(backend_ctx, cashier, "T1")
    scan(backend_ctx, cashier, str(cart.uuid), str(BARCODE))
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def check_out() -> None:
        try:
            start.wait()
            checkout(backend_ctx, cashier, str(cart.uuid), [])
            outcomes.append("issued")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            backend_ctx.db.close()

    run_threads([threading.Thread(target=check_out) for _ in range(2)])
    assert sorted(outcomes) == ["cart_closed", "issued"]
    assert Invoice.select().count() == 1

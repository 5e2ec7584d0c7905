"""The bill (invoice) discount a cashier sets on the cart: within the role's limit it lowers the total and
shows as the cart's bill discount; beyond it the API refuses with the limit's message."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.integration.test_sale import PIECE_ITEM, cart_of, post


def test_bill_discount_within_the_cashiers_limit_lowers_the_total_and_beyond_it_is_refused(
    login: Callable[[str], FlaskClient],
) -> None:
    cashier = login("cashier")
    cart = post(cashier, f"/api/v1/carts/{cart_of(cashier)['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    cart = post(cashier, f"/api/v1/carts/{cart['id']}/scan", {"code": PIECE_ITEM.units[0].barcode})
    assert cart["bill_discount_paise"] == 0
    before = cart["total_paise"]

    allowed = cart["subtotal_paise"] * 5 // 100  # the demo cashier may give up to 5 %
    answer = cashier.patch(f"/api/v1/carts/{cart['id']}", json={"discount_paise": allowed, "version": cart["version"]})
    assert answer.status_code == 200, answer.get_json()
    cart = answer.get_json()
    assert cart["bill_discount_paise"] == allowed
    assert cart["discount_paise"] == allowed  # no line discount: every discount is the bill's
    assert before - allowed - 100 < cart["total_paise"] < before  # less tax on less, rounded to the rupee

    too_much = cashier.patch(f"/api/v1/carts/{cart['id']}", json={"discount_paise": allowed + 100,
                                                                 "version": cart["version"]})
    assert too_much.status_code == 400
    assert too_much.get_json()["error"] == {"code": "discount_limit", "field": "discount_paise",
                                            "message": "a discount above 5 % needs a manager"}
    assert cart_of(cashier)["bill_discount_paise"] == allowed, "the refused discount changed nothing"

    removed = cashier.patch(f"/api/v1/carts/{cart['id']}", json={"discount_paise": 0, "version": cart["version"]})
    assert removed.get_json()["total_paise"] == before

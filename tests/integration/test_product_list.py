"""The back office lists the whole catalog page by page (GET /api/v1/products without q): name order, filters,
the total, next / previous cursors; fast on a big catalog (keyset paging on the name index)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from edge.services import catalog
from edge.services.context import ServiceContext
from edge.store.db import write_transaction
from edge.store.models import Category, Product
from tests.conftest import record_statements

API = "/api/v1/products"
TODAY = date(2026, 11, 24)
NAME_INDEX = re.compile(r"USING (COVERING )?INDEX product_name\b")


def walk(client: FlaskClient, **filters: Any) -> list[dict[str, Any]]:
    """Every page of the list, following next from the first; each page's total and cursors checked."""
    pages = [client.get(API, query_string=filters).get_json()]
    while pages[-1]["next"]:
        pages.append(client.get(API, query_string={**filters, "after": pages[-1]["next"]}).get_json())
    assert pages[0]["prev"] is None
    assert {page["total"] for page in pages} == {sum(len(page["items"]) for page in pages)}
    return pages


def skus(pages: list[dict[str, Any]]) -> list[str]:
    """The SKUs of the pages, in order."""
    return [item["sku"] for page in pages for item in page["items"]]


def test_the_pages_cover_every_product_once_in_name_order(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    pages = walk(manager, limit=25)
    assert [len(page["items"]) for page in pages] == [25] * 9 + [15]
    assert pages[0]["total"] == 240 and pages[0]["limit"] == 25
    listed = skus(pages)
    expected = [sku for (sku,) in Product.select(Product.sku).where(Product.is_active)
                .order_by(Product.name, Product.id).tuples()]
    assert listed == expected and len(set(listed)) == 240
    first = pages[0]["items"][0]
    assert first["is_active"] is True and first["units"] and "prices_paise" in first["units"][0]
    assert set(first) >= {"id", "sku", "name", "category", "hsn_code", "base_unit", "gst_rate_bp", "units"}


def test_previous_walks_back_over_the_same_pages(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    forward = walk(manager, limit=50)
    back = [forward[-1]]
    while back[-1]["prev"]:
        back.append(manager.get(API, query_string={"limit": 50, "before": back[-1]["prev"]}).get_json())
    assert skus(back[::-1]) == skus(forward)
    assert back[-1]["next"] == forward[0]["next"]


def test_filters_by_category_and_archived(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    category = Category.select().order_by(Category.name).first()
    in_category = walk(manager, category=category.name, limit=7)
    expected = {sku for (sku,) in Product.select(Product.sku).where(Product.category == category.id).tuples()}
    assert set(skus(in_category)) == expected and len(skus(in_category)) == len(expected) > 7
    assert {item["category"] for page in in_category for item in page["items"]} == {category.name}

    archived = skus(in_category)[:3]
    for page in in_category:
        for item in page["items"]:
            if item["sku"] in archived:
                assert manager.patch(f"{API}/{item['id']}", json={"is_active": False}).status_code == 200
    assert skus(walk(manager, status="archived")) == sorted(archived, key=lambda sku: Product.get(
        Product.sku == sku).name)
    assert walk(manager)[0]["total"] == 240 - 3
    assert walk(manager, status="all", limit=100)[0]["total"] == 240
    assert set(skus(walk(manager, category=category.name, status="active"))) == expected - set(archived)
    # The till's search still finds only what is on sale.
    name = Product.get(Product.sku == archived[0]).name
    found = manager.get(API, query_string={"q": name}).get_json()["items"]
    assert archived[0] not in [item["sku"] for item in found]


@pytest.mark.parametrize(("query", "field"), [
    ({"limit": "0"}, "limit"), ({"limit": "²"}, "limit"), ({"after": "Zé"}, "after"),
    ({"limit": "101"}, "limit"), ({"limit": "ten"}, "limit"), ({"limit": "-5"}, "limit"),
    ({"after": "not a cursor"}, "after"), ({"after": "WyJ4Il0"}, "after"), ({"before": "e30"}, "before"),
    ({"after": "WyJhIiwxXQ", "before": "WyJhIiwxXQ"}, "before"), ({"before": "x" * 2000}, "before"),
    ({"status": "deleted"}, "status"), ({"category": "No Such Shelf"}, "category"),
    ({"q": "rice", "after": "WyJhIiwxXQ"}, "after"), ({"q": "rice", "status": "all"}, "status"),
])
def test_bad_page_parameters_answer_400_naming_the_parameter(login: Callable[[str], FlaskClient],
                                                            query: dict[str, str], field: str) -> None:
    response = login("manager").get(API, query_string=query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and field in error["message"]


def test_a_cursor_past_the_end_is_an_empty_last_page(login: Callable[[str], FlaskClient]) -> None:
    past = catalog.page_cursor("\uffff", 10**9)
    body = login("cashier").get(API, query_string={"after": past}).get_json()
    assert body["items"] == [] and body["next"] is None and body["total"] == 240


def _add_products(ctx: ServiceContext, names: list[str]) -> None:
    with write_transaction(ctx.db):
        shelf = Category.create(name="Shelf")
        for index, name in enumerate(names):
            Product.create(uuid=uuid.uuid4(), sku=f"S{index:04d}", name=name, category=shelf, hsn_code="1006",
                           base_unit="piece", is_active=index % 4 != 3)


def test_paging_on_each_backend_with_equal_names(backend_ctx: ServiceContext) -> None:
    """Ties on the name are ordered by row ID, so a page boundary inside a run of equal names loses nothing."""
    _add_products(backend_ctx, [f"Rice {index % 5}" for index in range(37)] + ["apple", "Zucchini", "éclair"])
    for status in ("active", "archived", "all"):
        expected = [sku for (sku,) in Product.select(Product.sku).where(
            True if status == "all" else Product.is_active == (status == "active"))
            .order_by(Product.name, Product.id).tuples()]
        seen: list[str] = []
        page = catalog.list_products(backend_ctx.db, TODAY, status=status, limit=4)
        seen += [item["sku"] for item in page["items"]]
        while page["next"]:
            page = catalog.list_products(backend_ctx.db, TODAY, status=status, limit=4, after=page["next"])
            seen += [item["sku"] for item in page["items"]]
        assert seen == expected and page["total"] == len(expected)
        back: list[str] = [item["sku"] for item in page["items"]]
        while page["prev"]:
            page = catalog.list_products(backend_ctx.db, TODAY, status=status, limit=4, before=page["prev"])
            back = [item["sku"] for item in page["items"]] + back
        assert back == expected


def _plans(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, run: Callable[[], object]) -> list[str]:
    """SQLite's plan of every statement on the product table that ``run`` makes, as one line each."""
    seen = record_statements(ctx, monkeypatch)
    run()
    monkeypatch.undo()
    plans = []
    for sql, params in seen:
        if re.search(r'FROM "product" AS', sql) and "COUNT(" not in sql:
            steps = [str(row[3]) for row in ctx.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
            plans.append(" | ".join(steps))
    return plans


def test_every_page_is_read_from_the_name_index(demo_ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last page costs what the first does: a range of the name index, no sort, no OFFSET."""
    def pages() -> None:
        for status in ("active", "all", "archived"):
            page = catalog.list_products(demo_ctx.db, TODAY, status=status, limit=20)
            page = catalog.list_products(demo_ctx.db, TODAY, status=status, limit=20, after=page["next"])
            catalog.list_products(demo_ctx.db, TODAY, status=status, limit=20, before=page["prev"])

    plans = _plans(demo_ctx, monkeypatch, pages)
    assert len(plans) >= 9
    for plan in plans:
        assert NAME_INDEX.search(plan) and "TEMP B-TREE" not in plan, plan
    assert any(re.search(r"SEARCH t1 USING (COVERING )?INDEX product_name \(name>\?\)", plan) for plan in plans)
    assert any(re.search(r"SEARCH t1 USING (COVERING )?INDEX product_name \(name<\?\)", plan) for plan in plans)

    shelf = Category.select().first().name
    category_plans = _plans(demo_ctx, monkeypatch, lambda: catalog.list_products(
        demo_ctx.db, TODAY, category=shelf, limit=5))
    assert category_plans and all(re.search(r"USING (COVERING )?INDEX product_(category_id|name)", plan)
                                  for plan in category_plans)


def test_the_category_filter_offers_every_category_with_its_count(login: Callable[[str], FlaskClient]) -> None:
    items = login("cashier").get(f"{API}/categories").get_json()["items"]
    assert [item["name"] for item in items] == sorted(item["name"] for item in items)
    assert sum(item["products"] for item in items) == Product.select().where(Product.category.is_null(False)).count()
    assert all(item["products"] == walk(login("manager"), category=item["name"], status="all", limit=100)[0]["total"]
               for item in items[:3])

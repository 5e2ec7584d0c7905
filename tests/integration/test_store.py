"""The store on SQLite and on a real MariaDB: schema, durability settings, migrations, round trips."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path

import peewee
import pytest

from edge.security.secrets import ensure_secrets
from edge.services.context import ServiceContext
from edge.services.setup import ensure_store
from edge.store.db import is_sqlite, write_transaction
from edge.store.migrate import MigrationError, available, current_version, head, migrate
from edge.store.models import (
    ALL_MODELS,
    Category,
    Outbox,
    Product,
    ProductBarcode,
    ProductUnit,
    RateTier,
    Store,
    User,
)
from edge.store.outbox import enqueue
from tests.conftest import FakeClock, make_config, make_context


def add_product(name: str, sku: str, barcode: str) -> Product:
    """A product with a piece unit and a barcode."""
    category, _ = Category.get_or_create(name="Staples")
    product = Product.create(sku=sku, name=name, category=category, hsn_code="1006", base_unit="piece")
    unit = ProductUnit.create(product=product, kind="piece", name="piece", factor_milli=1000)
    ProductBarcode.create(code=barcode, product=product, unit=unit)
    return product


def test_migrated_store_has_every_table_with_the_models_columns(backend_ctx: ServiceContext) -> None:
    db = backend_ctx.db
    assert current_version(db) == head()
    tables = set(db.get_tables())
    for model in ALL_MODELS:
        table = model._meta.table_name
        assert table in tables, f"{table} missing after migrations"
        columns = {column.name for column in db.get_columns(table)}
        expected = {field.column_name for field in model._meta.sorted_fields}
        assert columns == expected, f"{table}: migrations give {sorted(columns ^ expected)} different from models"


def test_sqlite_store_is_durable_and_checks_foreign_keys(demo_ctx: ServiceContext) -> None:
    db = demo_ctx.db
    assert is_sqlite(db)
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_a_line_pointing_at_a_missing_product_is_refused(backend_ctx: ServiceContext) -> None:
    product = add_product("Sona Masoori Rice", "SKU1", "8901234567894")
    with pytest.raises(peewee.IntegrityError):
        ProductUnit.create(product=product.id + 999, kind="piece", name="x", factor_milli=1000)


def test_names_money_and_times_round_trip_exactly(backend_ctx: ServiceContext) -> None:
    moment = datetime(2026, 3, 31, 23, 59, 59, 123456)
    product = add_product("बासमती चावल — Basmati 5 kg", "SKU2", "8901234567801")
    Product.update(created_at=moment).where(Product.id == product.id).execute()
    tier = RateTier.get(RateTier.code == "counter")
    from edge.store.models import ProductPrice

    unit = ProductUnit.get(ProductUnit.product == product)
    ProductPrice.create(product=product, unit=unit, tier=tier, price_paise=9_999_999_999_99,
                        effective_from=date(2026, 4, 1))
    again = Product.get(Product.sku == "SKU2")
    assert again.name == "बासमती चावल — Basmati 5 kg"
    assert again.created_at == moment
    assert ProductPrice.get(ProductPrice.unit == unit).price_paise == 9_999_999_999_99
    assert isinstance(again.uuid, uuid.UUID)


def test_duplicate_barcode_is_refused(backend_ctx: ServiceContext) -> None:
    add_product("Toor Dal", "SKU3", "8901234567900")
    with pytest.raises(peewee.IntegrityError):
        add_product("Moong Dal", "SKU4", "8901234567900")


def test_outbox_sequence_is_gap_free_and_survives_a_rolled_back_sale(backend_ctx: ServiceContext) -> None:
    db = backend_ctx.db
    with write_transaction(db):
        enqueue("product.changed", uuid.uuid4(), {"n": 1})
    with pytest.raises(RuntimeError), write_transaction(db):
        enqueue("product.changed", uuid.uuid4(), {"n": 2})
        raise RuntimeError("sale failed after the outbox row")
    with write_transaction(db):
        enqueue("product.changed", uuid.uuid4(), {"n": 3})
    rows = list(Outbox.select().order_by(Outbox.seq))
    assert [row.seq for row in rows] == [1, 2]
    assert [row.payload for row in rows] == ['{"n":1}', '{"n":3}']


def test_store_row_comes_from_config_once(backend_ctx: ServiceContext) -> None:
    ensure_store(backend_ctx)
    assert Store.select().count() == 1
    assert Store.get().code == "S001"
    assert sorted(t.code for t in RateTier.select()) == ["counter", "customer", "wholesale"]


def test_migration_from_first_version_keeps_rows(store_url: str, tmp_path: Path, clock: FakeClock) -> None:
    ctx = make_context(make_config(tmp_path / "data", store_url), clock)
    first = available()[0].version
    migrate(ctx.db, target=first)
    assert current_version(ctx.db) == first
    ensure_store(ctx)
    add_product("Aashirvaad Atta 5 kg", "SKU9", "8901725133979")
    User.create(username="owner", display_name="Owner", role="admin", password_hash="x")
    applied = migrate(ctx.db)
    assert [m.version for m in applied] == [m.version for m in available()[1:]]
    assert current_version(ctx.db) == head()
    assert Product.get(Product.sku == "SKU9").name == "Aashirvaad Atta 5 kg"
    assert ProductBarcode.get(ProductBarcode.code == "8901725133979").product.sku == "SKU9"
    assert User.get(User.username == "owner").role == "admin"
    assert migrate(ctx.db) == []
    ctx.db.close()


def test_store_newer_than_the_software_is_refused(backend_ctx: ServiceContext) -> None:
    db = backend_ctx.db
    db.execute_sql(
        f"INSERT INTO schema_migration (version, name, applied_at) VALUES ({db.param}, {db.param}, {db.param})",
        (head() + 1, "future", "2030-01-01"),
    )
    with pytest.raises(MigrationError, match="newer than this software"):
        migrate(db)


def test_a_migration_numbered_below_an_applied_one_is_refused_by_name(backend_ctx: ServiceContext) -> None:
    """Two branches each added a migration; the store ran the higher one first: the lower one would never
    run, so migrate refuses, naming it, rather than leave the schema without its tables."""
    db = backend_ctx.db
    skipped = available()[-2]
    db.execute_sql(f"DELETE FROM schema_migration WHERE version = {db.param}", (skipped.version,))
    with pytest.raises(MigrationError, match=f"never ran {skipped.version:04d}_{skipped.name}"):
        migrate(db)


def test_secrets_are_reused_not_regenerated(tmp_path: Path) -> None:
    first = ensure_secrets(tmp_path)
    second = ensure_secrets(tmp_path)
    assert first.session_key == second.session_key
    assert first.field_keys == second.field_keys


def test_demo_store_and_catalog_look_ups_work_on_each_backend(backend_ctx: ServiceContext) -> None:
    from edge.services.catalog import lookup_barcode, search_products
    from edge.services.demo_data import demo_products
    from edge.services.setup import seed_demo

    assert seed_demo(backend_ctx) is True
    assert seed_demo(backend_ctx) is False, "second run loads nothing"
    product = next(p for p in demo_products() if any(u.kind == "package" and u.barcode for u in p.units))
    case = next(u for u in product.units if u.kind == "package" and u.barcode)
    view = lookup_barcode(backend_ctx.db, str(case.barcode), date(2026, 11, 24))
    assert (view["sku"], view["scanned_unit"]["name"]) == (product.sku, case.name)
    assert view["gst_rate_bp"] == product.gst[-1].rate_bp
    assert view["scanned_unit"]["prices_paise"] == case.prices_paise
    found = search_products(backend_ctx.db, product.name.split()[0][:4], date(2026, 11, 24), limit=100)
    assert product.sku in [item["sku"] for item in found]

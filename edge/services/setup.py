"""First-run setup: the store row and reference data, and the deterministic demo data set."""

from __future__ import annotations

from datetime import date

from edge.services.catalog import index_product
from edge.services.context import ServiceContext
from edge.services.demo_data import (
    RATE_TIERS,
    demo_bank_details,
    demo_customer_types,
    demo_customers,
    demo_employees,
    demo_products,
    demo_seller_registrations,
    demo_shifts,
    demo_users,
)
from edge.services.sales_data import catalog_changed
from edge.store.db import write_transaction
from edge.store.models import (
    Category,
    Customer,
    CustomerGstin,
    CustomerPrice,
    CustomerType,
    Department,
    Device,
    Employee,
    EmployeeCredential,
    Product,
    ProductBarcode,
    ProductGstRate,
    ProductPrice,
    ProductUnit,
    RateTier,
    SellerRegistration,
    Shift,
    Store,
    Till,
    User,
)

DEMO_TILLS = (("T1", "Counter 1"), ("T2", "Counter 2"))
PRICES_FROM = date(2025, 4, 1)
DEMO_SCALE_CODE_START = 10000  # demo loose goods have scale item codes 10001, 10002, ...


def ensure_store(ctx: ServiceContext) -> Store:
    """The store row from config, and the rate tiers every price list refers to (idempotent)."""
    with write_transaction(ctx.db):
        store = Store.get_or_none()
        if store is None:
            store = Store.create(
                code=ctx.config.get("store.code"), name=ctx.config.get("store.name"),
                state_code=ctx.config.get("store.state_code"), timezone=ctx.config.get("store.timezone"),
            )
        for code, name in RATE_TIERS:
            RateTier.get_or_create(code=code, defaults={"name": name})
    return store


def has_demo_data() -> bool:
    """True once any product or user exists: demo data is loaded on first run only."""
    return Product.select().exists() or User.select().exists()


def seed_demo(ctx: ServiceContext) -> bool:
    """Load the demo store (240 products, 30 customers, 250 employees, one user per role) once."""
    store = ensure_store(ctx)
    if has_demo_data():
        return False
    password_hashes = {user.username: ctx.hasher.hash(user.password) for user in demo_users()}
    with write_transaction(ctx.db):
        catalog_changed()
        tiers = {tier.code: tier for tier in RateTier.select()}
        tills = [Till.create(store=store, code=code, name=name) for code, name in DEMO_TILLS]
        _seed_sellers()
        products = _seed_products(tiers)
        _seed_customers(tiers, products)
        employees = _seed_employees(ctx)
        for user in demo_users():
            User.create(
                username=user.username, display_name=user.display_name, role=user.role,
                password_hash=password_hashes[user.username],
                employee=employees.get(user.employee_code) if user.employee_code else None,
            )
        _seed_simulated_devices(tills)
    return True


def _seed_sellers() -> None:
    for seller in demo_seller_registrations():
        SellerRegistration.create(
            legal_name=seller.legal_name, trade_name=seller.trade_name, gstin=seller.gstin,
            state_code=seller.state_code, address=seller.address,
            valid_from=seller.valid_from, valid_to=seller.valid_to,
        )


def _seed_products(tiers: dict[str, RateTier]) -> dict[str, tuple[Product, ProductUnit]]:
    categories: dict[str, Category] = {}
    base_units: dict[str, tuple[Product, ProductUnit]] = {}
    weighed = 0
    for demo in demo_products():
        category = categories.get(demo.category) or Category.create(name=demo.category)
        categories[demo.category] = category
        scale_code = None
        if demo.base_unit == "kg":  # loose goods get the item code a label-printing scale prints (21.....)
            weighed += 1
            scale_code = f"{DEMO_SCALE_CODE_START + weighed:05d}"
        product = Product.create(
            sku=demo.sku, name=demo.name, category=category, hsn_code=demo.hsn_code, base_unit=demo.base_unit,
            scale_code=scale_code,
        )
        ProductGstRate.insert_many([
            {"product": product.id, "rate_bp": rate.rate_bp, "cess_bp": rate.cess_bp,
             "effective_from": rate.effective_from}
            for rate in demo.gst
        ]).execute()
        codes = []
        for demo_unit in demo.units:
            unit = ProductUnit.create(
                product=product, kind=demo_unit.kind, name=demo_unit.name,
                factor_milli=demo_unit.factor_milli, sellable=demo_unit.sellable,
            )
            if demo_unit.factor_milli == 1000 and demo_unit.kind == demo.base_unit:
                base_units[demo.sku] = (product, unit)
            if demo_unit.barcode:
                ProductBarcode.create(code=demo_unit.barcode, product=product, unit=unit)
                codes.append(demo_unit.barcode)
            for tier_code, price in demo_unit.prices_paise.items():
                ProductPrice.create(
                    product=product, unit=unit, tier=tiers[tier_code], price_paise=price,
                    effective_from=PRICES_FROM,
                )
        index_product(product, codes)
    return base_units


def _seed_customers(tiers: dict[str, RateTier], products: dict[str, tuple[Product, ProductUnit]]) -> None:
    types = {
        demo.code: CustomerType.create(code=demo.code, name=demo.name, default_tier=tiers[demo.default_tier])
        for demo in demo_customer_types()
    }
    for demo in demo_customers():
        customer = Customer.create(
            code=demo.code, name=demo.name, phone=demo.phone, customer_type=types[demo.customer_type],
            rate_tier=tiers[demo.rate_tier], billing_address=demo.address,
            billing_state_code=demo.billing_state_code, shipping_address=demo.address,
            shipping_state_code=demo.shipping_state_code, credit_limit_paise=demo.credit_limit_paise,
        )
        if demo.gstin:
            CustomerGstin.create(
                customer=customer, gstin=demo.gstin, legal_name=demo.legal_name or demo.name,
                valid_from=date(2024, 4, 1),
            )
        for sku, price in demo.special_prices_paise.items():
            product, unit = products[sku]
            CustomerPrice.create(
                customer=customer, product=product, unit=unit, price_paise=price, valid_from=PRICES_FROM
            )


def _seed_employees(ctx: ServiceContext) -> dict[str, Employee]:
    shifts = {
        demo.code: Shift.create(
            code=demo.code, name=demo.name, start_time=demo.start, end_time=demo.end,
            break_minutes=demo.break_minutes, grace_late_minutes=demo.grace_late_minutes,
            grace_early_minutes=demo.grace_early_minutes, checkin_window_minutes=demo.checkin_window_minutes,
        )
        for demo in demo_shifts()
    }
    departments: dict[str, Department] = {}
    employees: dict[str, Employee] = {}
    for demo in demo_employees():
        department = departments.get(demo.department) or Department.create(name=demo.department)
        departments[demo.department] = department
        employee = Employee.create(
            code=demo.code, name=demo.name, department=department, designation=demo.designation,
            default_shift=shifts[demo.shift_code], pay_basis=demo.pay_basis,
            pay_rate_enc=ctx.cipher.encrypt_json(demo.pay_rate_paise, "employee.pay_rate"),
            bank_details_enc=ctx.cipher.encrypt_json(demo_bank_details(demo.code, demo.name), "employee.bank_details"),
            overtime_eligible=demo.overtime_eligible, phone=demo.phone, joined_on=demo.joined_on,
        )
        EmployeeCredential.insert_many([
            {"employee": employee.id, "kind": "badge", "identifier": demo.badge_id},
            {"employee": employee.id, "kind": "fingerprint", "identifier": str(demo.fingerprint_user_id)},
        ]).execute()
        employees[demo.code] = employee
    return employees


def _seed_simulated_devices(tills: list[Till]) -> None:
    for till in tills:
        for kind in ("scanner", "scale", "printer", "drawer"):
            Device.create(
                name=f"{till.code.lower()}-{kind}-sim", kind=kind, till=till, connection="simulator", simulated=True
            )
    Device.create(name="gate-clock-sim", kind="clock", connection="simulator", simulated=True)

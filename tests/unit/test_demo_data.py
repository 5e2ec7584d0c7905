"""The demo data a fresh appliance is seeded with: catalogue, customers, seller, shifts, staff, users."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from stdnum import ean
from stdnum.in_ import gstin

from edge.services.demo_data import (
    RATE_TIERS,
    DemoGstRate,
    DemoProduct,
    DemoUnit,
    demo_customer_types,
    demo_customers,
    demo_employees,
    demo_products,
    demo_seller_registrations,
    demo_shifts,
    demo_users,
)

CURRENT_SLABS = {0, 500, 1800, 4000}
ALL_SLABS = CURRENT_SLABS | {1200, 2800}
TIER_CODES = {code for code, _label in RATE_TIERS}


def _all_units() -> list[tuple[DemoProduct, DemoUnit]]:
    return [(product, unit) for product in demo_products() for unit in product.units]


def _rate_on(history: tuple[DemoGstRate, ...], day: date) -> DemoGstRate:
    return [entry for entry in history if entry.effective_from <= day][-1]


def _product(name: str) -> DemoProduct:
    return next(p for p in demo_products() if p.name == name)


# ------------------------------------------------------------------------------------------ counts


def test_seeded_shop_has_the_documented_number_of_records() -> None:
    assert len(demo_products()) == 240
    assert len(demo_customers()) == 30
    assert len(demo_seller_registrations()) == 2
    assert len(demo_shifts()) == 3
    assert len(demo_employees()) == 250
    assert len(demo_users()) == 5


def test_reseeding_produces_identical_data() -> None:
    assert demo_products() == demo_products()
    assert demo_customer_types() == demo_customer_types()
    assert demo_customers() == demo_customers()
    assert demo_seller_registrations() == demo_seller_registrations()
    assert demo_shifts() == demo_shifts()
    assert demo_employees() == demo_employees()
    assert demo_users() == demo_users()


def test_editing_a_returned_price_does_not_leak_into_the_next_seed() -> None:
    first = demo_products()
    first[0].units[0].prices_paise["counter"] = 1
    assert demo_products()[0].units[0].prices_paise["counter"] != 1


# ------------------------------------------------------------------------------------------ catalogue


def test_products_are_findable_by_unique_sku_and_name() -> None:
    products = demo_products()
    skus = [p.sku for p in products]
    assert len(set(skus)) == len(skus)
    assert skus == [f"SKU{n:05d}" for n in range(1, 241)]
    names = [p.name for p in products]
    assert len(set(names)) == len(names)


def test_catalogue_spans_the_usual_kirana_categories() -> None:
    categories = Counter(p.category for p in demo_products())
    for expected in (
        "Rice & Grains",
        "Dals & Pulses",
        "Spices & Masala",
        "Edible Oils",
        "Biscuits & Snacks",
        "Dairy",
        "Personal Care",
        "Household & Cleaning",
        "Fresh Vegetables",
    ):
        assert categories[expected] >= 5, expected


def test_hsn_codes_are_4_6_or_8_digits() -> None:
    for product in demo_products():
        assert product.hsn_code.isdigit() and len(product.hsn_code) in (4, 6, 8), product


def test_every_scannable_barcode_is_a_valid_indian_ean13() -> None:
    barcodes = [unit.barcode for _p, unit in _all_units() if unit.barcode is not None]
    assert len(barcodes) > 240
    for code in barcodes:
        assert ean.is_valid(code) and len(code) == 13, code
        assert code.startswith("890"), code


def test_scanning_a_barcode_finds_exactly_one_unit() -> None:
    barcodes = [unit.barcode for _p, unit in _all_units() if unit.barcode is not None]
    assert len(set(barcodes)) == len(barcodes)


def test_no_barcode_collides_with_in_store_weight_labels() -> None:
    for _owner, unit in _all_units():
        assert unit.barcode is None or not unit.barcode.startswith("2"), unit


def test_first_unit_is_the_base_unit() -> None:
    for product in demo_products():
        base = product.units[0]
        assert product.base_unit in ("piece", "kg")
        assert base.kind == product.base_unit and base.name == product.base_unit
        assert base.factor_milli == 1000
        assert all(unit.kind == "package" for unit in product.units[1:]), product.name
        assert len({unit.name for unit in product.units}) == len(product.units), product.name


def test_loose_kg_items_are_weighed_not_scanned() -> None:
    loose = [p for p in demo_products() if p.base_unit == "kg"]
    assert len(loose) >= 40
    for product in loose:
        assert product.units[0].barcode is None, product.name
        assert product.units[0].sellable


def test_a_25_kg_bag_holds_25000_grams() -> None:
    rice = _product("Sona Masoori Rice (loose)")
    bag = next(unit for unit in rice.units if unit.name == "25 kg bag")
    assert bag.factor_milli == 25_000
    assert bag.barcode is not None
    for product in demo_products():
        if product.base_unit == "kg":
            for unit in product.units[1:]:
                kilograms = int(unit.name.split()[0])
                assert unit.factor_milli == kilograms * 1000, unit.name


def test_packaged_goods_scan_by_piece_and_by_case() -> None:
    parle = _product("Parle-G Biscuits 250 g")
    piece, case = parle.units
    assert piece.barcode is not None and piece.sellable
    assert case.name == "Case of 24" and case.factor_milli == 24_000
    assert case.barcode is not None and case.barcode != piece.barcode
    with_case = [p for p in demo_products() if p.base_unit == "piece" and len(p.units) > 1]
    assert len(with_case) >= 100


def test_some_items_can_only_be_sold_as_a_whole_package() -> None:
    package_only = [p for p in demo_products() if not p.units[0].sellable]
    assert len(package_only) >= 5
    for product in package_only:
        sellable = [unit for unit in product.units if unit.sellable]
        assert len(sellable) == 1 and sellable[0].kind == "package", product.name
        assert sellable[0].barcode is not None
    eggs = _product("Farm Fresh Eggs")
    assert [(u.name, u.factor_milli, u.sellable) for u in eggs.units] == [
        ("piece", 1000, False),
        ("Tray of 30", 30_000, True),
    ]


def test_wholesale_never_costs_more_than_counter() -> None:
    for product, unit in _all_units():
        if unit.prices_paise:
            assert set(unit.prices_paise) == {"wholesale", "counter"}, product.name
            assert unit.prices_paise["wholesale"] <= unit.prices_paise["counter"], product.name


def test_base_prices_are_set_in_paise_with_a_modest_wholesale_discount() -> None:
    for product in demo_products():
        prices = product.units[0].prices_paise
        counter, wholesale = prices["counter"], prices["wholesale"]
        assert isinstance(counter, int) and isinstance(wholesale, int)
        assert counter > 0
        # wholesale is 3-8 % below counter
        assert counter * 92 <= wholesale * 100 <= counter * 97, product.name


def test_prices_look_like_an_indian_shop() -> None:
    rice = _product("Sona Masoori Rice (loose)").units[0].prices_paise["counter"]
    assert 5_500 <= rice <= 12_000
    biscuits = _product("Parle-G Biscuits 250 g").units[0].prices_paise["counter"]
    assert 1_000 <= biscuits <= 4_000


def test_cases_are_sold_slightly_cheaper_or_priced_from_the_piece() -> None:
    explicit = empty = 0
    for product in demo_products():
        base = product.units[0].prices_paise
        for unit in product.units[1:]:
            if not unit.prices_paise:
                empty += 1
                continue
            explicit += 1
            count = unit.factor_milli // 1000
            for tier in ("wholesale", "counter"):
                assert unit.prices_paise[tier] < count * base[tier], (product.name, tier)
                assert unit.prices_paise[tier] >= count * base[tier] * 95 // 100, (product.name, tier)
    assert explicit >= 20 and empty >= 20


def test_gst_rates_are_real_slabs_with_sorted_history() -> None:
    for product in demo_products():
        assert product.gst, product.name
        dates = [entry.effective_from for entry in product.gst]
        assert dates == sorted(dates) and len(set(dates)) == len(dates), product.name
        assert dates[0] == date(2017, 7, 1)
        for entry in product.gst:
            assert entry.rate_bp in ALL_SLABS, product.name
            assert entry.cess_bp >= 0


def test_bills_from_2026_use_only_gst_2_0_slabs() -> None:
    for product in demo_products():
        current = _rate_on(product.gst, date(2026, 1, 1))
        assert current.rate_bp in CURRENT_SLABS, product.name
        assert current.cess_bp == 0, product.name


def test_gst_2_0_rate_cuts_apply_from_22_september_2025() -> None:
    before, after = date(2025, 9, 21), date(2025, 9, 22)
    biscuits = _product("Parle-G Biscuits 250 g").gst
    assert (_rate_on(biscuits, before).rate_bp, _rate_on(biscuits, after).rate_bp) == (1800, 500)
    cola = _product("Coca-Cola 750 ml").gst
    assert (_rate_on(cola, before).rate_bp, _rate_on(cola, before).cess_bp) == (2800, 1200)
    assert (_rate_on(cola, after).rate_bp, _rate_on(cola, after).cess_bp) == (4000, 0)
    uht = _product("Amul Taaza UHT Milk 1 L Tetra Pak").gst
    assert (_rate_on(uht, before).rate_bp, _rate_on(uht, after).rate_bp) == (500, 0)
    assert _rate_on(_product("Surf Excel Easy Wash Detergent Powder 1 kg").gst, after).rate_bp == 1800
    assert _rate_on(_product("Toor Dal (loose)").gst, after).rate_bp == 0


# ------------------------------------------------------------------------------------------ customers


def test_customer_types_cover_retail_wholesale_b2b_and_staff() -> None:
    types = {t.code: t.default_tier for t in demo_customer_types()}
    assert {"retail", "wholesale", "b2b", "staff"} <= set(types)
    assert types["retail"] == "counter"
    assert types["wholesale"] == "wholesale"
    assert types["b2b"] == "customer"
    assert set(types.values()) <= TIER_CODES


def test_rate_tiers_are_the_three_documented_ones() -> None:
    assert [code for code, _label in RATE_TIERS] == ["wholesale", "counter", "customer"]


def test_customers_have_unique_codes_and_callable_mobile_numbers() -> None:
    customers = demo_customers()
    assert [c.code for c in customers] == [f"C{n:04d}" for n in range(1, 31)]
    type_codes = {t.code for t in demo_customer_types()}
    for customer in customers:
        assert len(customer.phone) == 10 and customer.phone.isdigit(), customer
        assert customer.phone[0] in "6789", customer
        assert customer.customer_type in type_codes
        assert customer.rate_tier in TIER_CODES
        assert customer.credit_limit_paise >= 0


def test_b2b_invoices_carry_a_valid_gstin_matching_the_billing_state() -> None:
    b2b = [c for c in demo_customers() if c.gstin is not None]
    assert len(b2b) >= 8
    for customer in b2b:
        assert customer.gstin is not None
        assert gstin.is_valid(customer.gstin), customer.gstin
        assert customer.gstin[:2] == customer.billing_state_code
        assert customer.legal_name
    assert len({c.billing_state_code for c in b2b}) >= 3
    assert len({c.gstin for c in b2b}) == len(b2b)


def test_unregistered_customers_have_no_gstin() -> None:
    for customer in demo_customers():
        if customer.customer_type != "b2b":
            assert customer.gstin is None and customer.legal_name is None, customer.name


def test_some_business_ships_to_another_state() -> None:
    assert any(c.billing_state_code != c.shipping_state_code for c in demo_customers())


def test_customer_specific_prices_beat_the_counter_price() -> None:
    products = {p.sku: p for p in demo_products()}
    for customer in demo_customers():
        if customer.rate_tier != "customer":
            assert customer.special_prices_paise == {}, customer.name
            continue
        assert 3 <= len(customer.special_prices_paise) <= 6, customer.name
        for sku, price in customer.special_prices_paise.items():
            base = products[sku].units[0]
            assert base.sellable
            assert 0 < price < base.prices_paise["counter"], (customer.name, sku)


# ------------------------------------------------------------------------------------------ seller


def test_seller_is_one_company_re_registered_for_2026() -> None:
    first, second = demo_seller_registrations()
    for reg in (first, second):
        assert gstin.is_valid(reg.gstin), reg.gstin
        assert reg.gstin[:2] == reg.state_code == "27"
    assert gstin.to_pan(first.gstin) == gstin.to_pan(second.gstin)
    assert first.legal_name == second.legal_name
    assert first.gstin != second.gstin
    assert (first.trade_name, first.address) != (second.trade_name, second.address)


def test_seller_registrations_cover_consecutive_years_without_gap_or_overlap() -> None:
    first, second = demo_seller_registrations()
    assert first.valid_from == date(2025, 1, 1)
    assert first.valid_to == date(2025, 12, 31)
    assert first.valid_to is not None and second.valid_from == first.valid_to + timedelta(days=1)
    assert second.valid_from == date(2026, 1, 1)
    assert second.valid_to is None


# ------------------------------------------------------------------------------------------ shifts, staff


def test_three_factory_shifts_with_night_shift_crossing_midnight() -> None:
    shifts = {s.code: s for s in demo_shifts()}
    assert [(s.start.hour, s.end.hour) for s in demo_shifts()] == [(6, 14), (14, 22), (22, 6)]
    assert shifts["C"].end < shifts["C"].start
    for shift in shifts.values():
        assert shift.break_minutes == 30
        assert (shift.grace_late_minutes, shift.grace_early_minutes) == (10, 10)
        assert shift.checkin_window_minutes == 60


def test_employees_have_unique_codes_badges_and_fingerprint_ids() -> None:
    employees = demo_employees()
    assert [e.code for e in employees] == [f"E{n:04d}" for n in range(1, 251)]
    badges = [e.badge_id for e in employees]
    assert len(set(badges)) == len(badges)
    assert all(len(b) == 10 and b.isdigit() for b in badges)
    fingerprints = [e.fingerprint_user_id for e in employees]
    assert len(set(fingerprints)) == len(fingerprints)
    assert all(0 < f < 65_536 for f in fingerprints)
    for employee in employees:
        assert len(employee.phone) == 10 and employee.phone[0] in "6789", employee.code
        assert date(2000, 1, 1) <= employee.joined_on <= date(2025, 12, 31)


def test_every_shift_has_people_on_it() -> None:
    used = Counter(e.shift_code for e in demo_employees())
    assert set(used) == {s.code for s in demo_shifts()}
    assert min(used.values()) >= 30


def test_office_staff_work_the_day_shift() -> None:
    office = [e for e in demo_employees() if e.department in ("Admin", "Accounts")]
    on_a = sum(1 for e in office if e.shift_code == "A")
    assert on_a * 2 > len(office)


def test_workforce_is_mostly_daily_rated_with_some_monthly_and_hourly() -> None:
    employees = demo_employees()
    basis = Counter(e.pay_basis for e in employees)
    assert set(basis) == {"daily", "monthly", "hourly"}
    assert basis["daily"] > basis["monthly"] > basis["hourly"] > 0
    departments = {e.department for e in employees}
    assert departments == {
        "Production",
        "Packing",
        "Stores",
        "Quality",
        "Maintenance",
        "Dispatch",
        "Admin",
        "Accounts",
        "Sales counter",
    }


def test_wages_are_plausible_in_rupees() -> None:
    limits = {"hourly": (5_000, 30_000), "daily": (40_000, 120_000), "monthly": (1_200_000, 20_000_000)}
    for employee in demo_employees():
        low, high = limits[employee.pay_basis]
        assert low <= employee.pay_rate_paise <= high, employee


def test_employee_names_vary_across_regions() -> None:
    names = [e.name for e in demo_employees()]
    assert len(set(names)) == len(names)
    surnames = {name.split()[-1] for name in names}
    assert len(surnames) >= 40
    regions = {
        "Maharashtra": {"Patil", "Jadhav", "Shinde", "Pawar", "Kulkarni"},
        "Hindi belt": {"Yadav", "Singh", "Sharma", "Verma", "Mishra"},
        "Tamil Nadu": {"Subramanian", "Natarajan", "Krishnan", "Murugesan"},
        "Andhra/Telangana": {"Reddy", "Naidu", "Rao", "Chowdary", "Varma"},
        "Kerala": {"Nair", "Menon", "Pillai", "Kurian", "Varghese"},
        "Gujarat": {"Patel", "Shah", "Desai", "Mehta"},
        "Bengal/Odisha": {"Das", "Ghosh", "Banerjee", "Mohanty"},
    }
    for region, typical in regions.items():
        assert surnames & typical, region


# ------------------------------------------------------------------------------------------ users


def test_one_demo_login_per_role_with_documented_passwords() -> None:
    users = {u.username: u for u in demo_users()}
    assert set(users) == {"admin", "manager", "cashier", "hr", "employee"}
    for username, user in users.items():
        assert user.role == username
        assert user.password == f"{username}-demo-1"
        assert user.display_name


def test_employee_login_is_linked_to_e0001_and_hr_to_an_admin_employee() -> None:
    users = {u.username: u for u in demo_users()}
    employees = {e.code: e for e in demo_employees()}
    assert users["employee"].employee_code == "E0001"
    assert users["employee"].display_name == employees["E0001"].name
    hr_code = users["hr"].employee_code
    assert hr_code is None or employees[hr_code].department == "Admin"

"""The store's data model for the whole product, one model set over SQLite and MySQL/MariaDB.

Conventions (see docs/data-model.md):
- money: integer paise (BigIntegerField, names end in ``_paise``);
- quantities: integer thousandths of the product's base unit (names end in ``_milli``);
- rates: basis points (``_bp``, 18 % = 1800);
- times: naive UTC datetimes (``edge.clock.utcnow``), shown in the store's zone;
- every replicated record carries a ``uuid`` made at the edge;
- secrets of people and payments (pay, bank details, gateway payloads, TOTP seeds) are stored only as
  AES-GCM ciphertext (``*_enc`` BlobFields) written by edge.security.fieldcrypt.
"""

from __future__ import annotations

import uuid as uuid_module

from peewee import (
    AutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
    TimeField,
    UUIDField,
)

from edge.clock import utcnow

# Choices are documented here and enforced by the services; the database stores the codes.
ROLES = ("admin", "manager", "cashier", "hr", "employee")
UNIT_KINDS = ("piece", "kg", "package")
BASE_UNITS = ("piece", "kg")
PAYMENT_METHODS = ("cash", "card", "upi", "wallet", "bank_transfer", "credit")
SUPPLY_TYPES = ("intra", "inter")


def new_uuid() -> uuid_module.UUID:
    """A fresh random UUID for a record made at this edge."""
    return uuid_module.uuid4()


class BaseModel(Model):
    """Base of every table; bound to a database by edge.store.db.open_database."""

    class Meta:
        legacy_table_names = False


class ReplicatedModel(BaseModel):
    """A record replicated to the cloud: identified everywhere by its UUID."""

    uuid = UUIDField(unique=True, default=new_uuid)


# --- store, tills, seller registrations ---------------------------------------------------------


class Store(ReplicatedModel):
    """This store (one row); its code is the store ID in every replicated message."""

    id = AutoField()
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=120)
    state_code = CharField(max_length=2)
    timezone = CharField(max_length=64, default="Asia/Kolkata")
    created_at = DateTimeField(default=utcnow)


class Till(ReplicatedModel):
    """A billing counter: its own invoice series, scanner, scale, printer and kiosk room."""

    id = AutoField()
    store = ForeignKeyField(Store, backref="tills", on_delete="RESTRICT")
    code = CharField(max_length=8, unique=True)
    name = CharField(max_length=80)
    is_active = BooleanField(default=True)


class SellerRegistration(ReplicatedModel):
    """The company's GST registration in force for a period (GSTIN may change by calendar year)."""

    id = AutoField()
    legal_name = CharField(max_length=200)
    trade_name = CharField(max_length=200)
    gstin = CharField(max_length=15, index=True)
    state_code = CharField(max_length=2)
    address = TextField()
    valid_from = DateField(index=True)
    valid_to = DateField(null=True)


# --- catalog -------------------------------------------------------------------------------------


class Category(ReplicatedModel):
    """Product category, optionally nested."""

    id = AutoField()
    name = CharField(max_length=120, unique=True)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="SET NULL")


class Product(ReplicatedModel):
    """A product sold in base units of piece or kg; units and barcodes hang off it."""

    id = AutoField()
    sku = CharField(max_length=32, unique=True)
    name = CharField(max_length=200, index=True)
    category = ForeignKeyField(Category, null=True, backref="products", on_delete="SET NULL")
    hsn_code = CharField(max_length=8)
    base_unit = CharField(max_length=8)
    prices_include_tax = BooleanField(default=True)  # Indian retail MRP includes GST
    scale_code = CharField(max_length=8, null=True, unique=True)  # item code in scale-printed labels
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class ProductSearchToken(BaseModel):
    """Lower-cased word of a product's name, SKU or barcode, for indexed prefix search."""

    id = AutoField()
    token = CharField(max_length=64, index=True)
    product = ForeignKeyField(Product, backref="search_tokens", on_delete="CASCADE")


class ProductGstRate(BaseModel):
    """GST rate (and cess) of a product from a date; the row with the latest start on or before the
    invoice date applies."""

    id = AutoField()
    product = ForeignKeyField(Product, backref="gst_rates", on_delete="CASCADE")
    rate_bp = IntegerField()
    cess_bp = IntegerField(default=0)
    effective_from = DateField()

    class Meta:
        indexes = ((("product", "effective_from"), True),)


class ProductUnit(ReplicatedModel):
    """A unit a product is sold in: the base unit, or a package holding factor_milli base units."""

    id = AutoField()
    product = ForeignKeyField(Product, backref="units", on_delete="CASCADE")
    kind = CharField(max_length=8)
    name = CharField(max_length=40)
    factor_milli = BigIntegerField()
    sellable = BooleanField(default=True)
    floor_price_paise = BigIntegerField(null=True)  # a manual rate below this needs a permission

    class Meta:
        indexes = ((("product", "name"), True),)


class ProductBarcode(BaseModel):
    """A barcode printed on one unit of a product (scan the case barcode, a case is added)."""

    id = AutoField()
    code = CharField(max_length=32, unique=True)
    product = ForeignKeyField(Product, backref="barcodes", on_delete="CASCADE")
    unit = ForeignKeyField(ProductUnit, backref="barcodes", on_delete="CASCADE")


class RateTier(BaseModel):
    """Price list: wholesale, counter sale, customer-specific."""

    id = AutoField()
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=60)
    prices_include_tax = BooleanField(null=True)  # null: each product's own setting


class BarcodeRule(BaseModel):
    """Nomenclature of in-store labels from weighing scales (Odoo style): a pattern such as
    ``21.....{NNDDD}`` with the item code in the dots and a weight (kg) or price (rupees) in braces."""

    id = AutoField()
    name = CharField(max_length=60)
    sequence = IntegerField(default=100)
    kind = CharField(max_length=8)  # weight | price
    pattern = CharField(max_length=32)
    is_active = BooleanField(default=True)


class ProductPrice(BaseModel):
    """Price of one unit of a product in a rate tier from a date (per base unit, or an explicit case
    price for a package unit)."""

    id = AutoField()
    product = ForeignKeyField(Product, backref="prices", on_delete="CASCADE")
    unit = ForeignKeyField(ProductUnit, backref="prices", on_delete="CASCADE")
    tier = ForeignKeyField(RateTier, backref="prices", on_delete="RESTRICT")
    price_paise = BigIntegerField()
    effective_from = DateField()

    class Meta:
        indexes = ((("unit", "tier", "effective_from"), True),)


# --- customers -----------------------------------------------------------------------------------


class CustomerType(BaseModel):
    """Kind of customer (retail, wholesale, business, staff) with its default rate tier."""

    id = AutoField()
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=60)
    default_tier = ForeignKeyField(RateTier, on_delete="RESTRICT")


class Customer(ReplicatedModel):
    """A customer with an account: tier, states for place of supply, credit limit."""

    id = AutoField()
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=200, index=True)
    phone = CharField(max_length=20, null=True, index=True)
    email = CharField(max_length=200, null=True)
    customer_type = ForeignKeyField(CustomerType, backref="customers", on_delete="RESTRICT")
    rate_tier = ForeignKeyField(RateTier, on_delete="RESTRICT")
    billing_address = TextField(default="")
    billing_state_code = CharField(max_length=2)
    shipping_address = TextField(default="")
    shipping_state_code = CharField(max_length=2)
    credit_limit_paise = BigIntegerField(default=0)
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class CustomerGstin(BaseModel):
    """A customer's GSTIN and legal name for a period (history kept, never overwritten)."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="gstins", on_delete="CASCADE")
    gstin = CharField(max_length=15, index=True)
    legal_name = CharField(max_length=200)
    valid_from = DateField()
    valid_to = DateField(null=True)


class CustomerPrice(BaseModel):
    """Customer-specific rate for a period: for a customer or a customer type, and for a product unit
    (a price) or a whole category (a discount off the counter rate)."""

    id = AutoField()
    customer = ForeignKeyField(Customer, null=True, backref="special_prices", on_delete="CASCADE")
    customer_type = ForeignKeyField(CustomerType, null=True, on_delete="CASCADE")
    product = ForeignKeyField(Product, null=True, on_delete="CASCADE")
    unit = ForeignKeyField(ProductUnit, null=True, on_delete="CASCADE")
    category = ForeignKeyField(Category, null=True, on_delete="CASCADE")
    price_paise = BigIntegerField(null=True)
    discount_bp = IntegerField(null=True)
    valid_from = DateField()
    valid_to = DateField(null=True)

    class Meta:
        indexes = ((("customer", "product"), False), (("customer_type", "product"), False))


# --- people and access ---------------------------------------------------------------------------


class Department(BaseModel):
    """Department of the factory or shop."""

    id = AutoField()
    name = CharField(max_length=80, unique=True)


class Shift(ReplicatedModel):
    """Working shift; end before start means it crosses midnight."""

    id = AutoField()
    code = CharField(max_length=8, unique=True)
    name = CharField(max_length=60)
    start_time = TimeField()
    end_time = TimeField()
    break_minutes = SmallIntegerField(default=0)
    grace_late_minutes = SmallIntegerField(default=0)
    grace_early_minutes = SmallIntegerField(default=0)
    checkin_window_minutes = SmallIntegerField(default=60)
    hours_mode = CharField(max_length=12, default="first_last")  # first_last | pairs
    half_day_minutes = SmallIntegerField(default=240)
    absent_minutes = SmallIntegerField(default=120)


class Employee(ReplicatedModel):
    """An employee; pay rate and bank details only as ciphertext."""

    id = AutoField()
    code = CharField(max_length=16, unique=True)
    name = CharField(max_length=120, index=True)
    department = ForeignKeyField(Department, null=True, backref="employees", on_delete="SET NULL")
    designation = CharField(max_length=80, default="")
    default_shift = ForeignKeyField(Shift, null=True, on_delete="SET NULL")
    pay_basis = CharField(max_length=8)  # hourly | daily | monthly
    pay_rate_enc = BlobField()
    bank_details_enc = BlobField(null=True)
    overtime_eligible = BooleanField(default=True)
    pin_hash = CharField(max_length=200, null=True)
    phone = CharField(max_length=20, null=True)
    is_active = BooleanField(default=True)
    joined_on = DateField()
    left_on = DateField(null=True)


class EmployeeCredential(BaseModel):
    """A badge number or fingerprint-terminal user ID that identifies an employee at a clock."""

    id = AutoField()
    employee = ForeignKeyField(Employee, backref="credentials", on_delete="CASCADE")
    kind = CharField(max_length=12)  # badge | fingerprint
    identifier = CharField(max_length=64)
    is_active = BooleanField(default=True)

    class Meta:
        indexes = ((("kind", "identifier"), True),)


class User(ReplicatedModel):
    """A login: role, argon2id hash, optional TOTP (encrypted seed), optional employee link."""

    id = AutoField()
    username = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=120)
    role = CharField(max_length=12)
    password_hash = CharField(max_length=200)
    totp_secret_enc = BlobField(null=True)
    totp_enabled = BooleanField(default=False)
    totp_last_step = BigIntegerField(null=True)  # the last TOTP time step accepted: a code works once
    employee = ForeignKeyField(Employee, null=True, backref="users", on_delete="SET NULL")
    is_active = BooleanField(default=True)
    must_change_password = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    password_changed_at = DateTimeField(default=utcnow)


class RecoveryCode(BaseModel):
    """Hashed one-time 2FA recovery code."""

    id = AutoField()
    user = ForeignKeyField(User, backref="recovery_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=200)
    used_at = DateTimeField(null=True)


class UserSession(BaseModel):
    """Server-side login session; the cookie holds a random token, the table only its SHA-256."""

    id = AutoField()
    token_hash = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    ip = CharField(max_length=45, default="")
    user_agent = CharField(max_length=200, default="")
    totp_verified_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)
    stage = CharField(max_length=8, default="active")  # active | totp (code awaited) | enrol (TOTP to set up)


class RolePermission(BaseModel):
    """A permission a role holds beyond its routes, with an optional limit (e.g. max discount in bp)."""

    id = AutoField()
    role = CharField(max_length=12)
    permission = CharField(max_length=48)  # rate_below_floor | manual_weight | line_discount | ...
    limit_value = BigIntegerField(null=True)

    class Meta:
        indexes = ((("role", "permission"), True),)


class LoginThrottle(BaseModel):
    """Failed-login counter per user name or per client address."""

    id = AutoField()
    key = CharField(max_length=120, unique=True)  # "user:<name>" or "ip:<address>"
    failures = IntegerField(default=0)
    last_failure_at = DateTimeField(null=True)
    blocked_until = DateTimeField(null=True)


class AuditLog(BaseModel):
    """Append-only audit trail; each row's hash chains the previous one (tamper evidence)."""

    id = AutoField()
    uuid = UUIDField(unique=True, default=new_uuid)
    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = CharField(max_length=64, index=True)
    entity = CharField(max_length=64, default="")
    entity_id = CharField(max_length=64, default="")
    ip = CharField(max_length=45, default="")
    details = TextField(default="{}")
    prev_hash = CharField(max_length=64, default="")
    hash = CharField(max_length=64, default="")


# --- sales ---------------------------------------------------------------------------------------


class InvoiceSeries(BaseModel):
    """Gap-free number series per till, document type and Indian financial year."""

    id = AutoField()
    till = ForeignKeyField(Till, backref="series", on_delete="RESTRICT")
    document_type = CharField(max_length=12, default="invoice")  # invoice | credit_note
    financial_year = CharField(max_length=4)  # "2627" for April 2026 - March 2027
    prefix = CharField(max_length=10)
    next_number = BigIntegerField(default=1)

    class Meta:
        indexes = ((("till", "document_type", "financial_year"), True),)


class RegisterSession(ReplicatedModel):
    """A till's cash register from opening float to counted close."""

    id = AutoField()
    till = ForeignKeyField(Till, backref="register_sessions", on_delete="RESTRICT")
    opened_by = ForeignKeyField(User, on_delete="RESTRICT")
    opened_at = DateTimeField(default=utcnow)
    opening_float_paise = BigIntegerField(default=0)
    closed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT", backref="closed_registers")
    closed_at = DateTimeField(null=True)
    expected_cash_paise = BigIntegerField(null=True)
    counted_cash_paise = BigIntegerField(null=True)
    status = CharField(max_length=8, default="open")  # open | closed


class Cart(ReplicatedModel):
    """A sale in progress on a till, kept on the server so a kiosk crash loses nothing."""

    id = AutoField()
    till = ForeignKeyField(Till, backref="carts", on_delete="RESTRICT")
    cashier = ForeignKeyField(User, on_delete="RESTRICT")
    customer = ForeignKeyField(Customer, null=True, on_delete="SET NULL")
    rate_tier = ForeignKeyField(RateTier, on_delete="RESTRICT")
    status = CharField(max_length=12, default="open", index=True)  # open | checked_out | abandoned
    discount_paise = BigIntegerField(default=0)
    version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class CartLine(ReplicatedModel):
    """One product line of a cart."""

    id = AutoField()
    cart = ForeignKeyField(Cart, backref="lines", on_delete="CASCADE")
    position = IntegerField()
    product = ForeignKeyField(Product, on_delete="RESTRICT")
    unit = ForeignKeyField(ProductUnit, on_delete="RESTRICT")
    quantity_milli = BigIntegerField()
    rate_tier = ForeignKeyField(RateTier, null=True, on_delete="RESTRICT")
    manual_rate_paise = BigIntegerField(null=True)
    discount_paise = BigIntegerField(default=0)
    source = CharField(max_length=12, default="scan")  # scan | search | scale | manual
    barcode = CharField(max_length=32, null=True)
    created_at = DateTimeField(default=utcnow)


class Invoice(ReplicatedModel):
    """A tax invoice: numbered, with buyer details (revisable with history) and cached totals."""

    id = AutoField()
    number = CharField(max_length=16, unique=True)
    series = ForeignKeyField(InvoiceSeries, on_delete="RESTRICT")
    till = ForeignKeyField(Till, backref="invoices", on_delete="RESTRICT")
    cashier = ForeignKeyField(User, on_delete="RESTRICT")
    cart = ForeignKeyField(Cart, null=True, on_delete="SET NULL")
    register_session = ForeignKeyField(RegisterSession, null=True, on_delete="SET NULL")
    customer = ForeignKeyField(Customer, null=True, backref="invoices", on_delete="RESTRICT")
    seller_registration = ForeignKeyField(SellerRegistration, on_delete="RESTRICT")
    buyer_name = CharField(max_length=200, default="")
    buyer_gstin = CharField(max_length=15, null=True, index=True)
    buyer_address = TextField(default="")
    billing_state_code = CharField(max_length=2)
    place_of_supply_state_code = CharField(max_length=2)
    supply_type = CharField(max_length=6)  # intra (CGST+SGST) | inter (IGST)
    # draft | issued | cancelled; paid, partially paid and overdue are derived from payments and due_date
    status = CharField(max_length=12, default="issued", index=True)
    revision = IntegerField(default=0)
    subtotal_paise = BigIntegerField(default=0)
    discount_paise = BigIntegerField(default=0)
    taxable_paise = BigIntegerField(default=0)
    cgst_paise = BigIntegerField(default=0)
    sgst_paise = BigIntegerField(default=0)
    igst_paise = BigIntegerField(default=0)
    cess_paise = BigIntegerField(default=0)
    round_off_paise = BigIntegerField(default=0)
    total_paise = BigIntegerField(default=0)
    issued_at = DateTimeField(default=utcnow, index=True)
    due_date = DateField(null=True)
    cancelled_at = DateTimeField(null=True)
    cancel_reason = TextField(null=True)
    # The customer's type when the invoice was issued: sales by customer type stay where they were made
    # when a customer later moves from retail to wholesale (migration 0006).
    customer_type_id = IntegerField(null=True)


class InvoiceRevision(ReplicatedModel):
    """A correction of an issued invoice's buyer details: who, when, why, before and after."""

    id = AutoField()
    invoice = ForeignKeyField(Invoice, backref="revisions", on_delete="CASCADE")
    revision = IntegerField()
    changed_at = DateTimeField(default=utcnow)
    changed_by = ForeignKeyField(User, on_delete="RESTRICT")
    reason = TextField()
    before = TextField()  # JSON
    after = TextField()  # JSON

    class Meta:
        indexes = ((("invoice", "revision"), True), (("changed_at",), False))  # changed_at: migration 0005


class InvoiceLine(ReplicatedModel):
    """A line of an invoice, frozen at issue: name, HSN, unit, rate, tier and taxes as charged."""

    id = AutoField()
    invoice = ForeignKeyField(Invoice, backref="lines", on_delete="CASCADE")
    line_no = IntegerField()
    product = ForeignKeyField(Product, on_delete="RESTRICT")
    product_name = CharField(max_length=200)
    hsn_code = CharField(max_length=8)
    unit_kind = CharField(max_length=8)
    unit_name = CharField(max_length=40)
    unit_factor_milli = BigIntegerField()
    quantity_milli = BigIntegerField()
    rate_paise = BigIntegerField()
    rate_tier = CharField(max_length=16)  # wholesale | counter | customer | manual
    rate_includes_tax = BooleanField(default=True)
    discount_paise = BigIntegerField(default=0)
    taxable_paise = BigIntegerField()
    gst_rate_bp = IntegerField()
    cgst_paise = BigIntegerField(default=0)
    sgst_paise = BigIntegerField(default=0)
    igst_paise = BigIntegerField(default=0)
    cess_bp = IntegerField(default=0)
    cess_paise = BigIntegerField(default=0)
    total_paise = BigIntegerField()

    class Meta:
        indexes = ((("invoice", "line_no"), True),)


class CreditNote(ReplicatedModel):
    """A credit note against an invoice (return or price correction), numbered in its own series."""

    id = AutoField()
    number = CharField(max_length=16, unique=True)
    series = ForeignKeyField(InvoiceSeries, on_delete="RESTRICT")
    invoice = ForeignKeyField(Invoice, backref="credit_notes", on_delete="RESTRICT")
    customer = ForeignKeyField(Customer, null=True, on_delete="RESTRICT")
    issued_by = ForeignKeyField(User, on_delete="RESTRICT")
    issued_at = DateTimeField(default=utcnow, index=True)
    reason = TextField()
    status = CharField(max_length=12, default="issued")
    taxable_paise = BigIntegerField(default=0)
    cgst_paise = BigIntegerField(default=0)
    sgst_paise = BigIntegerField(default=0)
    igst_paise = BigIntegerField(default=0)
    cess_paise = BigIntegerField(default=0)
    round_off_paise = BigIntegerField(default=0)
    total_paise = BigIntegerField(default=0)


class CreditNoteLine(ReplicatedModel):
    """Quantity and amounts credited against one invoice line."""

    id = AutoField()
    credit_note = ForeignKeyField(CreditNote, backref="lines", on_delete="CASCADE")
    invoice_line = ForeignKeyField(InvoiceLine, on_delete="RESTRICT")
    quantity_milli = BigIntegerField()
    taxable_paise = BigIntegerField()
    cgst_paise = BigIntegerField(default=0)
    sgst_paise = BigIntegerField(default=0)
    igst_paise = BigIntegerField(default=0)
    cess_paise = BigIntegerField(default=0)
    total_paise = BigIntegerField()


class Payment(ReplicatedModel):
    """A payment (or refund, negative) by one method, at checkout or any time after the bill.

    The gateway's raw details are ciphertext; the reference shown to cashier and customer is the
    transaction ID only.
    """

    id = AutoField()
    invoice = ForeignKeyField(Invoice, null=True, backref="payments", on_delete="RESTRICT")
    customer = ForeignKeyField(Customer, null=True, backref="payments", on_delete="RESTRICT")
    register_session = ForeignKeyField(RegisterSession, null=True, on_delete="SET NULL")
    kind = CharField(max_length=8, default="payment")  # payment | refund
    method = CharField(max_length=16)
    gateway = CharField(max_length=16, default="")  # "" | stripe | razorpay | terminal
    # created | pending | succeeded | failed | cancelled | refunded
    status = CharField(max_length=12, default="succeeded", index=True)
    attempt = SmallIntegerField(default=1)
    amount_paise = BigIntegerField()
    tendered_paise = BigIntegerField(null=True)
    reference = CharField(max_length=120, default="")
    idempotency_key = CharField(max_length=120, null=True, unique=True)
    gateway_order_id = CharField(max_length=120, null=True, index=True)
    details_enc = BlobField(null=True)
    received_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow)


class GatewayEvent(BaseModel):
    """A verified webhook event from a payment gateway, kept to drop redeliveries."""

    id = AutoField()
    gateway = CharField(max_length=16)
    event_id = CharField(max_length=120)
    event_type = CharField(max_length=64)
    received_at = DateTimeField(default=utcnow)
    payload_enc = BlobField()

    class Meta:
        indexes = ((("gateway", "event_id"), True),)


class CashMovement(ReplicatedModel):
    """Cash in or out of a register: sale, refund, pay-in, pay-out, float."""

    id = AutoField()
    register_session = ForeignKeyField(RegisterSession, backref="movements", on_delete="RESTRICT")
    kind = CharField(max_length=12)
    amount_paise = BigIntegerField()
    reason = TextField(default="")
    payment = ForeignKeyField(Payment, null=True, on_delete="SET NULL")
    user = ForeignKeyField(User, on_delete="RESTRICT")
    at = DateTimeField(default=utcnow)


class CustomerLedgerEntry(ReplicatedModel):
    """Debit (invoice) or credit (payment, credit note, adjustment) on a customer's account."""

    id = AutoField()
    customer = ForeignKeyField(Customer, backref="ledger", on_delete="RESTRICT")
    at = DateTimeField(default=utcnow)
    kind = CharField(max_length=16)  # invoice | payment | credit_note | adjustment | opening
    invoice = ForeignKeyField(Invoice, null=True, on_delete="RESTRICT")
    payment = ForeignKeyField(Payment, null=True, on_delete="RESTRICT")
    credit_note = ForeignKeyField(CreditNote, null=True, on_delete="RESTRICT")
    amount_paise = BigIntegerField()  # positive: customer owes more
    note = TextField(default="")

    class Meta:
        indexes = ((("customer", "at"), False),)


# --- replication and devices ---------------------------------------------------------------------


class Counter(BaseModel):
    """A named monotonic counter incremented inside business transactions (outbox sequence)."""

    name = CharField(max_length=32, primary_key=True)
    value = BigIntegerField(default=0)


class Outbox(BaseModel):
    """An event envelope waiting for the broker's PUBACK; written in the business transaction."""

    id = AutoField()
    seq = BigIntegerField(unique=True)
    record_uuid = UUIDField()
    type = CharField(max_length=48)
    schema_version = SmallIntegerField(default=1)
    payload = TextField()  # JSON
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)

    class Meta:
        # "unsent after seq N, in order" is one ordered index range, whatever the size of the backlog.
        indexes = ((("sent_at", "seq"), False),)


class InboxApplied(BaseModel):
    """A downlink message (catalog, prices, GST rates) already applied, to ignore redeliveries."""

    id = AutoField()
    source = CharField(max_length=32)
    message_id = CharField(max_length=64)
    applied_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("source", "message_id"), True),)


class Device(ReplicatedModel):
    """A configured or discovered device: scanner, scale, clock, printer, drawer."""

    id = AutoField()
    name = CharField(max_length=64, unique=True)
    kind = CharField(max_length=16)  # scanner | scale | clock | printer | drawer
    till = ForeignKeyField(Till, null=True, backref="devices", on_delete="SET NULL")
    connection = CharField(max_length=200, default="")
    settings = TextField(default="{}")  # JSON
    simulated = BooleanField(default=False)
    status = CharField(max_length=16, default="unknown")
    last_seen_at = DateTimeField(null=True)


class PrintJob(ReplicatedModel):
    """A receipt or drawer kick for a printer: kept while the printer is offline, printed exactly once."""

    id = AutoField()
    device = ForeignKeyField(Device, null=True, backref="print_jobs", on_delete="SET NULL")
    till = ForeignKeyField(Till, null=True, on_delete="SET NULL")
    kind = CharField(max_length=12)  # receipt | reprint | drawer | report
    document = CharField(max_length=64, default="")  # e.g. invoice UUID and revision
    payload = BlobField()  # ESC/POS bytes
    status = CharField(max_length=10, default="queued", index=True)  # queued | printing | printed | failed
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    printed_at = DateTimeField(null=True)


class EmailMessage(ReplicatedModel):
    """An e-mail to a customer (invoice, statement), queued while the internet is down."""

    id = AutoField()
    to_address = CharField(max_length=200)
    subject = CharField(max_length=200)
    body = TextField()
    document = CharField(max_length=64, default="")
    status = CharField(max_length=10, default="queued", index=True)  # queued | sent | failed
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)


# --- attendance, leave, payroll (migration 0002) --------------------------------------------------


class Holiday(BaseModel):
    """A paid holiday of the factory's calendar."""

    id = AutoField()
    date = DateField(unique=True)
    name = CharField(max_length=120)


class RosterEntry(BaseModel):
    """The shift an employee works on a date (overrides the default shift)."""

    id = AutoField()
    employee = ForeignKeyField(Employee, backref="roster", on_delete="CASCADE")
    work_date = DateField()
    shift = ForeignKeyField(Shift, null=True, on_delete="RESTRICT")  # null: weekly off

    class Meta:
        indexes = ((("employee", "work_date"), True),)


class Punch(ReplicatedModel):
    """A clock-in/out from a badge, fingerprint, terminal or the app; corrections keep the original."""

    id = AutoField()
    employee = ForeignKeyField(Employee, backref="punches", on_delete="RESTRICT")
    at = DateTimeField()
    direction = CharField(max_length=4, null=True)  # in | out | null (by alternation)
    source = CharField(max_length=12)  # badge | fingerprint | terminal | app | manual
    device = ForeignKeyField(Device, null=True, on_delete="SET NULL")
    status = CharField(max_length=10, default="valid")  # valid | duplicate | voided
    corrects = ForeignKeyField("self", null=True, on_delete="SET NULL")
    correction_reason = TextField(null=True)
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("employee", "at"), False),)


class AttendanceDay(ReplicatedModel):
    """Derived attendance of one employee on one work date (a night shift belongs to its start day)."""

    id = AutoField()
    employee = ForeignKeyField(Employee, backref="attendance", on_delete="CASCADE")
    work_date = DateField(index=True)
    shift = ForeignKeyField(Shift, null=True, on_delete="SET NULL")
    status = CharField(max_length=12)  # present | half_day | absent | leave | holiday | off
    first_in = DateTimeField(null=True)
    last_out = DateTimeField(null=True)
    worked_minutes = IntegerField(default=0)
    late_minutes = IntegerField(default=0)
    early_exit_minutes = IntegerField(default=0)
    overtime_minutes = IntegerField(default=0)
    flags = CharField(max_length=120, default="")  # e.g. missing_out
    computed_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("employee", "work_date"), True),)


class OvertimePolicy(BaseModel):
    """Overtime thresholds and pay multiplier per kind of day (weekday, weekend, holiday)."""

    id = AutoField()
    day_type = CharField(max_length=8, unique=True)  # weekday | weekend | holiday
    daily_threshold_minutes = IntegerField(default=0)  # 0: beyond the shift's length
    weekly_threshold_minutes = IntegerField(default=2880)
    multiplier_bp = IntegerField(default=20000)  # 2x = 20000


class LeaveType(BaseModel):
    """Kind of leave with its yearly entitlement (in thousandths of a day)."""

    id = AutoField()
    code = CharField(max_length=8, unique=True)
    name = CharField(max_length=60)
    paid = BooleanField(default=True)
    annual_days_milli = IntegerField(default=0)
    accrual = CharField(max_length=8, default="yearly")  # yearly | monthly
    carry_forward_max_milli = IntegerField(default=0)


class LeaveBalance(BaseModel):
    """Leave accrued and used by an employee in a year (thousandths of a day)."""

    id = AutoField()
    employee = ForeignKeyField(Employee, backref="leave_balances", on_delete="CASCADE")
    leave_type = ForeignKeyField(LeaveType, on_delete="RESTRICT")
    year = SmallIntegerField()
    accrued_milli = IntegerField(default=0)
    used_milli = IntegerField(default=0)

    class Meta:
        indexes = ((("employee", "leave_type", "year"), True),)


class LeaveRequest(ReplicatedModel):
    """A leave request and its decision."""

    id = AutoField()
    employee = ForeignKeyField(Employee, backref="leave_requests", on_delete="CASCADE")
    leave_type = ForeignKeyField(LeaveType, on_delete="RESTRICT")
    start_date = DateField()
    end_date = DateField()
    half_day = BooleanField(default=False)
    days_milli = IntegerField()
    reason = TextField(default="")
    status = CharField(max_length=10, default="pending", index=True)  # pending|approved|rejected|cancelled
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    decision_note = TextField(null=True)
    created_at = DateTimeField(default=utcnow)


class PayrollRun(ReplicatedModel):
    """Payroll for a period: draft until finalised, then immutable."""

    id = AutoField()
    period_start = DateField()
    period_end = DateField()
    status = CharField(max_length=10, default="draft")
    created_by = ForeignKeyField(User, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    finalized_at = DateTimeField(null=True)


class Payslip(ReplicatedModel):
    """One employee's pay for a run; every amount is in the encrypted JSON document."""

    id = AutoField()
    payroll_run = ForeignKeyField(PayrollRun, backref="payslips", on_delete="CASCADE")
    employee = ForeignKeyField(Employee, on_delete="RESTRICT")
    paid_days_milli = IntegerField(default=0)
    overtime_minutes = IntegerField(default=0)
    amounts_enc = BlobField()

    class Meta:
        indexes = ((("payroll_run", "employee"), True),)


# --- gateway payments ----------------------------------------------------------------------------


class GatewayAttempt(ReplicatedModel):
    """One attempt to take money through a gateway: its persisted state machine (edge.domain.gateway).

    The Idempotency-Key is saved before the first call, so a call sent again after a timeout is the same
    call. Once the gateway says the money is taken, the attempt joins the invoice's payments as a
    ``Payment`` row. Whatever the gateway says of the customer (VPA, card brand and last four digits,
    client secret, UPI link) is ciphertext only.
    """

    id = AutoField()
    invoice = ForeignKeyField(Invoice, backref="gateway_attempts", on_delete="RESTRICT")
    gateway = CharField(max_length=16)  # stripe | razorpay | cash | terminal
    method = CharField(max_length=16)  # card | upi | wallet | bank_transfer | cash
    flow = CharField(max_length=20)  # card_present | online | upi_qr | upi_collect | checkout | ...
    attempt = SmallIntegerField()
    amount_paise = BigIntegerField()
    tendered_paise = BigIntegerField(null=True)
    idempotency_key = CharField(max_length=120, unique=True)
    # created | pending | succeeded | failed | cancelled | refunded
    state = CharField(max_length=12, default="created", index=True)
    gateway_ref = CharField(max_length=120, null=True, index=True)  # PaymentIntent or order ID
    transaction_id = CharField(max_length=120, default="")
    gateway_status = CharField(max_length=32, default="")
    failure_code = CharField(max_length=64, default="")
    failure_message = TextField(default="")
    refunds_started = SmallIntegerField(default=0)
    refunded_paise = BigIntegerField(default=0)
    details_enc = BlobField(null=True)
    payment = ForeignKeyField(Payment, null=True, on_delete="SET NULL")
    started_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    checked_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("invoice", "attempt"), True),)


# --- report summaries (migration 0005) ------------------------------------------------------------
# Kept by edge.services.report_summaries in the same transaction as the sale, credit note, cancellation,
# revision or payment that changes them; rebuilt from the source tables by `python -m edge rebuild-summaries`.
# Each row is keyed by grain (d/m: a store-local day or month, per till and cashier; sd/sm: the same summed
# over every till and cashier, till 0 and cashier 0) and period (the day, or the month's first day); see
# docs/reports.md. Money in paise, quantities in thousandths of the product's base unit; no foreign keys, so
# summaries never hold up a write to the tables they summarise.


class SummaryModel(BaseModel):
    """A summary table: clustered on its key (WITHOUT ROWID on SQLite; InnoDB clusters by primary key)."""


class ReportSales(SummaryModel):
    """Sales by period, till, cashier, customer (0: walk-in) and customer type (0: none), posting by event day."""

    grain = CharField(max_length=2)
    period = DateField()
    till_id = IntegerField()
    cashier_id = IntegerField()
    customer_id = IntegerField()
    customer_type_id = IntegerField()
    invoices = IntegerField(default=0)
    invoice_taxable_paise = BigIntegerField(default=0)
    invoice_total_paise = BigIntegerField(default=0)
    returns = IntegerField(default=0)
    return_taxable_paise = BigIntegerField(default=0)
    return_total_paise = BigIntegerField(default=0)
    cancellations = IntegerField(default=0)
    cancel_taxable_paise = BigIntegerField(default=0)
    cancel_total_paise = BigIntegerField(default=0)
    taxable_paise = BigIntegerField(default=0)
    cgst_paise = BigIntegerField(default=0)
    sgst_paise = BigIntegerField(default=0)
    igst_paise = BigIntegerField(default=0)
    cess_paise = BigIntegerField(default=0)
    round_off_paise = BigIntegerField(default=0)
    total_paise = BigIntegerField(default=0)

    class Meta:
        without_rowid = True
        primary_key = CompositeKey("grain", "period", "till_id", "cashier_id", "customer_id", "customer_type_id")


class ReportProduct(SummaryModel):
    """Quantities and amounts by period, till, cashier and product, net of credit notes and cancellations."""

    grain = CharField(max_length=2)
    period = DateField()
    till_id = IntegerField()
    cashier_id = IntegerField()
    product_id = IntegerField()
    sold_milli = BigIntegerField(default=0)
    returned_milli = BigIntegerField(default=0)
    lines = IntegerField(default=0)
    taxable_paise = BigIntegerField(default=0)
    tax_paise = BigIntegerField(default=0)
    total_paise = BigIntegerField(default=0)

    class Meta:
        without_rowid = True
        primary_key = CompositeKey("grain", "period", "till_id", "cashier_id", "product_id")


class ReportTax(SummaryModel):
    """GST by period, origin day, seller registration, posting kind, GSTR-1 section, supply, place of supply,
    rate, HSN and UQC. Origin day: the invoice's own day for a revision or cancellation (earlier than the
    period's start: an amendment of an earlier period); 9999-12-31 for invoices and credit notes."""

    grain = CharField(max_length=2)
    period = DateField()
    origin_day = DateField()
    seller_registration_id = IntegerField()
    posting = CharField(max_length=3)
    section = CharField(max_length=4)
    supply = CharField(max_length=5)
    place_of_supply = CharField(max_length=2)
    rate_bp = IntegerField()
    hsn_code = CharField(max_length=8)
    uqc = CharField(max_length=3)
    quantity_milli = BigIntegerField(default=0)
    taxable_paise = BigIntegerField(default=0)
    cgst_paise = BigIntegerField(default=0)
    sgst_paise = BigIntegerField(default=0)
    igst_paise = BigIntegerField(default=0)
    cess_paise = BigIntegerField(default=0)

    class Meta:
        without_rowid = True
        primary_key = CompositeKey("grain", "period", "origin_day", "seller_registration_id", "posting", "section",
                                   "supply", "place_of_supply", "rate_bp", "hsn_code", "uqc")


class ReportPayment(SummaryModel):
    """Succeeded payments and refunds by period, till, the user who took them, method and kind."""

    grain = CharField(max_length=2)
    period = DateField()
    till_id = IntegerField()
    cashier_id = IntegerField()
    method = CharField(max_length=16)
    kind = CharField(max_length=8)
    count = IntegerField(default=0)
    amount_paise = BigIntegerField(default=0)

    class Meta:
        without_rowid = True
        primary_key = CompositeKey("grain", "period", "till_id", "cashier_id", "method", "kind")


class ReportDocument(SummaryModel):
    """Documents (invoices, credit notes) by issue period, till, cashier, series and seller registration, by
    their current status: counts, values, first and last sequence numbers (GSTR-1 Table 13, invoices by status)."""

    grain = CharField(max_length=2)
    period = DateField()
    till_id = IntegerField()
    cashier_id = IntegerField()
    series_id = IntegerField()
    seller_registration_id = IntegerField()
    issued = IntegerField(default=0)
    issued_total_paise = BigIntegerField(default=0)
    cancelled = IntegerField(default=0)
    cancelled_total_paise = BigIntegerField(default=0)
    drafts = IntegerField(default=0)
    draft_total_paise = BigIntegerField(default=0)
    first_seq = BigIntegerField(null=True)
    last_seq = BigIntegerField(null=True)

    class Meta:
        without_rowid = True
        primary_key = CompositeKey("grain", "period", "till_id", "cashier_id", "series_id", "seller_registration_id")


class ReportOpenInvoice(BaseModel):
    """An issued invoice not settled: money paid below its total, or anything still owed or owing after
    credit notes. Deleted once settled or cancelled (receivables, ageing, invoices by status)."""

    invoice_id = IntegerField(primary_key=True)
    customer_id = IntegerField()
    till_id = IntegerField()
    cashier_id = IntegerField()
    issued_day = DateField()
    due_date = DateField(null=True)
    total_paise = BigIntegerField()
    paid_paise = BigIntegerField()
    credited_paise = BigIntegerField()

    class Meta:
        indexes = ((("issued_day",), False), (("customer_id",), False))


# Tables in the order of the migration that created them (see edge/store/migrations).
CORE_MODELS: tuple[type[BaseModel], ...] = (
    Store, Till, SellerRegistration, Category, Product, ProductSearchToken, ProductGstRate,
    ProductUnit, ProductBarcode, RateTier, BarcodeRule, ProductPrice, CustomerType, Customer, CustomerGstin,
    CustomerPrice, Department, Shift, Employee, EmployeeCredential, User, RecoveryCode, UserSession,
    RolePermission, LoginThrottle, AuditLog, InvoiceSeries, RegisterSession, Cart, CartLine, Invoice,
    InvoiceRevision, InvoiceLine, CreditNote, CreditNoteLine, Payment, GatewayEvent, CashMovement,
    CustomerLedgerEntry, Counter, Outbox, InboxApplied, Device, PrintJob, EmailMessage,
)
class DocumentChain(BaseModel):
    """The hash chain over each invoice series: one link per issued document and per later change to it
    (correction, cancellation), in number order; each link hashes the one before and the document's content."""

    id = AutoField()
    series = ForeignKeyField(InvoiceSeries, backref="chain", on_delete="RESTRICT")
    number = CharField(max_length=16)
    document_uuid = UUIDField()
    revision = IntegerField(default=0)
    event = CharField(max_length=12)  # issued | corrected | cancelled
    content_hash = CharField(max_length=64)
    prev_hash = CharField(max_length=64, default="")
    hash = CharField(max_length=64)
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("series", "id"), False), (("document_uuid", "revision"), False))


WORKFORCE_MODELS: tuple[type[BaseModel], ...] = (
    Holiday, RosterEntry, Punch, AttendanceDay, OvertimePolicy, LeaveType, LeaveBalance, LeaveRequest,
    PayrollRun, Payslip,
)
GATEWAY_MODELS: tuple[type[BaseModel], ...] = (GatewayAttempt,)
SECURITY_MODELS: tuple[type[BaseModel], ...] = (DocumentChain,)
REPORT_MODELS: tuple[type[BaseModel], ...] = (
    ReportSales, ReportProduct, ReportTax, ReportPayment, ReportDocument, ReportOpenInvoice,
)
ALL_MODELS: tuple[type[BaseModel], ...] = (CORE_MODELS + WORKFORCE_MODELS + GATEWAY_MODELS + SECURITY_MODELS
                                           + REPORT_MODELS)


"""Deterministic demo data for a fresh appliance: catalogue, customers, seller, shifts, staff, users.

Everything here is pure and reproducible: no database, no I/O, no randomness.  Variety comes from a
small integer mixing function, so every call (and every Python version) yields equal records.  Each
call builds fresh objects (a few milliseconds), so a caller mutating a price dict affects nobody else.

Units used throughout:
* money is integer paise;
* quantities are integer thousandths of the base unit (grams for kg items, 1000 for one piece);
* GST rates and cess are basis points (18 % = 1800).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from stdnum import ean, luhn

__all__ = [
    "RATE_TIERS",
    "DemoCustomer",
    "DemoCustomerType",
    "DemoEmployee",
    "DemoGstRate",
    "DemoProduct",
    "DemoSellerRegistration",
    "DemoShift",
    "DemoUnit",
    "DemoUser",
    "demo_customer_types",
    "demo_customers",
    "demo_employees",
    "demo_products",
    "demo_seller_registrations",
    "demo_shifts",
    "demo_users",
]

RATE_TIERS: tuple[tuple[str, str], ...] = (
    ("wholesale", "Wholesale"),
    ("counter", "Counter sale"),
    ("customer", "Customer-specific"),
)


# --------------------------------------------------------------------------------------------------
# Public record types
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoGstRate:
    rate_bp: int
    cess_bp: int
    effective_from: date


@dataclass(frozen=True)
class DemoUnit:
    kind: str
    name: str
    factor_milli: int
    barcode: str | None
    prices_paise: dict[str, int]
    sellable: bool = True


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    category: str
    hsn_code: str
    base_unit: str
    gst: tuple[DemoGstRate, ...]
    units: tuple[DemoUnit, ...]


@dataclass(frozen=True)
class DemoCustomerType:
    code: str
    name: str
    default_tier: str


@dataclass(frozen=True)
class DemoCustomer:
    code: str
    name: str
    phone: str
    customer_type: str
    rate_tier: str
    gstin: str | None
    legal_name: str | None
    billing_state_code: str
    shipping_state_code: str
    address: str
    credit_limit_paise: int
    special_prices_paise: dict[str, int]


@dataclass(frozen=True)
class DemoSellerRegistration:
    legal_name: str
    trade_name: str
    gstin: str
    state_code: str
    address: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class DemoShift:
    code: str
    name: str
    start: time
    end: time
    break_minutes: int
    grace_late_minutes: int
    grace_early_minutes: int
    checkin_window_minutes: int


def demo_bank_details(code: str, name: str) -> dict[str, str]:
    """Made-up salary account of a demo employee (kept AES-GCM encrypted in the store)."""
    number = int("".join(char for char in code if char.isdigit()) or "0")
    return {"holder": name, "account_number": f"9170{number:08d}{(number * 7919) % 997:03d}",
            "ifsc": ("SBIN0", "HDFC0", "ICIC0")[number % 3] + f"{(number * 31) % 1000000:06d}"}


@dataclass(frozen=True)
class DemoEmployee:
    code: str
    name: str
    department: str
    designation: str
    shift_code: str
    pay_basis: str
    pay_rate_paise: int
    overtime_eligible: bool
    badge_id: str
    fingerprint_user_id: int
    joined_on: date
    phone: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    password: str
    employee_code: str | None


# --------------------------------------------------------------------------------------------------
# Small deterministic helpers
# --------------------------------------------------------------------------------------------------


def _mix(n: int, salt: int) -> int:
    """Return a well-spread 32-bit integer for (n, salt); stands in for a seeded random source."""
    x = (n * 0x9E3779B1 + salt * 0x85EBCA77 + 0x27D4EB2F) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    x = (x * 0x297A2D39) & 0xFFFFFFFF
    x ^= x >> 15
    return x


def _ean13(body12: str) -> str:
    """Append the EAN-13 check digit to a 12-digit body."""
    return body12 + ean.calc_check_digit(body12)


_GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _gstin(state_code: str, pan: str, entity: str = "1") -> str:
    """Build a GSTIN (state + PAN + entity number + 'Z' + mod-36 Luhn check character)."""
    first14 = f"{state_code}{pan}{entity}Z"
    return first14 + luhn.calc_check_digit(first14, alphabet=_GSTIN_ALPHABET)


def _mobile(n: int, salt: int) -> str:
    """Return a 10-digit Indian mobile number starting 6-9, distinct for distinct n < 10**9."""
    lead = "9876"[_mix(n, salt) % 4]
    return f"{lead}{(n * 738_162_419 + salt * 1_000_003 + 271_828_183) % 10**9:09d}"


def _round_to(value: int, step: int) -> int:
    """Round a non-negative integer to the nearest multiple of step (halves round up)."""
    return (value + step // 2) // step * step


def _wholesale_price(counter_paise: int, n: int) -> int:
    """Wholesale price 3-8 % below the counter price, rounded to a tidy amount."""
    discount_bp = 300 + _mix(n, 1) % 501
    raw = counter_paise * (10_000 - discount_bp) // 10_000
    step = 100 if counter_paise >= 20_000 else 10 if counter_paise >= 1_000 else 1
    lowest = -(-counter_paise * 9_200 // 10_000)  # ceil(92 %)
    highest = counter_paise * 9_700 // 10_000  # floor(97 %)
    return min(max(_round_to(raw, step), lowest), highest)


# --------------------------------------------------------------------------------------------------
# GST rate histories
# --------------------------------------------------------------------------------------------------

_GST_START = date(2017, 7, 1)  # GST launch
_GST_2_0 = date(2025, 9, 22)  # rate rationalisation: slabs 0 / 5 / 18 / 40
_PREPACKED_CURD = date(2022, 7, 18)  # pre-packaged labelled curd and buttermilk became taxable
_NAPKINS_EXEMPT = date(2018, 7, 27)  # sanitary napkins exempted

# profile -> ((rate_bp, cess_bp, effective_from), ...) oldest first
_GST_PROFILES: dict[str, tuple[tuple[int, int, date], ...]] = {
    "0": ((0, 0, _GST_START),),
    "5": ((500, 0, _GST_START),),
    "18": ((1800, 0, _GST_START),),
    "12>5": ((1200, 0, _GST_START), (500, 0, _GST_2_0)),
    "18>5": ((1800, 0, _GST_START), (500, 0, _GST_2_0)),
    "5>0": ((500, 0, _GST_START), (0, 0, _GST_2_0)),
    "12>0": ((1200, 0, _GST_START), (0, 0, _NAPKINS_EXEMPT)),
    "0>5": ((0, 0, _GST_START), (500, 0, _PREPACKED_CURD)),
    "28c12>40": ((2800, 1200, _GST_START), (4000, 0, _GST_2_0)),
}


def _gst_history(profile: str) -> tuple[DemoGstRate, ...]:
    """Expand a GST profile key into DemoGstRate records."""
    return tuple(DemoGstRate(rate, cess, since) for rate, cess, since in _GST_PROFILES[profile])


# --------------------------------------------------------------------------------------------------
# Catalogue tables
# --------------------------------------------------------------------------------------------------

# Loose items sold by kg: (name, hsn, gst profile, counter paise per kg, package name or "", package kg)
_LooseRow = tuple[str, str, str, int, str, int]
# Packaged items sold by piece: (name, hsn, gst profile, counter paise per piece, case size or 0)
_PackedRow = tuple[str, str, str, int, int]
# Items sold only by package: (name, hsn, gst profile, counter paise per piece, package name, pieces)
_PackOnlyRow = tuple[str, str, str, int, str, int]

_CATEGORIES: tuple[str, ...] = (
    "Rice & Grains",
    "Atta & Flours",
    "Dals & Pulses",
    "Spices & Masala",
    "Edible Oils",
    "Sugar, Salt & Jaggery",
    "Tea & Coffee",
    "Biscuits & Snacks",
    "Dairy",
    "Beverages",
    "Personal Care",
    "Household & Cleaning",
    "Dry Fruits",
    "Instant Food",
    "Pooja Needs",
    "Fresh Vegetables",
)

_LOOSE: dict[str, tuple[_LooseRow, ...]] = {
    "Rice & Grains": (
        ("Sona Masoori Rice (loose)", "100630", "0", 6_200, "25 kg bag", 25),
        ("Kolam Rice (loose)", "100630", "0", 5_800, "25 kg bag", 25),
        ("Basmati Rice (loose)", "10063020", "0", 11_000, "25 kg bag", 25),
        ("Basmati Tukda Rice (loose)", "10063020", "0", 7_200, "", 0),
        ("Indrayani Rice (loose)", "100630", "0", 7_800, "25 kg bag", 25),
        ("Ponni Boiled Rice (loose)", "100630", "0", 6_000, "25 kg bag", 25),
        ("Ambemohar Rice (loose)", "100630", "0", 12_000, "", 0),
        ("Idli Rice (loose)", "100630", "0", 5_500, "25 kg bag", 25),
        ("Jowar (loose)", "1007", "0", 4_800, "", 0),
        ("Bajra (loose)", "1008", "0", 3_600, "", 0),
        ("Poha Thick (loose)", "1904", "0", 5_200, "", 0),
        ("Murmura (loose)", "1904", "0", 6_000, "", 0),
        ("Sharbati Wheat (loose)", "1001", "0", 4_200, "30 kg bag", 30),
    ),
    "Atta & Flours": (
        ("Chakki Atta (loose)", "11010000", "0", 4_000, "10 kg bag", 10),
        ("Maida (loose)", "11010000", "0", 3_800, "50 kg bag", 50),
        ("Besan (loose)", "110610", "0", 9_000, "", 0),
        ("Bombay Rava (loose)", "110311", "0", 4_400, "25 kg bag", 25),
        ("Rice Flour (loose)", "110290", "0", 5_000, "", 0),
        ("Jowar Atta (loose)", "110290", "0", 5_500, "", 0),
        ("Bajra Atta (loose)", "110290", "0", 4_500, "", 0),
        ("Ragi Flour (loose)", "110290", "0", 6_000, "", 0),
    ),
    "Dals & Pulses": (
        ("Toor Dal (loose)", "071360", "0", 14_000, "25 kg bag", 25),
        ("Moong Dal (loose)", "071331", "0", 11_500, "25 kg bag", 25),
        ("Chana Dal (loose)", "071320", "0", 8_800, "25 kg bag", 25),
        ("Masoor Dal (loose)", "071340", "0", 9_000, "25 kg bag", 25),
        ("Urad Dal (loose)", "071331", "0", 12_500, "25 kg bag", 25),
        ("Kabuli Chana (loose)", "071320", "0", 11_000, "", 0),
        ("Kala Chana (loose)", "071320", "0", 8_000, "", 0),
        ("Rajma Chitra (loose)", "071333", "0", 14_000, "", 0),
        ("Green Moong Whole (loose)", "071331", "0", 11_000, "", 0),
        ("Matki (loose)", "071339", "0", 12_000, "", 0),
        ("Chawli (loose)", "071335", "0", 10_000, "", 0),
    ),
    "Spices & Masala": (
        ("Turmeric Powder (loose)", "091030", "5", 22_000, "", 0),
        ("Red Chilli Powder (loose)", "090422", "5", 30_000, "", 0),
        ("Coriander Powder (loose)", "090922", "5", 20_000, "", 0),
        ("Jeera (loose)", "090931", "5", 38_000, "", 0),
        ("Mustard Seeds (loose)", "120750", "5", 12_000, "", 0),
        ("Black Pepper (loose)", "090411", "5", 80_000, "", 0),
        ("Methi Seeds (loose)", "091099", "5", 12_000, "", 0),
        ("Saunf (loose)", "090961", "5", 25_000, "", 0),
    ),
    "Edible Oils": (
        ("Groundnut Oil (loose)", "1508", "5", 19_000, "15 kg tin", 15),
        ("Soyabean Oil (loose)", "1507", "5", 13_000, "15 kg tin", 15),
        ("Sunflower Oil (loose)", "1512", "5", 14_000, "15 kg tin", 15),
    ),
    "Sugar, Salt & Jaggery": (
        ("Sugar (loose)", "170199", "5", 4_500, "50 kg bag", 50),
        ("Kolhapuri Jaggery (loose)", "170113", "0", 6_000, "", 0),
        ("Sendha Namak (loose)", "250100", "0", 6_000, "", 0),
        ("Khada Namak (loose)", "250100", "0", 1_500, "", 0),
    ),
    "Tea & Coffee": (
        ("CTC Tea Dust (loose)", "090240", "5", 36_000, "", 0),
        ("Filter Coffee Powder (loose)", "090121", "5", 80_000, "", 0),
    ),
    "Dry Fruits": (
        ("Almonds (loose)", "080212", "12>5", 90_000, "", 0),
        ("Cashew W320 (loose)", "080132", "5", 95_000, "10 kg tin", 10),
        ("Kishmish Raisins (loose)", "080620", "5", 40_000, "", 0),
        ("Walnut Kernels (loose)", "080232", "12>5", 120_000, "", 0),
        ("Khajur Dates (loose)", "080410", "12>5", 20_000, "", 0),
        ("Anjeer (loose)", "080420", "12>5", 110_000, "", 0),
        ("Roasted Salted Pistachios (loose)", "200819", "12>5", 110_000, "", 0),
        ("Makhana (loose)", "0813", "5", 100_000, "", 0),
    ),
    "Fresh Vegetables": (
        ("Potato", "07019000", "0", 3_000, "50 kg bag", 50),
        ("Onion (Nashik)", "07031010", "0", 3_500, "50 kg bag", 50),
        ("Tomato (Hybrid)", "07020000", "0", 4_000, "", 0),
        ("Garlic", "070320", "0", 16_000, "", 0),
        ("Ginger (fresh)", "091011", "0", 10_000, "", 0),
        ("Green Chilli", "070960", "0", 8_000, "", 0),
        ("Lady Finger (Bhindi)", "070999", "0", 6_000, "", 0),
        ("Brinjal (Bharta)", "070930", "0", 5_000, "", 0),
        ("Cauliflower", "070410", "0", 4_500, "", 0),
        ("Cabbage", "070490", "0", 3_000, "", 0),
        ("Carrot (Ooty)", "070610", "0", 5_000, "", 0),
        ("Cucumber", "070700", "0", 4_000, "", 0),
        ("Capsicum (Green)", "070960", "0", 8_000, "", 0),
        ("Bottle Gourd (Lauki)", "070993", "0", 4_000, "", 0),
        ("Green Peas", "070810", "0", 10_000, "", 0),
        ("French Beans", "070820", "0", 8_000, "", 0),
        ("Lemon", "080550", "0", 12_000, "", 0),
        ("Sweet Potato", "071420", "0", 6_000, "", 0),
        ("Beetroot", "070690", "0", 5_000, "", 0),
    ),
}

_PACKED: dict[str, tuple[_PackedRow, ...]] = {
    "Rice & Grains": (
        ("India Gate Basmati Rice Classic 1 kg", "10063020", "5", 14_500, 10),
        ("Daawat Rozana Basmati Rice 5 kg", "10063020", "5", 55_000, 0),
        ("Kohinoor Super Value Basmati Rice 1 kg", "10063020", "5", 11_000, 10),
        ("Fortune Biryani Special Basmati Rice 1 kg", "10063020", "5", 16_500, 10),
    ),
    "Atta & Flours": (
        ("Aashirvaad Shudh Chakki Atta 5 kg", "11010000", "5", 26_500, 0),
        ("Aashirvaad Shudh Chakki Atta 10 kg", "11010000", "5", 49_500, 0),
        ("Pillsbury Chakki Fresh Atta 1 kg", "11010000", "5", 5_800, 10),
        ("Fortune Chakki Fresh Atta 5 kg", "11010000", "5", 24_500, 0),
        ("Rajdhani Besan 500 g", "110610", "5", 6_500, 20),
        ("Tata Sampann Besan 1 kg", "110610", "5", 12_500, 10),
    ),
    "Dals & Pulses": (
        ("Tata Sampann Toor Dal 1 kg", "071360", "5", 17_500, 10),
        ("Tata Sampann Moong Dal 1 kg", "071331", "5", 15_000, 10),
        ("24 Mantra Organic Chana Dal 500 g", "071320", "5", 8_500, 20),
    ),
    "Spices & Masala": (
        ("Everest Garam Masala 100 g", "091091", "5", 9_000, 24),
        ("MDH Chana Masala 100 g", "091091", "5", 8_200, 24),
        ("Everest Kitchen King Masala 100 g", "091091", "5", 8_500, 24),
        ("Catch Turmeric Powder 200 g", "091030", "5", 6_800, 24),
        ("Everest Tikhalal Chilli Powder 200 g", "090422", "5", 10_500, 24),
        ("MDH Deggi Mirch 100 g", "090422", "5", 9_500, 24),
        ("Badshah Pav Bhaji Masala 100 g", "091091", "5", 7_500, 24),
        ("Catch Black Pepper Powder 100 g", "090412", "5", 14_500, 24),
        ("Tata Sampann Coriander Powder 200 g", "090922", "5", 6_000, 24),
        ("Aachi Sambar Powder 100 g", "091091", "5", 5_000, 24),
    ),
    "Edible Oils": (
        ("Fortune Sunflower Oil 1 L Pouch", "151219", "5", 15_500, 10),
        ("Saffola Gold Edible Oil 1 L", "151590", "5", 20_000, 12),
        ("Dhara Kachi Ghani Mustard Oil 1 L", "151491", "5", 18_500, 12),
        ("Gemini Soyabean Oil 1 L Pouch", "150790", "5", 14_000, 10),
        ("KLF Coconad Coconut Oil 1 L", "151311", "5", 32_000, 12),
        ("Fortune Rice Bran Oil 1 L", "151590", "5", 16_000, 10),
        ("Dhara Filtered Groundnut Oil 1 L", "150890", "5", 21_000, 10),
        ("Figaro Pure Olive Oil 500 ml", "150920", "5", 65_000, 12),
        ("Dalda Vanaspati 1 L", "151620", "5", 15_500, 12),
    ),
    "Sugar, Salt & Jaggery": (
        ("Tata Salt 1 kg", "250100", "0", 2_800, 25),
        ("Tata Salt Lite 1 kg", "250100", "0", 4_500, 25),
        ("Madhur Pure Sugar 1 kg", "170199", "5", 5_500, 10),
        ("24 Mantra Organic Jaggery Powder 500 g", "170113", "0", 7_500, 20),
        ("Catch Sprinkled Black Salt 200 g", "250100", "0", 4_000, 24),
    ),
    "Tea & Coffee": (
        ("Tata Tea Premium 1 kg", "090230", "5", 55_000, 12),
        ("Tata Tea Gold 500 g", "090230", "5", 32_500, 24),
        ("Brooke Bond Red Label Tea 250 g", "090230", "5", 14_500, 48),
        ("Wagh Bakri Premium Leaf Tea 500 g", "090230", "5", 28_000, 24),
        ("Taj Mahal Tea 250 g", "090230", "5", 19_500, 24),
        ("Tetley Green Tea 25 Bags", "090210", "5", 17_500, 24),
        ("Society Leaf Tea 250 g", "090230", "5", 14_000, 24),
        ("Nescafe Classic Instant Coffee 50 g", "210111", "18>5", 18_500, 24),
        ("Bru Instant Coffee 100 g", "210112", "18>5", 23_000, 24),
        ("Bru Green Label Filter Coffee 500 g", "090121", "5", 24_500, 12),
    ),
    "Biscuits & Snacks": (
        ("Parle-G Biscuits 250 g", "190531", "18>5", 2_500, 24),
        ("Britannia Good Day Cashew Cookies 200 g", "190531", "18>5", 4_000, 24),
        ("Britannia Marie Gold 250 g", "190531", "18>5", 3_500, 24),
        ("Sunfeast Dark Fantasy Choco Fills 75 g", "190531", "18>5", 4_000, 24),
        ("Parle Monaco Classic 120 g", "190590", "18>5", 3_000, 24),
        ("Britannia 50-50 Maska Chaska 120 g", "190590", "18>5", 3_000, 24),
        ("Cadbury Oreo Original 120 g", "190531", "18>5", 3_500, 24),
        ("Parle Hide & Seek 100 g", "190531", "18>5", 3_000, 24),
        ("Britannia Bourbon 150 g", "190531", "18>5", 3_000, 24),
        ("Parle Krackjack 200 g", "190590", "18>5", 3_000, 24),
        ("Unibic Cashew Cookies 150 g", "190531", "18>5", 4_000, 24),
        ("Haldiram's Aloo Bhujia 400 g", "210690", "12>5", 11_000, 24),
        ("Haldiram's Navratan Mix 200 g", "210690", "12>5", 5_500, 24),
        ("Bikaji Bikaneri Bhujia 400 g", "210690", "12>5", 10_500, 24),
        ("Balaji Ratlami Sev 400 g", "210690", "12>5", 9_500, 24),
        ("Lay's Classic Salted Chips 52 g", "200520", "12>5", 2_000, 48),
        ("Kurkure Masala Munch 90 g", "190410", "12>5", 2_000, 48),
        ("Bingo Mad Angles Achaari Masti 72 g", "190410", "12>5", 2_000, 48),
        ("Cadbury Dairy Milk 50 g", "180632", "18>5", 5_000, 24),
        ("Cadbury 5 Star 40 g", "180690", "18>5", 2_000, 48),
        ("Nestle KitKat 4 Finger 38 g", "180632", "18>5", 3_000, 24),
        ("Haldiram's Soan Papdi 250 g", "170490", "18>5", 9_000, 24),
    ),
    "Dairy": (
        ("Amul Taaza Toned Milk 500 ml Pouch", "040120", "0", 2_800, 0),
        ("Amul Gold Full Cream Milk 500 ml Pouch", "040140", "0", 3_400, 0),
        ("Amul Taaza UHT Milk 1 L Tetra Pak", "040120", "5>0", 7_400, 12),
        ("Amul Pasteurised Butter 100 g", "040510", "12>5", 6_200, 24),
        ("Amul Pure Ghee 1 L", "040590", "12>5", 65_000, 12),
        ("Gowardhan Cow Ghee 500 ml", "040590", "12>5", 36_000, 12),
        ("Amul Cheese Slices 200 g", "040690", "12>5", 14_500, 24),
        ("Amul Masti Dahi 400 g", "040310", "0>5", 3_500, 0),
        ("Amul Masti Spiced Buttermilk 200 ml", "040390", "0>5", 1_500, 30),
        ("Mother Dairy Fresh Paneer 200 g", "040610", "5>0", 9_000, 0),
        ("Nestle Milkmaid Condensed Milk 400 g", "040299", "12>5", 14_500, 24),
        ("Amulya Dairy Whitener 500 g", "040221", "5", 24_000, 24),
    ),
    "Beverages": (
        ("Coca-Cola 750 ml", "220210", "28c12>40", 4_000, 24),
        ("Thums Up 750 ml", "220210", "28c12>40", 4_000, 24),
        ("Sprite 2 L", "220210", "28c12>40", 9_500, 6),
        ("Pepsi 1.25 L", "220210", "28c12>40", 6_500, 12),
        ("Limca 750 ml", "220210", "28c12>40", 4_000, 24),
        ("Red Bull Energy Drink 250 ml", "220299", "28c12>40", 12_500, 24),
        ("Real Fruit Power Mixed Fruit Juice 1 L", "220299", "12>5", 12_000, 12),
        ("Maaza Mango Drink 600 ml", "220299", "12>5", 4_200, 24),
        ("Paper Boat Aamras 200 ml", "220299", "12>5", 3_000, 24),
        ("Bisleri Packaged Drinking Water 20 L Jar", "220110", "12>5", 9_000, 0),
        ("Kinley Club Soda 750 ml", "220110", "18>5", 2_000, 24),
        ("Cadbury Bournvita 500 g", "190190", "18>5", 24_500, 24),
        ("Horlicks Classic Malt 500 g", "190190", "18>5", 26_000, 24),
    ),
    "Personal Care": (
        ("Lux Soft Touch Soap 100 g", "340111", "18>5", 4_000, 48),
        ("Lifebuoy Total 10 Soap 125 g", "340111", "18>5", 3_800, 48),
        ("Dettol Original Soap 125 g", "340111", "18>5", 5_500, 48),
        ("Santoor Sandal & Turmeric Soap 100 g", "340111", "18>5", 3_800, 48),
        ("Medimix Classic Ayurvedic Soap 125 g", "340111", "18>5", 4_500, 48),
        ("Clinic Plus Strong & Long Shampoo 175 ml", "330510", "18>5", 13_500, 24),
        ("Head & Shoulders Anti-Dandruff Shampoo 180 ml", "330510", "18>5", 24_000, 24),
        ("Sunsilk Black Shine Shampoo 180 ml", "330510", "18>5", 17_000, 24),
        ("Parachute Advansed Coconut Hair Oil 300 ml", "330590", "18>5", 16_000, 24),
        ("Dabur Amla Hair Oil 275 ml", "330590", "18>5", 15_500, 24),
        ("Colgate Strong Teeth Toothpaste 200 g", "330610", "18>5", 12_000, 24),
        ("Pepsodent Germicheck Toothpaste 150 g", "330610", "18>5", 9_500, 24),
        ("Dabur Red Toothpaste 200 g", "330610", "18>5", 12_500, 24),
        ("Colgate ZigZag Toothbrush", "960321", "18>5", 4_000, 12),
        ("Pond's Dreamflower Talc 100 g", "330491", "18>5", 13_500, 24),
        ("Old Spice Lather Shaving Cream 70 g", "330710", "18>5", 12_000, 24),
        ("Vaseline Intensive Care Body Lotion 100 ml", "330499", "18", 17_500, 24),
        ("Glow & Lovely Face Cream 50 g", "330499", "18", 13_000, 24),
        ("Nivea Creme 100 ml", "330499", "18", 22_000, 24),
        ("Whisper Ultra Sanitary Pads XL 7", "961900", "12>0", 9_500, 24),
        ("Dettol Antiseptic Liquid 250 ml", "380894", "18", 19_000, 24),
    ),
    "Household & Cleaning": (
        ("Surf Excel Easy Wash Detergent Powder 1 kg", "340220", "18", 14_000, 12),
        ("Tide Plus Detergent Powder 1 kg", "340220", "18", 11_500, 12),
        ("Ariel Matic Front Load Detergent 1 kg", "340220", "18", 27_500, 12),
        ("Rin Detergent Bar 250 g", "340220", "18", 2_000, 48),
        ("Wheel Active Detergent Powder 1 kg", "340220", "18", 7_000, 12),
        ("Vim Dishwash Bar 200 g", "340220", "18", 2_000, 48),
        ("Vim Dishwash Liquid Gel 500 ml", "340220", "18", 11_500, 24),
        ("Harpic Power Plus Toilet Cleaner 500 ml", "340220", "18", 10_500, 24),
        ("Lizol Disinfectant Floor Cleaner Citrus 975 ml", "380894", "18", 21_500, 12),
        ("Good Knight Gold Flash Refill 45 ml", "380891", "18", 8_500, 24),
        ("Mortein Mosquito Coil 10 Coils", "380891", "18", 4_500, 24),
        ("Scotch-Brite Scrub Pad Large", "680530", "18", 6_000, 24),
        ("Hit Cockroach Killer Spray 200 ml", "380891", "18", 21_000, 24),
        ("Garbage Bags Medium 30 Bags", "392321", "18", 9_000, 24),
        ("Odonil Room Freshener Block 50 g", "330749", "18", 5_500, 48),
        ("Comfort Fabric Conditioner 860 ml", "380991", "18", 24_000, 12),
        ("Ujala Supreme Liquid Fabric Whitener 250 ml", "340290", "18", 6_000, 24),
    ),
    "Dry Fruits": (
        ("Happilo California Almonds 200 g", "080212", "12>5", 25_000, 20),
        ("Nutraj Cashew Nuts 250 g", "080132", "5", 27_500, 20),
        ("Lion Seedless Dates 500 g", "080410", "12>5", 15_500, 24),
    ),
    "Instant Food": (
        ("Maggi 2-Minute Masala Noodles 70 g", "190230", "12>5", 1_400, 96),
        ("Maggi 2-Minute Masala Noodles 280 g", "190230", "12>5", 5_600, 24),
        ("Sunfeast Yippee Magic Masala Noodles 70 g", "190230", "12>5", 1_500, 60),
        ("Knorr Classic Thick Tomato Soup 53 g", "210410", "18>5", 6_500, 24),
        ("Kissan Fresh Tomato Ketchup 950 g", "210320", "12>5", 14_500, 12),
        ("Maggi Hot & Sweet Tomato Chilli Sauce 500 g", "210320", "12>5", 13_500, 24),
        ("Kissan Mixed Fruit Jam 500 g", "200799", "12>5", 18_000, 24),
        ("MTR Ready to Eat Dal Makhani 300 g", "210690", "12>5", 15_000, 24),
        ("Kellogg's Corn Flakes Original 475 g", "190410", "18>5", 21_000, 12),
        ("Quaker Oats 1 kg", "110412", "5", 19_500, 12),
        ("Bambino Roasted Vermicelli 400 g", "190219", "12>5", 6_000, 24),
        ("Gits Gulab Jamun Mix 200 g", "190120", "18>5", 12_000, 24),
        ("MTR Rava Idli Mix 500 g", "190120", "18>5", 15_000, 24),
        ("Mother's Recipe Mango Pickle 500 g", "200190", "12>5", 15_000, 24),
    ),
    "Pooja Needs": (
        ("Cycle 3 in 1 Agarbatti", "330741", "5", 6_000, 24),
        ("Mangaldeep Sandal Agarbatti", "330741", "5", 5_500, 24),
        ("Zed Black Dhoop Sticks", "330741", "5", 3_000, 48),
        ("Mangaldeep Camphor Tablets 50 g", "291429", "18", 9_000, 24),
        ("Kumkum Powder 50 g", "330499", "0", 2_000, 48),
        ("Idhayam Deepam Lamp Oil 1 L", "151590", "5", 13_000, 12),
        ("Om Shanti Paraffin Candles Pack of 6", "340610", "12>5", 4_000, 24),
    ),
}

_PACKAGE_ONLY: dict[str, tuple[_PackOnlyRow, ...]] = {
    "Tea & Coffee": (("Bru Instant Coffee Sachet 2 g", "210112", "18>5", 200, "Strip of 20", 20),),
    "Biscuits & Snacks": (("Parle-G Biscuits 50 g", "190531", "18>5", 500, "Bundle of 12", 12),),
    "Dairy": (("Farm Fresh Eggs", "040721", "0", 700, "Tray of 30", 30),),
    "Beverages": (
        ("Bisleri Packaged Drinking Water 1 L", "220110", "18>5", 2_000, "Case of 12", 12),
        ("Kinley Packaged Drinking Water 500 ml", "220110", "18>5", 1_000, "Case of 24", 24),
    ),
    "Personal Care": (("Clinic Plus Shampoo Sachet 6 ml", "330510", "18>5", 100, "Strip of 16", 16),),
    "Instant Food": (("Maggi Masala-ae-Magic Sachet 6 g", "210390", "12>5", 500, "Strip of 12", 12),),
    "Pooja Needs": (("Ship Safety Matches", "360500", "12>5", 200, "Bundle of 10", 10),),
}

_PRODUCT_COUNT = 240


def _package_prices(base: dict[str, int], count: int, n: int) -> dict[str, int]:
    """Explicit package price per tier: 1-3 % below count × the base price, rounded down to a tidy amount."""
    discount_bp = 100 + _mix(n, 2) % 201
    prices: dict[str, int] = {}
    for tier, price in base.items():
        full = price * count
        step = 100 if full >= 10_000 else 10  # whole rupees, or 10 paise for small packs
        prices[tier] = full * (10_000 - discount_bp) // 10_000 // step * step
    return prices


def _base_prices(counter_paise: int, n: int) -> dict[str, int]:
    """Wholesale and counter price of one base unit."""
    return {"wholesale": _wholesale_price(counter_paise, n), "counter": counter_paise}


def _barcode(category_index: int, product_no: int, unit_index: int) -> str:
    """EAN-13 with the Indian GS1 prefix 890, unique per (product, unit)."""
    company = 1_000 + category_index * 53
    return _ean13(f"890{company:04d}{product_no:04d}{unit_index}")


def _loose_product(no: int, cat_index: int, row: _LooseRow) -> DemoProduct:
    """A loose item sold by kg, optionally also as a bag or tin with its own barcode."""
    name, hsn, gst, paise, pack_name, pack_kg = row
    prices = _base_prices(paise, no)
    units = [DemoUnit("kg", "kg", 1_000, None, prices)]
    if pack_name:
        pack_prices = _package_prices(prices, pack_kg, no) if _mix(no, 3) % 3 else {}
        units.append(DemoUnit("package", pack_name, pack_kg * 1_000, _barcode(cat_index, no, 1), pack_prices))
    return DemoProduct(
        f"SKU{no:05d}", name, _CATEGORIES[cat_index], hsn, "kg", _gst_history(gst), tuple(units)
    )


def _packed_product(no: int, cat_index: int, row: _PackedRow) -> DemoProduct:
    """A packaged item sold by piece, optionally also by the case (each with its own barcode)."""
    name, hsn, gst, paise, case = row
    prices = _base_prices(paise, no)
    units = [DemoUnit("piece", "piece", 1_000, _barcode(cat_index, no, 0), prices)]
    if case:
        case_prices = _package_prices(prices, case, no) if _mix(no, 3) % 3 else {}
        units.append(
            DemoUnit("package", f"Case of {case}", case * 1_000, _barcode(cat_index, no, 1), case_prices)
        )
    return DemoProduct(
        f"SKU{no:05d}", name, _CATEGORIES[cat_index], hsn, "piece", _gst_history(gst), tuple(units)
    )


def _package_only_product(no: int, cat_index: int, row: _PackOnlyRow) -> DemoProduct:
    """An item sold only as a whole package; the single piece is not sellable and carries no barcode."""
    name, hsn, gst, paise, pack_name, count = row
    prices = _base_prices(paise, no)
    units = (
        DemoUnit("piece", "piece", 1_000, None, prices, sellable=False),
        DemoUnit(
            "package",
            pack_name,
            count * 1_000,
            _barcode(cat_index, no, 1),
            _package_prices(prices, count, no),
        ),
    )
    return DemoProduct(f"SKU{no:05d}", name, _CATEGORIES[cat_index], hsn, "piece", _gst_history(gst), units)


def demo_products() -> tuple[DemoProduct, ...]:
    """The 240-item demo catalogue, grouped by category, SKU00001 onwards."""
    products: list[DemoProduct] = []
    for cat_index, category in enumerate(_CATEGORIES):
        for loose in _LOOSE.get(category, ()):
            products.append(_loose_product(len(products) + 1, cat_index, loose))
        for packed in _PACKED.get(category, ()):
            products.append(_packed_product(len(products) + 1, cat_index, packed))
        for pack_only in _PACKAGE_ONLY.get(category, ()):
            products.append(_package_only_product(len(products) + 1, cat_index, pack_only))
    if len(products) != _PRODUCT_COUNT:  # guards edits to the tables above
        raise AssertionError(f"demo catalogue has {len(products)} products, expected {_PRODUCT_COUNT}")
    return tuple(products)


# --------------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------------

_CUSTOMER_TYPES: tuple[tuple[str, str, str], ...] = (
    ("retail", "Retail (walk-in)", "counter"),
    ("wholesale", "Wholesale trader", "wholesale"),
    ("b2b", "Business (B2B, GST registered)", "customer"),
    ("staff", "Staff purchase", "wholesale"),
)


def demo_customer_types() -> tuple[DemoCustomerType, ...]:
    """Customer types with the rate tier each one starts on."""
    return tuple(DemoCustomerType(code, name, tier) for code, name, tier in _CUSTOMER_TYPES)


# Unregistered customers: (type, name, address, credit limit in rupees)
_PLAIN_CUSTOMERS: tuple[tuple[str, str, str, int], ...] = (
    ("retail", "Rohan Kulkarni", "Flat 12, Shanti Niketan Society, Kothrud, Pune 411038", 0),
    ("retail", "Sneha Joshi", "B-204, Gokul Residency, Aundh, Pune 411007", 5_000),
    ("retail", "Imran Shaikh", "House 7, Bhavani Peth, Pune 411042", 0),
    ("retail", "Fatima Sayyed", "Lane 3, Kondhwa Khurd, Pune 411048", 2_000),
    ("retail", "Anil Bhosale", "Plot 21, Sant Tukaram Nagar, Pimpri, Pune 411018", 0),
    ("retail", "Meera Iyer", "C-9, Sahakar Nagar, Pune 411009", 10_000),
    ("retail", "Rajesh Agarwal", "Shop-cum-residence 5, Rasta Peth, Pune 411011", 0),
    ("retail", "Kavita Deshpande", "A-1102, Amanora Park Town, Hadapsar, Pune 411028", 3_000),
    ("retail", "Joseph D'Souza", "14 Wellesley Road, Camp, Pune 411001", 0),
    ("retail", "Harpreet Kaur", "22 Gurudwara Road, Pimpri, Pune 411017", 0),
    ("retail", "Pradeep Naik", "Room 4, Chawl 2, Chakan, Pune 410501", 1_000),
    ("wholesale", "Gupta General Stores", "Main Bazaar, Chakan, Pune 410501", 100_000),
    ("wholesale", "Balaji Kirana & Provisions", "Market Yard Road, Gultekdi, Pune 411037", 150_000),
    ("wholesale", "Jai Bhavani Provision Stores", "Station Road, Talegaon Dabhade 410506", 75_000),
    ("wholesale", "Shivam Traders", "Old Mumbai-Pune Highway, Dehu Road 412101", 50_000),
    ("wholesale", "Ganesh Supermarket", "Alandi Road, Bhosari, Pune 411039", 200_000),
    ("wholesale", "Mahalaxmi Stores", "Shivaji Chowk, Rajgurunagar 410505", 60_000),
)

# Registered businesses: (trade name, legal name, state code, PAN, address, shipping state, credit rupees)
_B2B_CUSTOMERS: tuple[tuple[str, str, str, str, str, str, int], ...] = (
    (
        "Hotel Sai Palace",
        "Sai Palace Hospitality Private Limited",
        "27",
        "AAJCS4821M",
        "Plot 14, MIDC Road, Chakan, Pune 410501",
        "27",
        300_000,
    ),
    (
        "Annapurna Caterers",
        "Annapurna Caterers LLP",
        "27",
        "AAKFA3307Q",
        "Shop 3, Gangapur Road, Nashik 422013",
        "27",
        150_000,
    ),
    (
        "Udupi Krishna Bhavan",
        "Krishna Bhavan Foods Private Limited",
        "29",
        "AABCK7719D",
        "42, 4th Cross, Malleshwaram, Bengaluru 560003",
        "29",
        250_000,
    ),
    (
        "Mysore Spice Traders",
        "Ravi Shankar Hegde",
        "29",
        "ADZPH5521L",
        "Devaraja Market, Sayyaji Rao Road, Mysuru 570001",
        "29",
        100_000,
    ),
    (
        "Shree Patel Trading Co.",
        "Shree Patel Trading Company",
        "24",
        "AAIFS9012B",
        "12, Kalupur Anaj Bazaar, Ahmedabad 380002",
        "24",
        400_000,
    ),
    (
        "Surat Snacks",
        "Surat Snacks Private Limited",
        "24",
        "AAHCS6654E",
        "Ring Road, Udhna, Surat 395002",
        "27",
        200_000,
    ),
    (
        "Chennai Tiffin Centre",
        "Lakshmi Narayanan Subramanian",
        "33",
        "BKTPS2190R",
        "14, Usman Road, T. Nagar, Chennai 600017",
        "33",
        120_000,
    ),
    (
        "Kovai Mills Canteen",
        "Kovai Textile Mills Limited",
        "33",
        "AACCK1452H",
        "Avinashi Road, Peelamedu, Coimbatore 641004",
        "33",
        500_000,
    ),
    (
        "Indore Namkeen House",
        "Indore Namkeen House",
        "23",
        "AAGFI4410K",
        "Chhappan Dukan, New Palasia, Indore 452001",
        "23",
        150_000,
    ),
    (
        "Fernandes Beach Supplies",
        "Anthony Fernandes",
        "30",
        "AASPF8870N",
        "Calangute-Baga Road, Bardez, Goa 403516",
        "30",
        80_000,
    ),
)

_STAFF_CUSTOMERS: tuple[tuple[str, str, str, int], ...] = (
    ("staff", "Sachin Jadhav (staff)", "Room 11, Workers' Colony, MIDC Chakan, Pune 410501", 5_000),
    ("staff", "Sunita Pawar (staff)", "Room 27, Workers' Colony, MIDC Chakan, Pune 410501", 5_000),
    ("staff", "Manoj Yadav (staff)", "Near Bus Stand, Chakan, Pune 410501", 5_000),
)

_SHOP_STATE = "27"


def _special_prices(products: tuple[DemoProduct, ...], n: int) -> dict[str, int]:
    """3-6 customer-specific base-unit prices, 5-9 % below the counter price."""
    eligible = [p for p in products if p.units[0].sellable]
    wanted = 3 + _mix(n, 20) % 4
    prices: dict[str, int] = {}
    salt = 21
    while len(prices) < wanted:
        product = eligible[_mix(n, salt) % len(eligible)]
        salt += 1
        if product.sku in prices:
            continue
        counter = product.units[0].prices_paise["counter"]
        discount_bp = 500 + _mix(n, salt) % 401
        prices[product.sku] = min(_round_to(counter * (10_000 - discount_bp) // 10_000, 10), counter - 1)
    return dict(sorted(prices.items()))


def demo_customers() -> tuple[DemoCustomer, ...]:
    """Thirty customers: retail, wholesale, GST-registered businesses across states, and staff."""
    tiers = {code: tier for code, _name, tier in _CUSTOMER_TYPES}
    products = demo_products()
    customers: list[DemoCustomer] = []
    for type_code, name, address, credit in _PLAIN_CUSTOMERS:
        n = len(customers) + 1
        customers.append(
            DemoCustomer(
                f"C{n:04d}", name, _mobile(n, 31), type_code, tiers[type_code], None, None,
                _SHOP_STATE, _SHOP_STATE, address, credit * 100, {},
            )
        )  # fmt: skip
    for trade, legal, state, pan, address, ship_state, credit in _B2B_CUSTOMERS:
        n = len(customers) + 1
        customers.append(
            DemoCustomer(
                f"C{n:04d}", trade, _mobile(n, 31), "b2b", tiers["b2b"], _gstin(state, pan), legal,
                state, ship_state, address, credit * 100, _special_prices(products, n),
            )
        )  # fmt: skip
    for type_code, name, address, credit in _STAFF_CUSTOMERS:
        n = len(customers) + 1
        customers.append(
            DemoCustomer(
                f"C{n:04d}", name, _mobile(n, 31), type_code, tiers[type_code], None, None,
                _SHOP_STATE, _SHOP_STATE, address, credit * 100, {},
            )
        )  # fmt: skip
    return tuple(customers)


# --------------------------------------------------------------------------------------------------
# Seller registrations
# --------------------------------------------------------------------------------------------------

_SELLER_LEGAL_NAME = "Shree Datta Foods and Provisions Private Limited"
_SELLER_PAN = "AAECD5512F"


def demo_seller_registrations() -> tuple[DemoSellerRegistration, ...]:
    """Two consecutive GST registrations of the shop's company after it moved premises in 2026."""
    return (
        DemoSellerRegistration(
            legal_name=_SELLER_LEGAL_NAME,
            trade_name="Datta Super Mart",
            gstin=_gstin(_SHOP_STATE, _SELLER_PAN, "1"),
            state_code=_SHOP_STATE,
            address="Shop 4, Sai Complex, Station Road, Chakan, Pune 410501",
            valid_from=date(2025, 1, 1),
            valid_to=date(2025, 12, 31),
        ),
        DemoSellerRegistration(
            legal_name=_SELLER_LEGAL_NAME,
            trade_name="Datta Super Mart & Factory Outlet",
            gstin=_gstin(_SHOP_STATE, _SELLER_PAN, "2"),
            state_code=_SHOP_STATE,
            address="Gat No. 118, Pune-Nashik Highway, Kuruli, Chakan, Pune 410501",
            valid_from=date(2026, 1, 1),
            valid_to=None,
        ),
    )


# --------------------------------------------------------------------------------------------------
# Shifts
# --------------------------------------------------------------------------------------------------


def demo_shifts() -> tuple[DemoShift, ...]:
    """Three eight-hour factory shifts; shift C crosses midnight."""
    rows = (
        ("A", "Shift A (morning)", time(6, 0), time(14, 0)),
        ("B", "Shift B (afternoon)", time(14, 0), time(22, 0)),
        ("C", "Shift C (night)", time(22, 0), time(6, 0)),
    )
    return tuple(DemoShift(code, name, start, end, 30, 10, 10, 60) for code, name, start, end in rows)


# --------------------------------------------------------------------------------------------------
# Employees
# --------------------------------------------------------------------------------------------------

# (department, designation, head count, pay basis, low rupees, high rupees, step rupees, overtime, shifts)
_STAFFING: tuple[tuple[str, str, int, str, int, int, int, bool, str], ...] = (
    ("Production", "Machine Operator", 40, "daily", 600, 800, 10, True, "ABC"),
    ("Production", "Production Helper", 38, "daily", 450, 550, 10, True, "ABC"),
    ("Production", "Senior Operator", 6, "daily", 800, 950, 10, True, "ABC"),
    ("Production", "Line Supervisor", 6, "monthly", 28_000, 38_000, 500, False, "ABC"),
    ("Packing", "Packer", 38, "daily", 450, 600, 10, True, "ABC"),
    ("Packing", "Packing Helper", 6, "hourly", 60, 75, 1, True, "ABC"),
    ("Packing", "Packing Supervisor", 6, "monthly", 24_000, 30_000, 500, False, "ABC"),
    ("Stores", "Store Assistant", 10, "daily", 500, 600, 10, True, "AB"),
    ("Stores", "Forklift Operator", 6, "daily", 650, 750, 10, True, "ABC"),
    ("Stores", "Storekeeper", 4, "monthly", 22_000, 28_000, 500, False, "AB"),
    ("Quality", "QC Inspector", 9, "monthly", 20_000, 26_000, 500, False, "ABC"),
    ("Quality", "Lab Chemist", 4, "monthly", 30_000, 40_000, 500, False, "AB"),
    ("Quality", "QC Manager", 2, "monthly", 55_000, 70_000, 1_000, False, "A"),
    ("Maintenance", "Electrician", 6, "daily", 750, 900, 10, True, "ABC"),
    ("Maintenance", "Fitter", 8, "daily", 700, 850, 10, True, "ABC"),
    ("Maintenance", "Maintenance Engineer", 2, "monthly", 40_000, 55_000, 1_000, False, "AB"),
    ("Maintenance", "Contract Welder", 2, "hourly", 120, 150, 5, True, "A"),
    ("Dispatch", "Loader", 14, "daily", 500, 600, 10, True, "AB"),
    ("Dispatch", "Driver", 5, "monthly", 18_000, 22_000, 500, True, "AB"),
    ("Dispatch", "Dispatch Clerk", 3, "monthly", 18_000, 22_000, 500, False, "AB"),
    ("Admin", "HR Executive", 2, "monthly", 30_000, 40_000, 500, False, "A"),
    ("Admin", "Admin Officer", 2, "monthly", 28_000, 35_000, 500, False, "A"),
    ("Admin", "Office Assistant", 2, "monthly", 15_000, 18_000, 500, False, "A"),
    ("Admin", "Security Guard", 5, "daily", 550, 650, 10, True, "ABC"),
    ("Admin", "Plant Manager", 1, "monthly", 120_000, 150_000, 5_000, False, "A"),
    ("Accounts", "Accountant", 3, "monthly", 35_000, 45_000, 500, False, "A"),
    ("Accounts", "Accounts Assistant", 4, "monthly", 20_000, 25_000, 500, False, "A"),
    ("Accounts", "Billing Clerk", 1, "monthly", 18_000, 20_000, 500, False, "B"),
    ("Sales counter", "Cashier", 6, "monthly", 16_000, 20_000, 500, False, "AB"),
    ("Sales counter", "Sales Assistant", 6, "daily", 500, 600, 10, True, "AB"),
    ("Sales counter", "Counter Supervisor", 1, "monthly", 25_000, 30_000, 500, False, "A"),
    ("Sales counter", "Part-time Helper", 2, "hourly", 70, 90, 5, True, "B"),
)

# Name pools by region: (male first names, female first names, surnames)
_NAME_POOLS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (  # Maharashtra
        ("Sachin", "Rahul", "Ganesh", "Sandeep", "Mahesh", "Prashant", "Sunil", "Vijay", "Amol", "Nitin"),
        ("Sunita", "Priya", "Manisha", "Swati", "Vaishali", "Ashwini", "Pooja", "Snehal"),
        ("Patil", "Jadhav", "Shinde", "Pawar", "Kulkarni", "Deshmukh", "More", "Gaikwad", "Chavan", "Kale"),
    ),
    (  # Uttar Pradesh, Bihar, Madhya Pradesh
        ("Ramesh", "Suresh", "Rajesh", "Anil", "Manoj", "Pankaj", "Ravi", "Ajay", "Vikas", "Deepak"),
        ("Sita", "Geeta", "Anita", "Rekha", "Neha", "Kavita", "Pinki", "Sarita"),
        ("Yadav", "Singh", "Kumar", "Sharma", "Verma", "Mishra", "Gupta", "Tiwari", "Pandey", "Chauhan"),
    ),
    (  # Tamil Nadu
        ("Murugan", "Karthik", "Senthil", "Rajkumar", "Saravanan", "Arun", "Velu"),
        ("Lakshmi", "Meena", "Kavitha", "Revathi", "Selvi", "Divya"),
        ("Subramanian", "Natarajan", "Krishnan", "Raman", "Murugesan", "Chidambaram"),
    ),
    (  # Andhra Pradesh, Telangana
        ("Venkatesh", "Srinivas", "Naresh", "Ravi Teja", "Mahesh Babu", "Chandra"),
        ("Padma", "Sravani", "Lavanya", "Swapna", "Sirisha"),
        ("Reddy", "Naidu", "Rao", "Chowdary", "Varma"),
    ),
    (  # Karnataka
        ("Manjunath", "Basavaraj", "Prakash", "Shivakumar", "Girish"),
        ("Shilpa", "Savitha", "Roopa", "Deepa"),
        ("Gowda", "Hegde", "Shetty", "Naik", "Bhat"),
    ),
    (  # Kerala
        ("Anoop", "Jithin", "Shibu", "Biju", "Rajeev"),
        ("Anjali", "Reshma", "Sreeja", "Bindu"),
        ("Nair", "Menon", "Pillai", "Kurian", "Varghese", "Thomas"),
    ),
    (  # Gujarat
        ("Hitesh", "Jignesh", "Bhavesh", "Nilesh", "Ketan"),
        ("Hetal", "Bhavna", "Falguni", "Jigna"),
        ("Patel", "Shah", "Desai", "Mehta", "Parmar", "Solanki"),
    ),
    (  # West Bengal, Odisha
        ("Subhajit", "Arindam", "Debashis", "Sourav", "Bikash", "Pradeep"),
        ("Moumita", "Rupa", "Sanchita", "Priyanka"),
        ("Das", "Ghosh", "Banerjee", "Mondal", "Mohanty", "Sahoo", "Paul"),
    ),
    (  # Punjab
        ("Gurpreet", "Harjeet", "Jaswinder", "Kuldeep", "Balwinder"),
        ("Simran", "Manpreet", "Harpreet", "Jaspreet"),
        ("Gill", "Sandhu", "Sidhu", "Dhillon", "Grewal"),
    ),
    (  # Rajasthan
        ("Mahendra", "Bhupendra", "Jaswant", "Laxman", "Govind"),
        ("Kamla", "Santosh", "Manju", "Suman"),
        ("Rathore", "Meena", "Choudhary", "Saini", "Shekhawat"),
    ),
)
# A factory near Pune: mostly local and Hindi-belt workers, with people from everywhere else.
_REGION_CYCLE = (0, 1, 0, 1, 2, 0, 1, 3, 0, 4, 1, 5, 0, 6, 1, 7, 8, 0, 1, 9, 0, 2)


def _employee_name(n: int, taken: set[str]) -> str:
    """A plausible, not yet used Indian name for employee number n."""
    males, females, surnames = _NAME_POOLS[_REGION_CYCLE[n % len(_REGION_CYCLE)]]
    salt = 0
    while True:
        firsts = females if _mix(n, 40 + salt) % 100 < 28 else males
        name = f"{firsts[_mix(n, 41 + salt) % len(firsts)]} {surnames[_mix(n, 42 + salt) % len(surnames)]}"
        if name not in taken:
            taken.add(name)
            return name
        salt += 3


def demo_employees() -> tuple[DemoEmployee, ...]:
    """250 factory and shop employees, E0001 onwards, across departments and all three shifts."""
    employees: list[DemoEmployee] = []
    taken: set[str] = set()
    for dept, designation, head_count, basis, low, high, step, overtime, shifts in _STAFFING:
        for j in range(head_count):
            n = len(employees) + 1
            rupees = low + step * (_mix(n, 43) % ((high - low) // step + 1))
            employees.append(
                DemoEmployee(
                    code=f"E{n:04d}",
                    name=_employee_name(n, taken),
                    department=dept,
                    designation=designation,
                    shift_code=shifts[j % len(shifts)],
                    pay_basis=basis,
                    pay_rate_paise=rupees * 100,
                    overtime_eligible=overtime,
                    badge_id=str(1_000_000_000 + (48_271_933 * n + 12_345) % 900_000_000),
                    fingerprint_user_id=n,
                    joined_on=date(2012, 4, 1) + timedelta(days=_mix(n, 44) % 4_900),
                    phone=_mobile(n, 45),
                )
            )
    return tuple(employees)


# --------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------


def demo_users() -> tuple[DemoUser, ...]:
    """One login per role; the documented demo passwords are 'ROLE-demo-1'."""
    employees = demo_employees()
    first_employee = employees[0]
    hr_employee = next(e for e in employees if e.designation == "HR Executive")
    rows = (
        ("admin", "Store Administrator", "admin", "admin-demo-1", None),
        ("manager", "Store Manager", "manager", "manager-demo-1", None),
        ("cashier", "Counter Cashier", "cashier", "cashier-demo-1", None),
        ("hr", hr_employee.name, "hr", "hr-demo-1", hr_employee.code),
        ("employee", first_employee.name, "employee", "employee-demo-1", first_employee.code),
    )
    return tuple(DemoUser(*row) for row in rows)

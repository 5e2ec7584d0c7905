"""A generated kirana catalogue of any size: realistic names, EAN-13 barcodes (GS1 India prefix 890),
piece and case units, two price tiers and a GST rate, as plain rows ready for a bulk insert."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from stdnum import ean

from edge.services.catalog import product_tokens

PRICES_FROM = date(2025, 4, 1)
GST_FROM = date(2017, 7, 1)
CREATED_AT = datetime(2025, 4, 1, 3, 30, 0)
CASE_SHARE = 0.30
CASE_SIZES = (6, 12, 24, 48)


@dataclass(frozen=True)
class Group:
    """Products of one shelf: who makes them, what they are, in which variants and sizes."""

    category: str
    hsn: str
    gst_bp: int
    price_range_paise: tuple[int, int]
    brands: tuple[str, ...]
    products: tuple[str, ...]
    variants: tuple[str, ...]
    sizes: tuple[str, ...]

    @property
    def combinations(self) -> int:
        """How many distinct names the group can make."""
        return len(self.brands) * len(self.products) * len(self.variants) * len(self.sizes)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|"))


GROUPS: tuple[Group, ...] = (
    Group("Rice & Grains", "100630", 500, (4_000, 160_000),
          _split("Tata Sampann|India Gate|Daawat|Kohinoor|Lal Qilla|Fortune|Aashirvaad|24 Mantra|Patanjali|"
                 "Shakti Bhog|Rajdhani|Organic Tattva|Nature Fresh|Pro Nature|Sri Sri Tattva"),
          _split("Basmati Rice|Sona Masoori Rice|Kolam Rice|Brown Rice|Idli Rice|Ponni Rice|Jeera Rice|"
                 "Poha|Daliya|Quinoa|Jowar|Bajra|Ragi|Sabudana|Murmura"),
          _split("|Classic|Gold|Premium|Select|Everyday|Super|Rozana|Dubar|Tibar|Organic|Unpolished"),
          _split("500 g|1 kg|2 kg|5 kg|10 kg|25 kg")),
    Group("Atta & Flours", "11010000", 0, (3_000, 60_000),
          _split("Aashirvaad|Pillsbury|Fortune|Annapurna|Shakti Bhog|Rajdhani|Patanjali|Tata Sampann|"
                 "Nature Fresh|24 Mantra|Pro Nature|Organic Tattva|Nandi|Chakki Fresh"),
          _split("Whole Wheat Atta|Chakki Atta|Multigrain Atta|Maida|Besan|Sooji|Bombay Rava|Rice Flour|"
                 "Ragi Flour|Jowar Atta|Bajra Atta|Corn Flour|Makki Atta|Singhara Atta"),
          _split("|Select|Gold|Sugar Release Control|High Fibre|Organic|Superior MP|Fine|Coarse|Premium"),
          _split("500 g|1 kg|2 kg|5 kg|10 kg")),
    Group("Dals & Pulses", "071360", 0, (5_000, 90_000),
          _split("Tata Sampann|Rajdhani|24 Mantra|Organic Tattva|Pro Nature|Fortune|Patanjali|Nature Fresh|"
                 "Sri Sri Tattva|Shakti Bhog|Golden Harvest|Best Value"),
          _split("Toor Dal|Moong Dal|Chana Dal|Masoor Dal|Urad Dal|Rajma|Kabuli Chana|Kala Chana|"
                 "Green Moong|Matki|Chawli|Lobia|Moong Chilka|Urad Gota|Masoor Whole"),
          _split("|Unpolished|Premium|Organic|Select|Split|Whole|Dhuli|Malka|Jumbo"),
          _split("500 g|1 kg|2 kg|5 kg")),
    Group("Spices & Masala", "0910", 500, (1_000, 40_000),
          _split("MDH|Everest|Catch|MTR|Eastern|Badshah|Aachi|Sakthi|Patanjali|Tata Sampann|Suhana|"
                 "Ramdev|Pushp|Goldiee|Priya|Rajesh|Chandu"),
          _split("Turmeric Powder|Chilli Powder|Coriander Powder|Cumin Powder|Garam Masala|Chicken Masala|"
                 "Meat Masala|Pav Bhaji Masala|Sambar Masala|Rasam Powder|Chole Masala|Chaat Masala|"
                 "Kitchen King Masala|Biryani Masala|Kasuri Methi|Hing|Jeera|Mustard Seeds|Black Pepper|"
                 "Kashmiri Mirch"),
          _split("|Classic|Premium|Extra Hot|Mild|Royal|Special|Shahi|Pure|Organic"),
          _split("50 g|100 g|200 g|500 g|1 kg")),
    Group("Edible Oils & Ghee", "1512", 500, (6_000, 280_000),
          _split("Fortune|Saffola|Dhara|Gemini|Sundrop|Engine|Postman|Emami Healthy|Gulab|Tirupati|"
                 "Ruchi Gold|Freedom|Figaro|Parachute|KLF|Amul|Gowardhan|Patanjali|Nandini|Mother Dairy"),
          _split("Sunflower Oil|Mustard Oil|Groundnut Oil|Soyabean Oil|Rice Bran Oil|Coconut Oil|"
                 "Olive Oil|Cottonseed Oil|Sesame Oil|Cow Ghee|Desi Ghee|Vanaspati|Kachi Ghani Mustard Oil|"
                 "Filtered Groundnut Oil|Blended Oil"),
          _split("|Refined|Cold Pressed|Gold|Active|Total|Lite|Pure|Kachi Ghani|Extra Virgin"),
          _split("200 ml|500 ml|1 L|2 L|5 L|15 L|Pouch 1 L|Jar 5 L")),
    Group("Biscuits & Snacks", "1905", 500, (500, 25_000),
          _split("Parle|Britannia|Sunfeast|Haldiram's|Bikaji|Balaji|Kurkure|Lay's|Uncle Chipps|Bingo|"
                 "Act II|Unibic|Cadbury|Priyagold|Anmol|Bikano|Chitale|Prabhuji|Too Yumm"),
          _split("Glucose Biscuits|Marie Biscuits|Cream Biscuits|Digestive Biscuits|Salted Crackers|"
                 "Butter Cookies|Rusk|Cake|Bhujia|Aloo Bhujia|Moong Dal Namkeen|Khatta Meetha|"
                 "Potato Chips|Nachos|Popcorn|Banana Chips|Chakli|Sev|Mixture|Chocolate Chip Cookies"),
          _split("|Classic|Masala|Salted|Cream & Onion|Tomato|Elaichi|Butter|Nutty|Magic|Gold|Lite"),
          _split("30 g|50 g|75 g|100 g|150 g|200 g|250 g|400 g|800 g|1 kg|Rs 10|Rs 20|Family Pack")),
    Group("Tea & Coffee & Drinks", "0902", 500, (1_000, 120_000),
          _split("Tata Tea|Red Label|Taj Mahal|Wagh Bakri|Society|Girnar|Lipton|Tetley|Bru|Nescafe|"
                 "Continental|Sunrise|Horlicks|Bournvita|Boost|Complan|Real|Tropicana|Paper Boat"),
          _split("CTC Tea|Green Tea|Masala Chai|Leaf Tea|Dust Tea|Instant Coffee|Filter Coffee|Coffee Powder|"
                 "Health Drink|Malt Drink|Mixed Fruit Juice|Orange Juice|Mango Drink|Aam Panna|Jaljeera"),
          _split("|Premium|Gold|Classic|Elaichi|Ginger|Tulsi|Lemon|Strong|Kadak|Original|Chocolate"),
          _split("100 g|250 g|500 g|1 kg|200 ml|1 L|Jar 500 g|Refill Pack")),
    Group("Personal Care", "3401", 1800, (1_000, 90_000),
          _split("Lifebuoy|Lux|Dove|Pears|Santoor|Cinthol|Medimix|Dettol|Himalaya|Patanjali|Colgate|"
                 "Pepsodent|Close Up|Dabur|Parachute|Clinic Plus|Pantene|Head & Shoulders|Sunsilk|Vaseline|"
                 "Ponds|Boroplus|Nivea|Gillette|Park Avenue|Mysore Sandal"),
          _split("Bath Soap|Shampoo|Conditioner|Hair Oil|Toothpaste|Toothbrush|Face Wash|Body Lotion|"
                 "Cold Cream|Talcum Powder|Handwash|Shaving Cream|Deodorant|Lip Balm|Antiseptic Liquid"),
          _split("|Neem|Aloe Vera|Sandal|Rose|Lemon|Herbal|Total|Active|Fresh|Anti Dandruff|Strong"),
          _split("50 g|75 g|100 g|150 g|200 ml|340 ml|650 ml|1 L|Pack of 3|Pack of 4")),
    Group("Household & Cleaning", "3402", 1800, (1_000, 80_000),
          _split("Surf Excel|Ariel|Tide|Rin|Wheel|Nirma|Ghadi|Vim|Pril|Exo|Harpic|Lizol|Domex|Colin|"
                 "Odonil|Good Knight|All Out|Mortein|Hit|Scotch Brite|Henko|Sasa|Fena"),
          _split("Detergent Powder|Detergent Bar|Liquid Detergent|Dishwash Bar|Dishwash Liquid|"
                 "Floor Cleaner|Toilet Cleaner|Glass Cleaner|Air Freshener|Mosquito Coil|"
                 "Mosquito Repellent Refill|Cockroach Spray|Scrub Pad|Fabric Conditioner|Bleach"),
          _split("|Matic|Easy Wash|Lemon|Jasmine|Lavender|Power|Ultra|Original|Pine|Advanced"),
          _split("250 g|500 g|1 kg|2 kg|4 kg|500 ml|1 L|2 L|Pack of 4|Pack of 10")),
    Group("Dairy & Instant Food", "0405", 1200, (1_000, 60_000),
          _split("Amul|Mother Dairy|Nandini|Gowardhan|Gokul|Chitale|Britannia|Nestle|Maggi|Yippee|"
                 "Top Ramen|Knorr|Ching's|Kissan|Del Monte|Veeba|Funfoods|MTR|Gits|Kellogg's|Quaker"),
          _split("Butter|Cheese Slices|Cheese Spread|Paneer|Curd|Milk Powder|Instant Noodles|Soup|"
                 "Pasta|Vermicelli|Tomato Ketchup|Mixed Fruit Jam|Mayonnaise|Cornflakes|Oats|"
                 "Gulab Jamun Mix|Idli Mix|Dosa Mix|Upma Mix"),
          _split("|Masala|Classic|Atta|Veg|Hot & Sour|Plain|Salted|Eggless|Instant|Rolled|Honey"),
          _split("70 g|100 g|200 g|400 g|500 g|1 kg|Pack of 4|Pack of 12")),
)


@dataclass
class CatalogRows:
    """Rows of every catalog table, in insert order; product and unit ids are assigned here."""

    products: list[tuple[object, ...]] = field(default_factory=list)
    units: list[tuple[object, ...]] = field(default_factory=list)
    barcodes: list[tuple[object, ...]] = field(default_factory=list)
    prices: list[tuple[object, ...]] = field(default_factory=list)
    gst_rates: list[tuple[object, ...]] = field(default_factory=list)
    tokens: list[tuple[object, ...]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    barcode_codes: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        """All rows across the tables."""
        return sum(len(rows) for rows in (self.products, self.units, self.barcodes, self.prices,
                                          self.gst_rates, self.tokens))


def catalog_names(count: int, rng: random.Random) -> list[tuple[Group, str]]:
    """``count`` distinct product names (brand, product, optional variant, size), spread over the groups."""
    combos: list[tuple[int, int, int, int, int]] = []
    for g, group in enumerate(GROUPS):
        for b in range(len(group.brands)):
            for p in range(len(group.products)):
                for v in range(len(group.variants)):
                    combos.extend((g, b, p, v, s) for s in range(len(group.sizes)))
    if count > len(combos):
        raise ValueError(f"the word lists make {len(combos)} distinct names, fewer than {count}")
    chosen = rng.sample(combos, count)
    names = []
    for g, b, p, v, s in chosen:
        group = GROUPS[g]
        parts = [group.brands[b], group.products[p], group.variants[v], group.sizes[s]]
        names.append((group, " ".join(part for part in parts if part)))
    return names


def ean13(body12: str) -> str:
    """A 12-digit body with its EAN-13 check digit."""
    return body12 + ean.calc_check_digit(body12)


def build_catalog(count: int, seed: int, category_ids: dict[str, int], tier_ids: dict[str, int],
                  first_product_id: int = 1, first_unit_id: int = 1) -> CatalogRows:
    """Rows for ``count`` products: a piece unit with barcode each, ~30 % with a case unit and its own
    barcode, wholesale and counter prices per unit, one GST rate, and the search tokens index_product
    would write (from edge.services.catalog.product_tokens)."""
    rng = random.Random(seed)
    rows = CatalogRows()
    names = catalog_names(count, rng)
    has_case = [rng.random() < CASE_SHARE for _ in range(count)]
    code_bodies = rng.sample(range(10**9), count + sum(has_case))
    codes = iter(ean13(f"890{body:09d}") for body in code_bodies)
    wholesale, counter = tier_ids["wholesale"], tier_ids["counter"]
    unit_id = first_unit_id
    for offset, (group, name) in enumerate(names):
        product_id = first_product_id + offset
        sku = f"GEN{product_id:07d}"
        rows.names.append(name)
        rows.products.append((product_id, uuid.UUID(int=rng.getrandbits(128), version=4), sku, name,
                              category_ids[group.category], group.hsn, "piece", True, CREATED_AT, CREATED_AT))
        rows.gst_rates.append((product_id, group.gst_bp, 0, GST_FROM))
        low, high = group.price_range_paise
        counter_paise = rng.randrange(low, high) // 100 * 100 or 100
        wholesale_paise = counter_paise * rng.randrange(92, 98) // 100
        product_codes = []
        units = [("piece", "piece", 1, counter_paise, wholesale_paise)]
        if has_case[offset]:
            size = rng.choice(CASE_SIZES)
            units.append(("package", f"Case of {size}", size, counter_paise * size * 97 // 100,
                          wholesale_paise * size * 95 // 100))
        for kind, unit_name, pieces, unit_counter, unit_wholesale in units:
            code = next(codes)
            product_codes.append(code)
            rows.barcode_codes.append(code)
            rows.units.append((unit_id, uuid.UUID(int=rng.getrandbits(128), version=4), product_id, kind,
                               unit_name, pieces * 1_000, True))
            rows.barcodes.append((code, product_id, unit_id))
            rows.prices.append((product_id, unit_id, counter, unit_counter, PRICES_FROM))
            rows.prices.append((product_id, unit_id, wholesale, unit_wholesale, PRICES_FROM))
            unit_id += 1
        rows.tokens.extend((token, product_id) for token in sorted(product_tokens(name, sku, product_codes)))
    return rows

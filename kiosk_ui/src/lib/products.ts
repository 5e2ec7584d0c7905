// The product editor: the product as editable text, and the PATCH body of what changed. Prices are typed
// in rupees and sent in paise; barcodes one per line (or comma-separated); GST as a slab.

import type { ProductChange, ProductFull, UnitChange } from "../api/officeTypes";
import { PRICE_TIERS, type PriceTier } from "../api/types";
import { paiseToInput, parseRupees } from "./money";

/** GST slabs in basis points (edge/domain: 0, 0.25, 3, 5, 12, 18, 28, 40 %). */
export const GST_SLABS_BP = [0, 25, 300, 500, 1200, 1800, 2800, 4000] as const;

export interface UnitDraft {
  name: string;
  kind: string;
  factor_milli: number;
  prices: Record<PriceTier, string>;
  floor: string;
  barcodes: string;
  sellable: boolean;
}

export interface ProductDraft {
  name: string;
  category: string;
  hsn_code: string;
  gst_rate_bp: number;
  cess_bp: number;
  prices_include_tax: boolean;
  is_active: boolean;
  units: UnitDraft[];
}

export function draftOf(product: ProductFull): ProductDraft {
  return {
    name: product.name,
    category: product.category ?? "",
    hsn_code: product.hsn_code,
    gst_rate_bp: product.gst_rate_bp ?? 0,
    cess_bp: product.cess_bp ?? 0,
    prices_include_tax: product.prices_include_tax,
    is_active: product.is_active,
    units: product.units.map((unit) => ({
      name: unit.name,
      kind: unit.kind,
      factor_milli: unit.factor_milli,
      prices: Object.fromEntries(
        PRICE_TIERS.map((tier) => [tier, unit.prices_paise[tier] === undefined ? "" : paiseToInput(unit.prices_paise[tier])]),
      ) as Record<PriceTier, string>,
      floor: unit.floor_price_paise === null ? "" : paiseToInput(unit.floor_price_paise),
      barcodes: unit.barcodes.join("\n"),
      sellable: unit.sellable,
    })),
  };
}

/** "8901, 8902\n8903" → ["8901", "8902", "8903"]. */
export function splitBarcodes(text: string): string[] {
  return text.split(/[\s,;]+/).map((code) => code.trim()).filter(Boolean);
}

export interface ProductPatch {
  body: ProductChange;
  /** Unit names in the order of body.units: the API names errors "units.<index>.…". */
  unitNames: string[];
}

/** An error in what was typed, before anything is sent (named like the API names its fields). */
export interface DraftError {
  field: string;
  message: string;
}

/** The PATCH body for what the draft changed; a price typed wrong is refused here, naming its field. */
export function productChanges(product: ProductFull, draft: ProductDraft): ProductPatch | DraftError {
  const body: ProductChange = {};
  if (draft.name.trim() !== product.name) body.name = draft.name.trim();
  if ((draft.category.trim() || null) !== product.category) body.category = draft.category.trim() || null;
  if (draft.hsn_code.trim() !== product.hsn_code) body.hsn_code = draft.hsn_code.trim();
  if (draft.prices_include_tax !== product.prices_include_tax) body.prices_include_tax = draft.prices_include_tax;
  if (draft.is_active !== product.is_active) body.is_active = draft.is_active;
  if (draft.gst_rate_bp !== (product.gst_rate_bp ?? 0) || draft.cess_bp !== (product.cess_bp ?? 0)) {
    body.gst = { rate_bp: draft.gst_rate_bp, cess_bp: draft.cess_bp };
  }
  const units: UnitChange[] = [];
  for (const [index, unitDraft] of draft.units.entries()) {
    const unit = product.units[index];
    if (!unit || unit.name !== unitDraft.name) continue;
    const change: UnitChange = { name: unit.name };
    const prices: Partial<Record<PriceTier, number>> = {};
    for (const tier of PRICE_TIERS) {
      const text = unitDraft.prices[tier].trim();
      if (!text) continue; // a tier left empty keeps its price (the API has no "remove a tier price")
      const paise = parseRupees(text);
      if (paise === null || paise < 1) {
        return { field: `unit:${unit.name}.prices_paise.${tier}`, message: `${tier} price of ${unit.name}: type rupees, e.g. 45 or 45.50` };
      }
      if (paise !== unit.prices_paise[tier]) prices[tier] = paise;
    }
    if (Object.keys(prices).length) change.prices_paise = prices;
    const floorText = unitDraft.floor.trim();
    const floor = floorText ? parseRupees(floorText) : null;
    if (floorText && floor === null) {
      return { field: `unit:${unit.name}.floor_price_paise`, message: `floor price of ${unit.name}: type rupees, e.g. 40` };
    }
    if (floor !== unit.floor_price_paise) change.floor_price_paise = floor;
    const barcodes = splitBarcodes(unitDraft.barcodes);
    if (barcodes.join(",") !== unit.barcodes.join(",")) change.barcodes = barcodes;
    if (unitDraft.sellable !== unit.sellable) change.sellable = unitDraft.sellable;
    if (Object.keys(change).length > 1) units.push(change);
  }
  if (units.length) body.units = units;
  return { body, unitNames: units.map((u) => u.name) };
}

/** The API's "units.1.barcodes.0" as the form's "unit:<name>.barcodes.0" (the form lists every unit). */
export function formField(apiField: string | null, unitNames: readonly string[]): string | null {
  if (!apiField) return null;
  const match = /^units\.(\d+)(\..*)?$/.exec(apiField);
  if (!match) return apiField;
  const name = unitNames[Number(match[1])];
  return name === undefined ? apiField : `unit:${name}${match[2] ?? ""}`;
}

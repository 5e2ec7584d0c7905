import { describe, expect, it } from "vitest";
import type { ProductFull } from "../api/officeTypes";
import { draftOf, formField, productChanges, splitBarcodes } from "./products";

function tea(): ProductFull {
  return {
    id: "p-1", sku: "SKU00042", name: "Red Label Tea 250 g", category: "Tea & Coffee", base_unit: "piece", hsn_code: "090230",
    gst_rate_bp: 500, cess_bp: 0, prices_include_tax: true, is_active: true, scale_code: null, gst_history: [],
    units: [
      { id: "u-1", name: "piece", kind: "piece", factor_milli: 1000, barcodes: ["8901030865237"], prices_paise: { counter: 14500, wholesale: 14000 }, floor_price_paise: null, sellable: true },
      { id: "u-2", name: "Case of 24", kind: "package", factor_milli: 24000, barcodes: [], prices_paise: { counter: 340000 }, floor_price_paise: null, sellable: true },
    ],
  };
}

describe("the product editor", () => {
  it("sends nothing when nothing was changed", () => {
    expect(productChanges(tea(), draftOf(tea()))).toEqual({ body: {}, unitNames: [] });
  });

  it("sends a changed rate in paise, for that tier and unit only", () => {
    const draft = draftOf(tea());
    draft.units[1]!.prices.counter = "3,450.50";
    expect(productChanges(tea(), draft)).toEqual({
      body: { units: [{ name: "Case of 24", prices_paise: { counter: 345050 } }] }, unitNames: ["Case of 24"],
    });
  });

  it("replaces a unit's barcodes with the ones typed, one a line or comma-separated", () => {
    const draft = draftOf(tea());
    draft.units[0]!.barcodes = "8901030865237\n8901030865244, 8901030865251";
    const patch = productChanges(tea(), draft);
    expect(patch).toMatchObject({ body: { units: [{ name: "piece", barcodes: ["8901030865237", "8901030865244", "8901030865251"] }] } });
    expect(splitBarcodes(" a ,b;\n c ")).toEqual(["a", "b", "c"]);
  });

  it("sends GST, HSN and name changes", () => {
    const draft = { ...draftOf(tea()), gst_rate_bp: 1800, hsn_code: " 0902 ", name: "Red Label Tea 500 g" };
    expect(productChanges(tea(), draft)).toEqual({
      body: { name: "Red Label Tea 500 g", hsn_code: "0902", gst: { rate_bp: 1800, cess_bp: 0 } }, unitNames: [],
    });
  });

  it("refuses a price typed wrong before sending, naming the price's field", () => {
    const draft = draftOf(tea());
    draft.units[0]!.prices.wholesale = "12.345";
    expect(productChanges(tea(), draft)).toEqual({
      field: "unit:piece.prices_paise.wholesale", message: "wholesale price of piece: type rupees, e.g. 45 or 45.50",
    });
  });

  it("names the API's unit errors by the unit's name, as the form lists every unit", () => {
    expect(formField("units.0.barcodes.1", ["Case of 24"])).toBe("unit:Case of 24.barcodes.1");
    expect(formField("units.3", ["piece"])).toBe("units.3");
    expect(formField("hsn_code", [])).toBe("hsn_code");
    expect(formField(null, [])).toBeNull();
  });
});

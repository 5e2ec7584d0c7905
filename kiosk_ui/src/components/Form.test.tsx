import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Field, FieldError, FormError } from "./Form";

const gstinError = { code: "bad_gstin_format", message: "GSTIN 27AAAAA: not a valid PAN", field: "gstin" };

describe("API errors next to their field", () => {
  it("shows the message under the field the error names, and nowhere else", () => {
    const html = renderToStaticMarkup(
      <form>
        <Field label="Buyer name" name="name" error={gstinError}><input defaultValue="Rahul Traders" /></Field>
        <Field label="GSTIN" name="gstin" error={gstinError}><input defaultValue="27AAAAA" /></Field>
        <FormError error={gstinError} fields={["name", "gstin"]} />
      </form>,
    );
    expect(html.match(/not a valid PAN/g)).toHaveLength(1);
    expect(html.indexOf("not a valid PAN")).toBeGreaterThan(html.indexOf("GSTIN</span>"));
    expect(html).toContain('value="Rahul Traders"');
    expect(html).toContain('data-field="gstin"');
  });

  it("shows an error naming no field of the form once, at the top", () => {
    const html = renderToStaticMarkup(<FormError error={{ ...gstinError, field: "till" }} fields={["name", "gstin"]} />);
    expect(html).toContain('role="alert"');
    expect(html).toContain("not a valid PAN");
  });

  it("matches a field exactly when asked", () => {
    const unitError = { code: "bad_barcode", message: "13 digits", field: "unit:Case.barcodes.0" };
    expect(renderToStaticMarkup(<FieldError error={unitError} name="unit:Case" exact />)).toBe("");
    expect(renderToStaticMarkup(<FieldError error={unitError} name="unit:Case.barcodes" />)).toContain("13 digits");
  });
});

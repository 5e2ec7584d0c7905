// Quantities are integer thousandths of a unit (grams for kg items). Formatting and parsing are string
// based, like money: no floats.

export type UnitKind = "piece" | "kg" | "package" | string;

/** 1250 → "1.25", 2000 → "2", 5 → "0.005"; `fixed` keeps all three decimals (1250 → "1.250"). */
export function milliToDecimal(milli: number, fixed = false): string {
  if (!Number.isSafeInteger(milli)) throw new TypeError(`quantity must be a safe integer, got ${milli}`);
  const sign = milli < 0 ? "-" : "";
  const abs = Math.abs(milli);
  const whole = Math.trunc(abs / 1000);
  let fraction = String(abs % 1000).padStart(3, "0");
  if (!fixed) fraction = fraction.replace(/0+$/, "");
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

/** A line's quantity in its unit: "1.250 kg", "2 pc", "1 × Case of 10". */
export function formatQuantity(milli: number, unitKind: UnitKind, unitName: string): string {
  if (unitKind === "kg") return `${milliToDecimal(milli, true)} kg`;
  const amount = milliToDecimal(milli);
  if (unitKind === "piece") return `${amount} pc`;
  return `${amount} × ${unitName}`;
}

/** A scale reading in grams: "1.500 kg". */
export function formatWeight(grams: number): string {
  return `${milliToDecimal(grams, true)} kg`;
}

/**
 * A typed quantity in the unit ("2", "1.25", "0.750") as thousandths, or null when it is not a positive
 * number with at most three decimals. The API takes the typed text; this checks it before sending.
 */
export function parseQuantity(text: string): number | null {
  const cleaned = text.trim();
  const match = /^(\d*)(?:\.(\d{0,3}))?$/.exec(cleaned);
  if (!match || cleaned === "" || cleaned === ".") return null;
  const whole = match[1] ?? "";
  if (whole.length > 9) return null;
  const milli = Number(whole || "0") * 1000 + Number((match[2] ?? "").padEnd(3, "0"));
  return milli > 0 ? milli : null;
}

// Money is integer paise everywhere (API, state, arithmetic). This is the one place that turns paise
// into text and typed text into paise — with integer arithmetic only, never floats.

/** Group the digits of a whole number the Indian way: 1,23,45,678 (last three, then twos). */
export function groupIndian(digits: string): string {
  if (digits.length <= 3) return digits;
  const last3 = digits.slice(-3);
  let head = digits.slice(0, -3);
  const groups: string[] = [];
  while (head.length > 2) {
    groups.unshift(head.slice(-2));
    head = head.slice(0, -2);
  }
  if (head) groups.unshift(head);
  return `${groups.join(",")},${last3}`;
}

function checkPaise(paise: number): void {
  if (!Number.isSafeInteger(paise)) throw new TypeError(`paise must be a safe integer, got ${paise}`);
}

/** ₹1,23,456.78 — negative amounts as -₹0.40. */
export function formatPaise(paise: number, options: { symbol?: boolean } = {}): string {
  checkPaise(paise);
  const sign = paise < 0 ? "-" : "";
  const abs = Math.abs(paise);
  const rupees = Math.trunc(abs / 100);
  const cents = abs % 100;
  const symbol = options.symbol === false ? "" : "₹";
  return `${sign}${symbol}${groupIndian(String(rupees))}.${String(cents).padStart(2, "0")}`;
}

/** Plain decimal rupees for an input field: 123456.78 (no grouping, no symbol). */
export function paiseToInput(paise: number): string {
  checkPaise(paise);
  const sign = paise < 0 ? "-" : "";
  const abs = Math.abs(paise);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/**
 * Typed rupees to paise: "1,234.5" → 123450, "₹ 20" → 2000, ".75" → 75. Returns null for anything else
 * (more than two decimals, letters, a minus sign, empty). Grouping commas and spaces are ignored.
 */
export function parseRupees(text: string): number | null {
  const cleaned = text.replace(/[₹,\s]/g, "");
  const match = /^(\d*)(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (!match || cleaned === "" || cleaned === ".") return null;
  const whole = match[1] ?? "";
  const fraction = (match[2] ?? "").padEnd(2, "0");
  if (whole.length > 13) return null; // stays far inside Number.MAX_SAFE_INTEGER
  const paise = Number(whole || "0") * 100 + Number(fraction);
  return Number.isSafeInteger(paise) ? paise : null;
}

/** GST rate in basis points as a percentage: 500 → "5%", 25 → "0.25%", 12.5 (half of 0.25 %) → "0.125%". */
export function formatRate(basisPoints: number): string {
  const thousandths = Math.round(basisPoints * 10); // of a per cent
  const whole = Math.trunc(thousandths / 1000);
  const fraction = String(thousandths % 1000).padStart(3, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}%` : `${whole}%`;
}

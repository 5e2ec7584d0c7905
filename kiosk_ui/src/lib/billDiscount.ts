// The bill (invoice) discount typed at the till: rupees ("50", "49.50") or a percentage of the subtotal
// ("5%"), turned into paise for PATCH /carts/{id} {"discount_paise"}. The API applies the role's limit.

import { parseRupees } from "./money";

export type DiscountInput = { ok: true; paise: number } | { ok: false; message: string };

/** "5%" of a subtotal in paise, rounded half up to the paisa; "50" rupees; "" or "0" removes the discount. */
export function parseBillDiscount(text: string, subtotalPaise: number): DiscountInput {
  const cleaned = text.trim();
  if (cleaned === "") return { ok: true, paise: 0 };
  const percent = /^(\d{1,3})(?:\.(\d{1,2}))?\s*%$/.exec(cleaned);
  if (percent) {
    const hundredths = Number(percent[1]) * 100 + Number((percent[2] ?? "").padEnd(2, "0"));
    if (hundredths > 10000) return { ok: false, message: "a discount cannot be more than 100 %" };
    return { ok: true, paise: Math.floor((subtotalPaise * hundredths + 5000) / 10000) };
  }
  const paise = parseRupees(cleaned);
  if (paise === null) return { ok: false, message: "type rupees (e.g. 50) or a percentage (e.g. 5%)" };
  return { ok: true, paise };
}

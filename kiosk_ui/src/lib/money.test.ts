import { describe, expect, it } from "vitest";
import { formatPaise, formatRate, groupIndian, paiseToInput, parseRupees } from "./money";

describe("formatPaise", () => {
  it.each([
    [0, "₹0.00"],
    [5, "₹0.05"],
    [99, "₹0.99"],
    [100, "₹1.00"],
    [123456, "₹1,234.56"],
    [12345678, "₹1,23,456.78"],
    [1234567890, "₹1,23,45,678.90"],
    [123456789012, "₹1,23,45,67,890.12"],
    [-40, "-₹0.40"],
    [-12345678, "-₹1,23,456.78"],
  ])("%i paise is %s", (paise, text) => {
    expect(formatPaise(paise)).toBe(text);
  });

  it("can leave the symbol out", () => {
    expect(formatPaise(12345678, { symbol: false })).toBe("1,23,456.78");
  });

  it("refuses anything but whole paise (a float is a bug upstream)", () => {
    expect(() => formatPaise(10.5)).toThrow(TypeError);
    expect(() => formatPaise(Number.NaN)).toThrow(TypeError);
  });
});

describe("groupIndian", () => {
  it.each([
    ["1", "1"], ["999", "999"], ["1000", "1,000"], ["99999", "99,999"], ["100000", "1,00,000"],
    ["10000000", "1,00,00,000"],
  ])("%s → %s", (digits, grouped) => expect(groupIndian(digits)).toBe(grouped));
});

describe("parseRupees", () => {
  it.each([
    ["1234", 123400], ["1,234.5", 123450], ["₹ 20", 2000], [".75", 75], ["0.05", 5], ["1,23,456.78", 12345678],
    ["10.", 1000],
  ])("%s → %i paise", (text, paise) => expect(parseRupees(text)).toBe(paise));

  it.each(["", ".", "abc", "1.234", "-5", "1e3", "12.3.4"])("refuses %j", (text) => {
    expect(parseRupees(text)).toBeNull();
  });

  it("round-trips with paiseToInput", () => {
    for (const paise of [0, 1, 99, 100, 14500, 12345678]) expect(parseRupees(paiseToInput(paise))).toBe(paise);
  });
});

describe("formatRate", () => {
  it.each([[0, "0%"], [25, "0.25%"], [12.5, "0.125%"], [250, "2.5%"], [300, "3%"], [500, "5%"], [1800, "18%"], [2800, "28%"]])(
    "%s bp is %s",
    (bp, text) => expect(formatRate(bp)).toBe(text),
  );
});

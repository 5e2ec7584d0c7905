import { describe, expect, it } from "vitest";
import { formatQuantity, formatWeight, milliToDecimal, parseQuantity } from "./quantity";

describe("quantities in thousandths of the unit", () => {
  it.each([
    [1000, "piece", "piece", "1 pc"],
    [3000, "piece", "piece", "3 pc"],
    [1250, "kg", "kg", "1.250 kg"],
    [5, "kg", "kg", "0.005 kg"],
    [1000, "package", "Case of 10", "1 × Case of 10"],
    [2500, "package", "25 kg bag", "2.5 × 25 kg bag"],
  ])("%i of %s (%s) reads %s", (milli, kind, unit, text) => {
    expect(formatQuantity(milli, kind, unit)).toBe(text);
  });

  it("drops trailing zeros unless told to keep three decimals", () => {
    expect(milliToDecimal(1250)).toBe("1.25");
    expect(milliToDecimal(1250, true)).toBe("1.250");
    expect(milliToDecimal(2000)).toBe("2");
    expect(milliToDecimal(2000, true)).toBe("2.000");
  });

  it("shows scale weights in kg with grams", () => {
    expect(formatWeight(1500)).toBe("1.500 kg");
    expect(formatWeight(0)).toBe("0.000 kg");
  });

  it.each([["2", 2000], ["1.25", 1250], ["0.750", 750], [" 3 ", 3000], [".5", 500]])("parses %j", (text, milli) => {
    expect(parseQuantity(text)).toBe(milli);
  });

  it.each(["", "0", "0.000", "1.2345", "-1", "abc", "1,5"])("refuses %j", (text) => {
    expect(parseQuantity(text)).toBeNull();
  });
});

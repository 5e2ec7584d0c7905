import { describe, expect, it } from "vitest";
import { clockTime, csvCell, fieldMatches, formatDays, formatMinutes, monthRange, toCsv, unplacedError } from "./forms";

const error = (field: string | null) => ({ code: "invalid", message: "bad", field });

describe("where an API error is shown", () => {
  it("belongs to the field it names, or to a field it is inside of", () => {
    expect(fieldMatches("gstin", "gstin")).toBe(true);
    expect(fieldMatches("units.0.barcodes.1", "units.0.barcodes")).toBe(true);
    expect(fieldMatches("units.0.barcodesX", "units.0.barcodes")).toBe(false);
    expect(fieldMatches(null, "gstin")).toBe(false);
  });

  it("goes to the top of the form when it names none of the form's fields", () => {
    expect(unplacedError(error("gstin"), ["name", "gstin"])).toBeNull();
    expect(unplacedError(error("till"), ["name", "gstin"])).toEqual(error("till"));
    expect(unplacedError(error(null), ["name"])).toEqual(error(null));
    expect(unplacedError(error("unit:Case.barcodes.0"), ["name", "unit:"])).toBeNull();
    expect(unplacedError(null, ["name"])).toBeNull();
  });
});

describe("CSV export", () => {
  it("keeps negative amounts numbers and neutralises formulas", () => {
    expect(csvCell("-280.00")).toBe("-280.00");
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("-cmd")).toBe("'-cmd");
    expect(csvCell('Shop 3, "Main" Rd')).toBe('"Shop 3, ""Main"" Rd"');
  });

  it("writes CRLF rows", () => {
    expect(toCsv([["a", 1], ["b", 2]])).toBe("a,1\r\nb,2\r\n");
  });
});

describe("dates and durations", () => {
  it("gives a month's first and last day, leap years included", () => {
    expect(monthRange("2026-11")).toEqual({ from: "2026-11-01", to: "2026-11-30" });
    expect(monthRange("2028-02")).toEqual({ from: "2028-02-01", to: "2028-02-29" });
    expect(monthRange("2026-13")).toBeNull();
    expect(monthRange("")).toBeNull();
  });

  it("shows minutes, days and store-local clock times", () => {
    expect(formatMinutes(0)).toBe("—");
    expect(formatMinutes(45)).toBe("45 min");
    expect(formatMinutes(425)).toBe("7 h 05 min");
    expect(formatDays(1000)).toBe("1 day");
    expect(formatDays(1500)).toBe("1.5 days");
    expect(clockTime("2026-12-03T13:20:05.465598+05:30")).toBe("13:20");
    expect(clockTime(null)).toBe("—");
  });
});

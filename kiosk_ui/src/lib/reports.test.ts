import { describe, expect, it } from "vitest";
import { SCREENS, screensFor } from "../auth/roles";
import { compactRupees, csvUrl, filterQuery, filtersFromSearch, periodLabel, presets, slices } from "./reports";

describe("report filters", () => {
  it("reads the filters from the URL and drops what the API would refuse as malformed", () => {
    const search = new URLSearchParams("from=2026-11-01&to=2026-11-30&till=T1&cashier=cashier&x=1");
    expect(filtersFromSearch(search)).toEqual({ from: "2026-11-01", to: "2026-11-30", till: "T1", cashier: "cashier" });
    expect(filtersFromSearch(new URLSearchParams("from=1/11/2026&till= "))).toEqual({});
  });

  it("asks the API for a figure's CSV with the same filters", () => {
    expect(csvUrl("payments", { from: "2026-11-01", to: "2026-11-30", till: "T2" })).toBe(
      "/api/v1/reports/payments?from=2026-11-01&to=2026-11-30&till=T2&format=csv",
    );
    expect(csvUrl("products", {}, { limit: 20 })).toBe("/api/v1/reports/products?limit=20&format=csv");
    expect(filterQuery({ from: "", cashier: "meena" })).toBe("cashier=meena");
  });

  it("offers today, this month, last month and the Indian financial year (April to March)", () => {
    expect(presets("2026-12-03")).toEqual([
      { label: "Today", from: "2026-12-03", to: "2026-12-03" },
      { label: "This month", from: "2026-12-01", to: "2026-12-03" },
      { label: "Last month", from: "2026-11-01", to: "2026-11-30" },
      { label: "This financial year", from: "2026-04-01", to: "2026-12-03" },
    ]);
    expect(presets("2027-01-15")[2]).toEqual({ label: "Last month", from: "2026-12-01", to: "2026-12-31" });
    expect(presets("2027-03-05")[2]).toEqual({ label: "Last month", from: "2027-02-01", to: "2027-02-28" });
    expect(presets("2027-03-05")[3]!.from).toBe("2026-04-01");
  });
});

describe("chart figures", () => {
  it("shortens axis money in lakhs and crores, from integer paise", () => {
    expect(compactRupees(95_000)).toBe("₹950");
    expect(compactRupees(1_234_500)).toBe("₹12.3k");
    expect(compactRupees(4_560_000_00)).toBe("₹45.6 L");
    expect(compactRupees(4_560_000_0)).toBe("₹4.6 L");
    expect(compactRupees(12_000_000_00)).toBe("₹1.2 Cr");
    expect(compactRupees(-250_000)).toBe("-₹2.5k");
    expect(compactRupees(100_000_00)).toBe("₹1 L");
  });

  it("makes pie slices of the rows with something to show, biggest first", () => {
    const rows = [{ m: "cash", v: 50000 }, { m: "upi", v: 120000 }, { m: "wallet", v: 0 }];
    expect(slices(rows, (r) => r.m, (r) => r.v)).toEqual([
      { name: "upi", value: 120000, label: "₹1,200.00" },
      { name: "cash", value: 50000, label: "₹500.00" },
    ]);
    expect(slices([{ s: "paid", n: 3 }], (r) => r.s, (r) => r.n, false)).toEqual([{ name: "paid", value: 3, label: "3" }]);
  });

  it("names trend months", () => {
    expect(periodLabel("2026-11")).toBe("Nov 2026");
    expect(periodLabel("2026-11-05")).toBe("2026-11-05");
  });

  it("gives the dashboard and GST returns to managers and admins only", () => {
    expect(screensFor("manager", "reports").map((s) => s.path)).toEqual(["/reports/dashboard", "/reports/gst"]);
    expect(screensFor("admin", "reports")).toHaveLength(2);
    expect(screensFor("cashier", "reports")).toEqual([]);
    expect(screensFor("hr", "reports")).toEqual([]);
    expect(SCREENS.filter((s) => s.group === "reports").map((s) => s.label)).toEqual(["Dashboard", "GST returns"]);
  });
});

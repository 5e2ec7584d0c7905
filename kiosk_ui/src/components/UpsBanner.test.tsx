import { describe, expect, it } from "vitest";
import { upsBannerText } from "./UpsBanner";

const onBattery = { on_battery: true, low_battery: false, charge: 62.4, runtime_s: 900,
  message: "Power cut: running on the UPS battery. Sales are safe; replication goes first." };

describe("upsBannerText", () => {
  it("says the store runs on battery, with the charge the UPS reports", () => {
    expect(upsBannerText(onBattery)).toBe(
      "Power cut: running on the UPS battery. Sales are safe; replication goes first. Battery 62%.");
  });

  it("shows nothing once the power is back or before any news", () => {
    expect(upsBannerText({ ...onBattery, on_battery: false, message: "" })).toBeNull();
    expect(upsBannerText(null)).toBeNull();
  });

  it("keeps the daemon's low-battery message when the charge is unknown", () => {
    const low = { ...onBattery, low_battery: true, charge: null, message: "Battery low: the store box is shutting down." };
    expect(upsBannerText(low)).toBe("Battery low: the store box is shutting down.");
  });
});

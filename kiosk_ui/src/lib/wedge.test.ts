import { describe, expect, it } from "vitest";
import { WedgeDetector } from "./wedge";

/** Feed keys at fixed intervals from a start time; returns the last result. */
function type(detector: WedgeDetector, keys: string[], start: number, gapMs: number) {
  let result = detector.key(keys[0]!, start);
  keys.slice(1).forEach((key, i) => {
    result = detector.key(key, start + (i + 1) * gapMs);
  });
  return result;
}

const code = "8901000001405";

describe("keyboard-wedge detector", () => {
  it("reports a fast burst ended by Enter as a scan", () => {
    const detector = new WedgeDetector();
    expect(type(detector, [...code, "Enter"], 1000, 4)).toEqual({ kind: "scan", code });
  });

  it("leaves human typing alone (keys ~120 ms apart)", () => {
    const detector = new WedgeDetector();
    expect(type(detector, [..."123456", "Enter"], 1000, 120)).toEqual({ kind: "enter" });
  });

  it("needs the minimum length", () => {
    const detector = new WedgeDetector({ minLength: 6 });
    expect(type(detector, [..."12345", "Enter"], 0, 3)).toEqual({ kind: "enter" });
    expect(type(detector, [..."123456", "Enter"], 100, 3)).toEqual({ kind: "scan", code: "123456" });
  });

  it("starts a new burst after a pause, so typed text before a scan is not part of it", () => {
    const detector = new WedgeDetector();
    type(detector, [..."abc"], 0, 150); // a person typing
    expect(type(detector, [...code, "Enter"], 2000, 5)).toEqual({ kind: "scan", code });
  });

  it("an Enter long after the burst is a person's Enter", () => {
    const detector = new WedgeDetector();
    type(detector, [...code], 0, 5);
    expect(detector.key("Enter", 5 * code.length + 500)).toEqual({ kind: "enter" });
  });

  it("ignores Shift (scanners send it for capitals) but resets on other control keys", () => {
    const detector = new WedgeDetector();
    expect(type(detector, ["A", "Shift", "B", "C", "1", "2", "3", "Enter"], 0, 3)).toEqual({ kind: "scan", code: "ABC123" });
    type(detector, [..."123"], 100, 3);
    expect(detector.key("Backspace", 110)).toEqual({ kind: "ignored" });
    expect(detector.pending).toBe("");
  });

  it("honours a custom gap", () => {
    const detector = new WedgeDetector({ maxGapMs: 50 });
    expect(type(detector, [...code, "Enter"], 0, 40)).toEqual({ kind: "scan", code });
  });

  it("is ready for the next scan right after one", () => {
    const detector = new WedgeDetector();
    type(detector, [...code, "Enter"], 0, 3);
    expect(type(detector, [..."8901000001412", "Enter"], 100, 3)).toEqual({ kind: "scan", code: "8901000001412" });
  });
});

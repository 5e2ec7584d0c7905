// A USB barcode scanner in keyboard-wedge mode "types" the code much faster than a person — a few
// milliseconds between keys — and ends with Enter. The detector watches key presses anywhere on the page
// and reports such a burst as a scan, so a scan is never lost because focus was on another field.

export interface WedgeOptions {
  /** Longest gap between two keys of one scan (ms). People rarely type several keys under ~30 ms apart. */
  maxGapMs: number;
  /** Fewest characters that make a scan (EAN-8 is 8; shorter bursts are fast typing, not a scanner). */
  minLength: number;
}

export const DEFAULT_WEDGE: WedgeOptions = { maxGapMs: 30, minLength: 6 };

export type WedgeResult =
  | { kind: "char" } // a printable key, kept in the burst
  | { kind: "scan"; code: string } // Enter ended a fast burst: a scan
  | { kind: "enter" } // Enter that ended no scan (leave it to the page)
  | { kind: "ignored" }; // modifiers and other keys

const MODIFIERS = new Set(["Shift", "CapsLock", "Control", "Alt", "Meta", "AltGraph"]);

export class WedgeDetector {
  private buffer = "";
  private last = Number.NEGATIVE_INFINITY;
  private readonly options: WedgeOptions;

  constructor(options: Partial<WedgeOptions> = {}) {
    this.options = { ...DEFAULT_WEDGE, ...options };
  }

  /** Feed one keydown: its `key` and its time stamp in ms (event.timeStamp). */
  key(key: string, time: number): WedgeResult {
    if (MODIFIERS.has(key)) return { kind: "ignored" };
    const gap = time - this.last;
    if (key === "Enter") {
      const code = this.buffer;
      const isScan = code.length >= this.options.minLength && gap < this.options.maxGapMs;
      this.reset();
      return isScan ? { kind: "scan", code } : { kind: "enter" };
    }
    if (key.length !== 1) {
      this.reset();
      return { kind: "ignored" };
    }
    this.buffer = gap < this.options.maxGapMs ? this.buffer + key : key;
    this.last = time;
    return { kind: "char" };
  }

  reset(): void {
    this.buffer = "";
    this.last = Number.NEGATIVE_INFINITY;
  }

  /** The burst collected so far (for tests and debugging). */
  get pending(): string {
    return this.buffer;
  }
}

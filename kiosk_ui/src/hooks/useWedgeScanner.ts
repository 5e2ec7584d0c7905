import { useEffect, useRef } from "react";
import { WedgeDetector, type WedgeOptions } from "../lib/wedge";

/** Put text back into a field the way React notices (its value setter, then an input event). */
function setFieldValue(field: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(field, value);
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

/** A scan typed into some other field went into that field too: take it out again. */
function removeTyped(target: EventTarget | null, code: string): void {
  if (!(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)) return;
  if (target.value.endsWith(code)) setFieldValue(target, target.value.slice(0, -code.length));
}

/**
 * Keyboard-wedge scans anywhere on the page: a fast burst of keys ended by Enter calls onScan, and that
 * Enter does nothing else (no button is pressed, no form sent); what the burst typed into another field is
 * taken out again. Fields marked data-keeps-scans take scans as their own input and are left alone: the
 * barcode field (its Enter sends the scan), a payment's reference (a slip's barcode), the customer search.
 */
export function useWedgeScanner(onScan: (code: string) => void, enabled = true, options: Partial<WedgeOptions> = {}): void {
  const callback = useRef(onScan);
  callback.current = onScan;
  const { maxGapMs, minLength } = options;

  useEffect(() => {
    if (!enabled) return undefined;
    const detector = new WedgeDetector({ ...(maxGapMs ? { maxGapMs } : {}), ...(minLength ? { minLength } : {}) });
    const listener = (event: KeyboardEvent) => {
      if (event.isComposing || event.ctrlKey || event.altKey || event.metaKey) {
        detector.reset();
        return;
      }
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest("[data-keeps-scans]")) {
        detector.reset();
        return;
      }
      const result = detector.key(event.key, event.timeStamp);
      if (result.kind === "scan") {
        event.preventDefault();
        event.stopPropagation();
        removeTyped(event.target, result.code);
        callback.current(result.code);
      }
    };
    window.addEventListener("keydown", listener, true);
    return () => window.removeEventListener("keydown", listener, true);
  }, [enabled, maxGapMs, minLength]);
}

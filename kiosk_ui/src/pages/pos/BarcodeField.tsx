import { forwardRef, useState } from "react";

/** The till's barcode field: a scanner (or a person) types the code and Enter sends it. */
export const BarcodeField = forwardRef<HTMLInputElement, { onScan: (code: string) => void }>(function BarcodeField({ onScan }, ref) {
  const [value, setValue] = useState("");
  return (
    <label className="flex w-72 shrink-0 flex-col">
      <span className="sr-only">Barcode</span>
      <input
        ref={ref}
        id="barcode"
        data-keeps-scans
        className="field w-full font-mono text-lg"
        placeholder="Scan or type barcode ⏎"
        autoComplete="off"
        spellCheck={false}
        inputMode="numeric"
        autoFocus
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== "Enter") return;
          e.preventDefault();
          const code = value.trim();
          setValue("");
          if (code) onScan(code);
        }}
      />
    </label>
  );
});

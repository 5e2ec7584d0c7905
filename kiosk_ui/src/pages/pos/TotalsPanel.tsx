import type { Totals } from "../../api/types";
import { formatPaise, formatRate } from "../../lib/money";
import { taxesByRate } from "../../state/saleLogic";

function Row({ label, value, testId, strong = false }: { label: string; value: number; testId?: string; strong?: boolean }) {
  return (
    <div className={`flex justify-between py-0.5 ${strong ? "font-semibold" : "text-slate-600"}`}>
      <dt>{label}</dt>
      <dd className="num" data-testid={testId}>{formatPaise(value)}</dd>
    </div>
  );
}

/** Subtotal, discount, taxable value, CGST+SGST or IGST, cess, round-off and the total. */
export function TotalsList({ totals, supply, byRate = false }: { totals: Totals; supply: string; byRate?: boolean }) {
  const inter = supply === "inter" || totals.igst_paise > 0;
  return (
    <dl className="text-base">
      <Row label="Subtotal" value={totals.subtotal_paise} testId="subtotal" />
      {totals.discount_paise > 0 && <Row label="Bill discount" value={-totals.discount_paise} />}
      <Row label="Taxable value" value={totals.taxable_paise} />
      {byRate ? (
        taxesByRate(totals.tax_summary).map((rate) => (
          <div key={rate.rate_bp} className="border-t border-dashed border-slate-200 py-1 text-sm text-slate-600" data-testid="tax-rate">
            <div className="flex justify-between">
              <span>GST {formatRate(rate.rate_bp)} on {formatPaise(rate.taxable_paise)}</span>
            </div>
            {rate.rate_bp === 0 ? null : inter ? (
              <div className="flex justify-between pl-3"><span>IGST {formatRate(rate.rate_bp)}</span><span className="num">{formatPaise(rate.igst_paise)}</span></div>
            ) : (
              <>
                <div className="flex justify-between pl-3"><span>CGST {formatRate(rate.rate_bp / 2)}</span><span className="num">{formatPaise(rate.cgst_paise)}</span></div>
                <div className="flex justify-between pl-3"><span>SGST {formatRate(rate.rate_bp / 2)}</span><span className="num">{formatPaise(rate.sgst_paise)}</span></div>
              </>
            )}
            {rate.cess_paise > 0 && (
              <div className="flex justify-between pl-3"><span>Cess</span><span className="num">{formatPaise(rate.cess_paise)}</span></div>
            )}
          </div>
        ))
      ) : inter ? (
        <Row label="IGST" value={totals.igst_paise} testId="igst" />
      ) : (
        <>
          <Row label="CGST" value={totals.cgst_paise} testId="cgst" />
          <Row label="SGST" value={totals.sgst_paise} testId="sgst" />
        </>
      )}
      {!byRate && totals.cess_paise > 0 && <Row label="Cess" value={totals.cess_paise} />}
      <Row label="Round-off" value={totals.round_off_paise} testId="round-off" />
      <div className="mt-2 flex items-baseline justify-between border-t border-slate-200 pt-2">
        <dt className="text-lg font-semibold">Total</dt>
        <dd className="num text-4xl font-bold tracking-tight" data-testid="total">{formatPaise(totals.total_paise)}</dd>
      </div>
    </dl>
  );
}

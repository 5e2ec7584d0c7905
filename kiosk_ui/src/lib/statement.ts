// A customer's account statement as CSV (what "Export" saves): opening, each entry with its running
// balance, closing. Amounts in rupees with two decimals, as the product export writes them.

import type { Statement } from "../api/officeTypes";
import { paiseToInput } from "./money";
import { toCsv } from "./forms";

const KINDS: Record<string, string> = { invoice: "Invoice", payment: "Payment", credit_note: "Credit note", refund: "Refund" };

export function entryKind(kind: string): string {
  return KINDS[kind] ?? kind.replace(/_/g, " ");
}

export function statementCsv(statement: Statement): string {
  const rows: (string | number)[][] = [
    ["date", "entry", "reference", "note", "debit", "credit", "balance"],
    [statement.from, "Opening balance", "", "", "", "", paiseToInput(statement.opening_paise)],
  ];
  for (const line of statement.lines) {
    rows.push([
      line.date, entryKind(line.kind), line.reference, line.note,
      line.debit_paise ? paiseToInput(line.debit_paise) : "", line.credit_paise ? paiseToInput(line.credit_paise) : "",
      paiseToInput(line.balance_paise),
    ]);
  }
  rows.push([statement.to, "Closing balance", "", "", paiseToInput(statement.debits_paise), paiseToInput(statement.credits_paise),
    paiseToInput(statement.closing_paise)]);
  return toCsv(rows);
}

import { describe, expect, it } from "vitest";
import type { Statement } from "../api/officeTypes";
import { entryKind, statementCsv } from "./statement";

const statement: Statement = {
  customer: { id: "c-1", code: "C0019", name: "Annapurna Caterers" }, from: "2026-12-01", to: "2026-12-03", timezone: "Asia/Kolkata",
  opening_paise: -5000, closing_paise: 23000, debits_paise: 29000, credits_paise: 1000,
  lines: [
    { at: "", local_at: "", date: "2026-12-03", kind: "invoice", reference: "T2/2627/000001", note: "T2/2627/000001", debit_paise: 29000, credit_paise: 0, amount_paise: 29000, balance_paise: 24000 },
    { at: "", local_at: "", date: "2026-12-03", kind: "payment", reference: "T2/2627/000001", note: "", debit_paise: 0, credit_paise: 1000, amount_paise: -1000, balance_paise: 23000 },
  ],
};

describe("the statement export", () => {
  it("has the opening, every entry with its running balance, and the closing", () => {
    expect(statementCsv(statement).split("\r\n")).toEqual([
      "date,entry,reference,note,debit,credit,balance",
      "2026-12-01,Opening balance,,,,,-50.00",
      "2026-12-03,Invoice,T2/2627/000001,T2/2627/000001,290.00,,240.00",
      "2026-12-03,Payment,T2/2627/000001,,,10.00,230.00",
      "2026-12-03,Closing balance,,,290.00,10.00,230.00",
      "",
    ]);
  });

  it("names entries for people", () => {
    expect([entryKind("credit_note"), entryKind("opening_adjustment")]).toEqual(["Credit note", "opening adjustment"]);
  });
});

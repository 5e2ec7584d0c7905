import { describe, expect, it } from "vitest";
import {
  cancellationLine,
  emailStateLine,
  emailsPending,
  lastTwelveMonths,
  mayCancel,
  pageSpan,
  prefilledEmail,
  registerCsvUrl,
  statementCsvUrl,
  type InvoiceEmail,
} from "./invoiceActions";

const at = (iso: string) => `<${iso}>`;
const email = (changes: Partial<InvoiceEmail>): InvoiceEmail => ({
  id: "m1", to: "buyer@example.in", status: "queued", attempts: 0, last_error: null,
  created_at: "2026-12-03T06:00:00Z", sent_at: null, document: "inv/r0", ...changes,
});

describe("cancelling an invoice", () => {
  it("is offered to managers and admins on an invoice still standing", () => {
    expect(mayCancel("manager", "issued")).toBe(true);
    expect(mayCancel("admin", "paid")).toBe(true); // the API says to refund first
    expect(mayCancel("manager", "cancelled")).toBe(false);
    expect(mayCancel("cashier", "issued")).toBe(false);
    expect(mayCancel("hr", "issued")).toBe(false);
    expect(mayCancel(undefined, "issued")).toBe(false);
  });

  it("reads when and by whom, as far as known", () => {
    expect(cancellationLine({ at: "2026-12-03T06:00:00Z", reason: "typed twice", by: "manager" }, at))
      .toBe("Cancelled <2026-12-03T06:00:00Z> by manager");
    expect(cancellationLine({ at: null, reason: "x", by: null }, at)).toBe("Cancelled");
  });
});

describe("an invoice's e-mails", () => {
  it("says queued, sent or failed with the server's words", () => {
    expect(emailStateLine(email({}), at)).toBe("Queued for buyer@example.in: goes out when the mail server answers");
    expect(emailStateLine(email({ attempts: 2, last_error: "connection refused" }), at))
      .toBe("Queued for buyer@example.in: goes out when the mail server answers (tried 2×: connection refused)");
    expect(emailStateLine(email({ status: "sent", sent_at: "2026-12-03T06:00:05Z" }), at))
      .toBe("Sent to buyer@example.in <2026-12-03T06:00:05Z>");
    expect(emailStateLine(email({ status: "failed", attempts: 10, last_error: "550 no such user" }), at))
      .toBe("Not sent to buyer@example.in after 10 tries: 550 no such user");
  });

  it("is asked again only while one waits", () => {
    expect(emailsPending(undefined)).toBe(false);
    expect(emailsPending([email({ status: "sent" })])).toBe(false);
    expect(emailsPending([email({ status: "sent" }), email({ id: "m2" })])).toBe(true);
  });

  it("offers the customer's address first", () => {
    expect(prefilledEmail("owner@annapurna.in", "other@x.in")).toBe("owner@annapurna.in");
    expect(prefilledEmail(null, "other@x.in")).toBe("other@x.in");
    expect(prefilledEmail("  ", undefined)).toBe("");
  });
});

describe("CSV addresses and the customer's list", () => {
  it("asks the reports API for CSV", () => {
    expect(registerCsvUrl({ from: "2026-12-01", to: "2026-12-03" }))
      .toBe("/api/v1/reports/invoice-register?from=2026-12-01&to=2026-12-03&format=csv");
    expect(registerCsvUrl({ from: "2026-01-01", to: "2026-12-03" }, "c-1"))
      .toBe("/api/v1/reports/invoice-register?from=2026-01-01&to=2026-12-03&customer=c-1&format=csv");
    expect(registerCsvUrl({ from: "2026-12-01", to: "2026-12-03" }, undefined, "overdue"))
      .toBe("/api/v1/reports/invoice-register?from=2026-12-01&to=2026-12-03&status=overdue&format=csv");
    expect(statementCsvUrl("c 1", { from: "2026-12-01", to: "" }))
      .toBe("/api/v1/reports/customers/c%201/statement?from=2026-12-01&format=csv");
  });

  it("opens on the last twelve months, leap days included", () => {
    expect(lastTwelveMonths("2026-12-03")).toEqual({ from: "2025-12-04", to: "2026-12-03" });
    expect(lastTwelveMonths("2026-12-31")).toEqual({ from: "2026-01-01", to: "2026-12-31" });
    expect(lastTwelveMonths("2025-02-28")).toEqual({ from: "2024-02-29", to: "2025-02-28" });
  });

  it("says which rows a page shows", () => {
    expect(pageSpan(1, 20, 20, 57)).toBe("1–20 of 57");
    expect(pageSpan(3, 20, 17, 57)).toBe("41–57 of 57");
    expect(pageSpan(1, 20, 0, 0)).toBe("0 of 0");
  });
});

"""Pure business rules: money, units, pricing, GST, invoices, payments, ledger. No I/O, no framework."""

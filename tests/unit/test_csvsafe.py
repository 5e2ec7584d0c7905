"""Every CSV export goes through one rule: text a spreadsheet would run as a formula is made inert."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from edge.domain.csvsafe import csv_dicts, csv_text, is_formula, safe_cell, unescape_cell
from edge.domain.payroll import payslips_csv

ATTACKS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "  =1+1", "=cmd|'/C calc'!A0"]


def test_formula_cells_get_an_apostrophe_and_numbers_stay_numbers() -> None:
    for attack in ATTACKS:
        assert is_formula(attack) and safe_cell(attack) == "'" + attack
    for harmless in ("Tata Salt 1 kg", "-12.50", "+91", "42", "", "a=b", "O'Brien"):
        assert safe_cell(harmless) == harmless
    assert safe_cell(-5) == -5 and safe_cell(None) is None


@given(st.text())
def test_unescape_undoes_safe_cell(text: str) -> None:
    assert unescape_cell(safe_cell(text)) == text
    cell = safe_cell(text)
    assert not is_formula(cell)


def test_every_writer_escapes() -> None:
    text = csv_text(["code", "=name"], [["=1+1", 5], ["ok", "-3"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["code", "'=name"], ["'=1+1", "5"], ["ok", "-3"]]
    rows = list(csv.DictReader(io.StringIO(csv_dicts(["a"], [{"a": "@x"}]))))
    assert rows == [{"a": "'@x"}]


def test_the_payroll_csv_escapes_an_employee_name() -> None:
    from datetime import date

    from edge.domain.payroll import Payslip
    fields = {name: 0 for name in Payslip.__dataclass_fields__}
    fields.update(employee_code="E9", employee_name="=HYPERLINK(\"http://evil\")", period_start=date(2026, 11, 1),
                  period_end=date(2026, 11, 30), basis="monthly", deductions=())
    text = payslips_csv([Payslip(**fields)])  # type: ignore[arg-type]
    assert "'=HYPERLINK" in text

import { describe, expect, it } from "vitest";
import { parseCsv, shownCell } from "./csvTable";

describe("reading the API's CSV back", () => {
  it("splits rows on CRLF and cells on commas", () => {
    expect(parseCsv("employee_code,01,02\r\nE0001,P,A\r\n")).toEqual([["employee_code", "01", "02"], ["E0001", "P", "A"]]);
  });
  it("keeps quoted commas, quotes and line breaks inside a cell", () => {
    expect(parseCsv('a,"b, c","say ""hi""","two\r\nlines"\r\n')).toEqual([["a", "b, c", 'say "hi"', "two\r\nlines"]]);
  });
  it("keeps empty cells, and a last row without a line break", () => {
    expect(parseCsv("E0002,,,P*")).toEqual([["E0002", "", "", "P*"]]);
    expect(parseCsv("")).toEqual([]);
  });
  it("shows a guarded formula cell as it was typed", () => {
    expect(shownCell("'=SUM(A1)")).toBe("=SUM(A1)");
    expect(shownCell("'plain")).toBe("'plain");
  });
});

import { describe, expect, it } from "vitest";
import { listArgs, nextPage, pageCount, pageNumber, previousPage, rangeLabel, withFilter, type CursorPage } from "./productPages";

const page = (count: number, total: number, limit: number, prev: string | null, next: string | null): CursorPage => ({
  items: Array.from({ length: count }, (_, i) => i), total, limit, prev, next,
});
const url = (text: string) => new URLSearchParams(text);

describe("the product list's URL", () => {
  it("asks for active products, 25 a page, by default; unknown values fall back", () => {
    expect(listArgs(url(""))).toEqual({ status: "active", limit: 25 });
    expect(listArgs(url("status=gone&per=7"))).toEqual({ status: "active", limit: 25 });
    expect(listArgs(url("status=archived&category=Tea+%26+Coffee&per=100&after=abc")))
      .toEqual({ status: "archived", category: "Tea & Coffee", limit: 100, after: "abc" });
    expect(listArgs(url("after=a&before=b"))).toEqual({ status: "active", limit: 25, after: "a" });
  });

  it("walks forward and back by cursor, counting pages, and the first page has no cursor", () => {
    const first = page(25, 240, 25, null, "c25");
    expect(pageNumber(url(""), first)).toBe(1);
    expect(rangeLabel(1, first)).toBe("1–25 of 240");
    const second = nextPage(url("status=all"), first)!;
    expect(second.toString()).toBe("status=all&after=c25&n=2");
    const third = nextPage(second, page(25, 240, 25, "c26", "c50"))!;
    expect(third.get("n")).toBe("3");
    const thirdPage = page(25, 240, 25, "c51", "c75");
    expect(pageNumber(third, thirdPage)).toBe(3);
    expect(rangeLabel(3, thirdPage)).toBe("51–75 of 240");
    const back = previousPage(third, thirdPage)!;
    expect(back.toString()).toBe("status=all&before=c51&n=2");
    expect(previousPage(back, page(25, 240, 25, "c26", "c50"))!.toString()).toBe("status=all");
    expect(previousPage(url(""), first)).toBeNull();
  });

  it("the last page counts from the end, even when the URL's count is off", () => {
    const last = page(15, 240, 25, "c226", null);
    expect(pageNumber(url("after=x&n=4"), last)).toBe(10);
    expect(rangeLabel(10, last)).toBe("226–240 of 240");
    expect(nextPage(url("after=x&n=10"), last)).toBeNull();
    expect(pageCount(0, 25)).toBe(1);
    expect(rangeLabel(1, page(0, 0, 25, null, null))).toBe("0 of 0");
  });

  it("a new filter or page size starts again at the first page and keeps the selection", () => {
    const shown = url("id=p1&after=c25&n=2&status=archived");
    expect(withFilter(shown, "category", "Rice").toString()).toBe("id=p1&status=archived&category=Rice");
    expect(withFilter(shown, "status", "active").toString()).toBe("id=p1");
    expect(withFilter(shown, "per", "25").toString()).toBe("id=p1&status=archived");
    expect(withFilter(shown, "per", "50").get("per")).toBe("50");
  });
});

import { describe, expect, it } from "vitest";
import { SCREENS } from "./auth/roles";
import { nextLang, translate } from "./i18n";

describe("Hindi labels", () => {
  it("translates the menus and the terminal, and leaves unknown text English", () => {
    expect(translate("Attendance", "hi")).toBe("हाज़िरी");
    expect(translate("IN", "hi")).toBe("अंदर");
    expect(translate("Attendance", "en")).toBe("Attendance");
    expect(translate("Something new", "hi")).toBe("Something new");
  });

  it("has a Hindi label for every screen of the menus", () => {
    expect(SCREENS.filter((s) => translate(s.label, "hi") === s.label).map((s) => s.label)).toEqual([]);
  });

  it("switches between the two", () => {
    expect(nextLang("en")).toBe("hi");
    expect(nextLang("hi")).toBe("en");
  });
});

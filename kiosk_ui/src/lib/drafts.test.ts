import { describe, expect, it } from "vitest";
import { dropDraft, loadDraft, saveDraft } from "./drafts";

function fakeStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
    items,
  };
}

describe("form drafts", () => {
  it("keep what was typed until dropped", () => {
    const store = fakeStorage();
    saveDraft("correction:inv-1", { name: "Rahul Traders", reason: "asked" }, store);
    expect(loadDraft("correction:inv-1", store)).toEqual({ name: "Rahul Traders", reason: "asked" });
    expect(loadDraft("correction:inv-2", store)).toBeNull();
    dropDraft("correction:inv-1", store);
    expect(loadDraft("correction:inv-1", store)).toBeNull();
  });

  it("survive a broken or missing storage without failing the form", () => {
    const store = fakeStorage();
    store.items.set("draft:x", "{not json");
    expect(loadDraft("x", store)).toBeNull();
    expect(() => saveDraft("x", 1, null)).not.toThrow();
    expect(loadDraft("x", null)).toBeNull();
  });
});

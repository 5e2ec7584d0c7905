// Drafts of forms kept in sessionStorage until the server accepted them: leaving a screen, opening another
// product or reloading the page never loses what was typed. Per browser tab; passwords are never kept.

type Store = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const PREFIX = "draft:";

function session(): Store | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

export function loadDraft<T>(key: string, store: Store | null = session()): T | null {
  try {
    const text = store?.getItem(PREFIX + key);
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

export function saveDraft<T>(key: string, value: T, store: Store | null = session()): void {
  try {
    store?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the draft lives in the page only
  }
}

export function dropDraft(key: string, store: Store | null = session()): void {
  try {
    store?.removeItem(PREFIX + key);
  } catch {
    // nothing kept
  }
}

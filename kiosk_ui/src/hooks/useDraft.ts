import { useCallback, useState } from "react";
import { dropDraft, loadDraft, saveDraft } from "../lib/drafts";

/**
 * A form's values, kept for this tab until `discard` (after the server accepted them, or an explicit undo).
 * `kept` is null while nothing was typed: the form shows `fallback` (e.g. the record as loaded).
 */
export function useDraft<T>(key: string): { kept: T | null; keep: (value: T) => void; discard: () => void } {
  const [state, setState] = useState<{ key: string; value: T | null }>(() => ({ key, value: loadDraft<T>(key) }));
  const kept = state.key === key ? state.value : loadDraft<T>(key);
  const keep = useCallback((value: T) => {
    saveDraft(key, value);
    setState({ key, value });
  }, [key]);
  const discard = useCallback(() => {
    dropDraft(key);
    setState({ key, value: null });
  }, [key]);
  return { kept, keep, discard };
}

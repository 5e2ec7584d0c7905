// The attendance terminal at the factory gate: an employee code and a PIN typed (keyboard or the
// on-screen keypad), or a badge/fingerprint punch pushed by the clock; a large confirmation after each.

import type { PunchConfirmation } from "../api/officeTypes";

export interface TerminalState {
  step: "code" | "pin";
  code: string;
  pin: string;
  busy: boolean;
  /** The last punch, shown large until dismissed or replaced. */
  confirmation: PunchConfirmation | null;
  /** Why the last punch was refused (wrong PIN, unknown badge…), with the field it names. */
  error: { message: string; field: string | null } | null;
  /** Increases with each confirmation or error, so the same punch twice still restarts the timer. */
  seq: number;
}

export const initialTerminal: TerminalState = { step: "code", code: "", pin: "", busy: false, confirmation: null, error: null, seq: 0 };

export type TerminalAction =
  | { type: "key"; key: string }
  | { type: "back" }
  | { type: "clear" }
  | { type: "code"; text: string }
  | { type: "pin"; text: string }
  | { type: "next" }
  | { type: "sent" }
  | { type: "confirmed"; confirmation: PunchConfirmation }
  | { type: "rejected"; message: string; field: string | null }
  | { type: "clockRejected"; message: string }
  | { type: "dismiss" };

const MAX_PIN = 8;

export function terminalReducer(state: TerminalState, action: TerminalAction): TerminalState {
  switch (action.type) {
    case "key":
      if (!/^[0-9A-Za-z]$/.test(action.key)) return state;
      if (state.step === "pin") {
        return /\d/.test(action.key) && state.pin.length < MAX_PIN ? { ...state, pin: state.pin + action.key, error: null } : state;
      }
      return state.code.length < 16 ? { ...state, code: (state.code + action.key).toUpperCase(), error: null } : state;
    case "back":
      if (state.step === "pin") return state.pin ? { ...state, pin: state.pin.slice(0, -1) } : { ...state, step: "code" };
      return { ...state, code: state.code.slice(0, -1) };
    case "clear":
      return { ...state, step: "code", code: "", pin: "", error: null };
    case "code":
      return { ...state, code: action.text.toUpperCase().slice(0, 16), error: null };
    case "pin":
      return { ...state, pin: action.text.replace(/\D/g, "").slice(0, MAX_PIN), error: null };
    case "next":
      return state.code.trim() ? { ...state, step: "pin" } : state;
    case "sent":
      return { ...state, busy: true };
    case "confirmed":
      // The typed PIN never stays on screen after a punch; the next employee starts afresh.
      return { ...initialTerminal, confirmation: action.confirmation, seq: state.seq + 1 };
    case "rejected": {
      // A wrong PIN is typed again; a wrong code goes back to the code (kept, to be corrected).
      const step = action.field === "employee_code" ? "code" : state.step === "code" && !state.code ? "code" : "pin";
      return { ...state, busy: false, pin: "", step, confirmation: null, error: { message: action.message, field: action.field }, seq: state.seq + 1 };
    }
    case "clockRejected":
      // A badge refused at the clock: shown, but what someone is typing here stays.
      return { ...state, confirmation: null, error: { message: action.message, field: null }, seq: state.seq + 1 };
    case "dismiss":
      return { ...state, confirmation: null, error: null };
    default:
      return state;
  }
}

/** "IN" / "OUT" / "PUNCH" for the confirmation. */
export function directionLabel(direction: string | null): string {
  if (direction === "in") return "IN";
  if (direction === "out") return "OUT";
  return "PUNCH";
}

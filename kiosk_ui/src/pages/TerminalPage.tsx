import { useEffect, useReducer, useRef } from "react";
import { useParams } from "react-router";
import { failed, useTerminalPunchMutation } from "../api/office";
import type { PunchConfirmation, PunchRejected } from "../api/officeTypes";
import { ConnectionBadge } from "../components/Shell";
import { nextLang, setLang, useT } from "../i18n";
import { clockTime } from "../lib/forms";
import { directionLabel, initialTerminal, terminalReducer } from "../lib/terminal";
import { useStoreSocket } from "../realtime/storeSocket";

const SHOW_MS = 6000;
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"];

/**
 * The attendance terminal at the factory gate (fullscreen, no menus). Badge and fingerprint punches of
 * the clock named in the URL are pushed here (room clock:<device>); an employee without a badge types
 * their code and PIN. Each punch shows a large confirmation: name, IN or OUT, and the time.
 */
export function TerminalPage() {
  const { device = "gate" } = useParams();
  const [state, dispatch] = useReducer(terminalReducer, initialTerminal);
  const [punch] = useTerminalPunchMutation();
  const { lang, t } = useT();
  const codeField = useRef<HTMLInputElement>(null);
  const pinField = useRef<HTMLInputElement>(null);

  const connection = useStoreSocket({
    events: {
      punch: (confirmation: PunchConfirmation) => dispatch({ type: "confirmed", confirmation }),
      punch_rejected: (event: PunchRejected) => dispatch({ type: "clockRejected", message: event.error.message }),
    },
    joins: [["join_clock", { device }]],
  }, device);

  useEffect(() => {
    if (!state.confirmation && !state.error) return undefined;
    const timer = window.setTimeout(() => dispatch({ type: "dismiss" }), SHOW_MS);
    return () => window.clearTimeout(timer);
  }, [state.seq, state.confirmation, state.error]);

  useEffect(() => {
    (state.step === "pin" ? pinField : codeField).current?.focus();
  }, [state.step, state.confirmation]);

  async function submit() {
    if (state.step === "code") return dispatch({ type: "next" });
    if (!state.pin || state.busy) return;
    dispatch({ type: "sent" });
    try {
      const confirmation = await punch({ employee_code: state.code.trim(), pin: state.pin, terminal: device }).unwrap();
      dispatch({ type: "confirmed", confirmation });
    } catch (failure) {
      const error = failed(failure);
      dispatch({ type: "rejected", message: error.message, field: error.field });
    }
  }

  function press(key: string) {
    if (key === "⌫") dispatch({ type: "back" });
    else dispatch({ type: "key", key });
  }

  const c = state.confirmation;
  return (
    <div className="flex h-full flex-col bg-slate-900 text-white" data-testid="terminal">
      <header className="flex items-center justify-between px-6 py-3 text-slate-300">
        <span className="text-lg font-semibold">Attendance · {device}</span>
        <span className="flex items-center gap-4">
          <button type="button" className="rounded-md px-3 py-1 text-lg hover:bg-slate-700" onClick={() => setLang(nextLang(lang))}>
            {lang === "en" ? "हिंदी" : "English"}
          </button>
          <ConnectionBadge state={connection} />
        </span>
      </header>
      {c ? (
        <button type="button" className={`m-6 flex flex-1 flex-col items-center justify-center rounded-3xl ${c.direction === "out" ? "bg-sky-700" : "bg-emerald-700"}`}
          onClick={() => dispatch({ type: "dismiss" })} data-testid="punch-confirmation" data-direction={c.direction ?? ""}>
          <span className="text-6xl font-bold" data-testid="punch-name">{c.name}</span>
          <span className="mt-6 text-9xl font-black tracking-wider" data-testid="punch-direction">{t(directionLabel(c.direction))}</span>
          <span className="mt-6 font-mono text-6xl" data-testid="punch-time">{clockTime(c.at_local)}</span>
          <span className="mt-4 text-2xl text-white/80">{c.employee_code}{c.status === "duplicate" ? ` · ${t("already recorded")}` : ""}</span>
        </button>
      ) : (
        <form className="mx-auto mt-4 flex w-[28rem] flex-col gap-4" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <p className="text-center text-2xl text-slate-300">{t("Tap your badge — or type your code and PIN")}</p>
          {state.error && <p className="rounded-xl bg-rose-700 p-4 text-center text-2xl" role="alert" data-testid="terminal-error">{t(state.error.message)}</p>}
          <label className="text-lg">{t("Employee code")}
            <input ref={codeField} className="mt-1 h-16 w-full rounded-xl bg-slate-800 px-4 font-mono text-3xl uppercase" aria-label={t("Employee code")}
              value={state.code} autoComplete="off" onChange={(e) => dispatch({ type: "code", text: e.target.value })}
              onFocus={() => state.step === "pin" && dispatch({ type: "back" })} />
          </label>
          {state.step === "pin" && (
            <label className="text-lg">{t("PIN")}
              <input ref={pinField} className="mt-1 h-16 w-full rounded-xl bg-slate-800 px-4 font-mono text-3xl tracking-[0.5em]" aria-label={t("PIN")} type="password"
                inputMode="numeric" autoComplete="off" value={state.pin} onChange={(e) => dispatch({ type: "pin", text: e.target.value })} />
            </label>
          )}
          <div className="grid grid-cols-3 gap-3" aria-label="Keypad">
            {KEYS.map((key) => (
              key === "OK" ? (
                <button key={key} type="submit" className="h-16 rounded-xl bg-emerald-600 text-3xl font-semibold active:bg-emerald-700">OK</button>
              ) : (
                <button key={key} type="button" className="h-16 rounded-xl bg-slate-700 text-3xl font-semibold active:bg-slate-600" onClick={() => press(key)}>{key}</button>
              )
            ))}
          </div>
        </form>
      )}
    </div>
  );
}

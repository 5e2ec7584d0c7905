import { describe, expect, it } from "vitest";
import type { PunchConfirmation } from "../api/officeTypes";
import { directionLabel, initialTerminal, terminalReducer, type TerminalAction, type TerminalState } from "./terminal";

const run = (actions: TerminalAction[], from: TerminalState = initialTerminal) => actions.reduce(terminalReducer, from);
const keys = (text: string): TerminalAction[] => [...text].map((key) => ({ type: "key", key }));
const punch: PunchConfirmation = {
  punch_id: "x", employee_code: "E0005", name: "Manisha More", direction: "in", at: "2026-12-03T03:31:00Z",
  at_local: "2026-12-03T09:01:00+05:30", status: "valid", work_date: "2026-12-03", device: "gate", source: "terminal",
};

describe("the attendance terminal", () => {
  it("takes the code, then the PIN from the keypad", () => {
    const state = run([...keys("e0005"), { type: "next" }, ...keys("24a68")]);
    expect(state).toMatchObject({ step: "pin", code: "E0005", pin: "2468" });
  });

  it("does not move to the PIN without a code", () => {
    expect(run([{ type: "next" }]).step).toBe("code");
  });

  it("asks the PIN again after a wrong one, keeping the code", () => {
    const state = run([...keys("E0005"), { type: "next" }, ...keys("1111"), { type: "sent" },
      { type: "rejected", message: "wrong employee code or PIN", field: "pin" }]);
    expect(state).toMatchObject({ step: "pin", code: "E0005", pin: "", busy: false, error: { message: "wrong employee code or PIN" } });
  });

  it("shows the confirmation and forgets the PIN", () => {
    const state = run([...keys("E0005"), { type: "next" }, ...keys("2468"), { type: "confirmed", confirmation: punch }]);
    expect(state).toMatchObject({ step: "code", code: "", pin: "", confirmation: punch });
    expect(run([{ type: "dismiss" }], state).confirmation).toBeNull();
  });

  it("shows a badge refused at the clock without losing what someone is typing", () => {
    const state = run([...keys("E00"), { type: "clockRejected", message: "unknown badge" }]);
    expect(state).toMatchObject({ code: "E00", error: { message: "unknown badge" } });
  });

  it("goes back a digit, then back to the code", () => {
    const state = run([...keys("E1"), { type: "next" }, ...keys("12"), { type: "back" }, { type: "back" }, { type: "back" }]);
    expect(state).toMatchObject({ step: "code", code: "E1", pin: "" });
  });

  it("says IN, OUT or PUNCH", () => {
    expect([directionLabel("in"), directionLabel("out"), directionLabel(null)]).toEqual(["IN", "OUT", "PUNCH"]);
  });
});

import { useEffect, useRef, useState, type ReactNode } from "react";
import { apiError, useStepUpMutation, useTotpConfirmMutation, useTotpEnrolMutation, type TotpEnrolment } from "../api/api";
import { stepUpNeeded } from "../auth/totp";
import { CodeForm, EnrolInstructions, RecoveryCodes } from "../pages/TotpPanels";
import { Modal } from "./Modal";

/**
 * Sensitive actions (user and role changes, payroll export, old invoice corrections) answer 403
 * step_up_required without a TOTP code from the last few minutes, or totp_required for a user who has not
 * set TOTP up: ask for the code (or set TOTP up there and then), then let the caller retry.
 */
export function StepUpPrompt({ action, mode, onDone, onCancel }: {
  action: string; mode: "code" | "enrol"; onDone: () => void; onCancel: () => void;
}) {
  const [stepUp, { isLoading }] = useStepUpMutation();
  const [enrol] = useTotpEnrolMutation();
  const [confirm, { isLoading: confirming }] = useTotpConfirmMutation();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (mode !== "enrol" || enrolment) return;
    enrol().unwrap().then(setEnrolment).catch((failure: Parameters<typeof apiError>[0]) => setError(apiError(failure).message));
  }, [mode, enrolment, enrol]);

  async function submit(code: string) {
    setError(null);
    try {
      if (mode === "code") {
        await stepUp({ code }).unwrap();
        onDone();
      } else {
        setCodes((await confirm({ code }).unwrap()).recovery_codes); // the confirmation is itself a fresh code
      }
    } catch (failure) {
      setError(apiError(failure as Parameters<typeof apiError>[0]).message);
    }
  }

  return (
    <Modal title="Confirm with your code" onClose={onCancel} width="w-[30rem]">
      {codes ? (
        <RecoveryCodes codes={codes} onDone={onDone} />
      ) : (
        <>
          {mode === "enrol" && (enrolment ? <EnrolInstructions qrSvg={enrolment.qr_svg} secret={enrolment.secret} />
            : <p className="mb-4 text-slate-500">Preparing your authenticator set-up…</p>)}
          <CodeForm
            title={mode === "code" ? "Confirm with your code" : "Set up two-factor login"}
            hint={mode === "code" ? `${action} needs a fresh code from your authenticator app.`
              : `${action} needs two-factor login: scan the code, then type the six digits.`}
            allowRecovery={false}
            busy={isLoading || confirming}
            error={error}
            submitLabel="Confirm"
            onSubmit={(code) => void submit(code)}
            onCancel={onCancel}
          />
        </>
      )}
    </Modal>
  );
}

/**
 * Run a sensitive action; when the daemon wants a fresh TOTP code (or TOTP set up), show the prompt and run
 * it again once the code is given. Render ``prompt`` somewhere in the page.
 */
export function useStepUp(action: string): { guard: <T>(run: () => Promise<T>) => Promise<T>; prompt: ReactNode } {
  const [asking, setAsking] = useState<"code" | "enrol" | null>(null);
  const waiting = useRef<{ retry: () => void; give_up: () => void } | null>(null);

  function guard<T>(run: () => Promise<T>): Promise<T> {
    return run().catch((failure: unknown) => {
      const needed = stepUpNeeded(failure);
      if (!needed) throw failure;
      return new Promise<T>((resolve, reject) => {
        waiting.current = { retry: () => void run().then(resolve, reject), give_up: () => reject(failure) };
        setAsking(needed);
      });
    });
  }

  function close(retry: boolean) {
    const pending = waiting.current;
    waiting.current = null;
    setAsking(null);
    if (retry) pending?.retry();
    else pending?.give_up();
  }

  const prompt = asking ? (
    <StepUpPrompt action={action} mode={asking} onDone={() => close(true)} onCancel={() => close(false)} />
  ) : null;
  return { guard, prompt };
}

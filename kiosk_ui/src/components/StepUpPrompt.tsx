import { useState } from "react";
import { apiError, useStepUpMutation } from "../api/api";
import { CodeForm } from "../pages/TotpPanels";
import { Modal } from "./Modal";

/**
 * Sensitive actions (user and role changes, payroll export, old invoice corrections) answer 403
 * step_up_required without a TOTP code from the last few minutes: ask for one, then let the caller retry.
 * Use with needsStepUp() from auth/totp.
 */
export function StepUpPrompt({ action, onDone, onCancel }: { action: string; onDone: () => void; onCancel: () => void }) {
  const [stepUp, { isLoading }] = useStepUpMutation();
  const [error, setError] = useState<string | null>(null);

  async function submit(code: string) {
    setError(null);
    try {
      await stepUp({ code }).unwrap();
      onDone();
    } catch (failure) {
      setError(apiError(failure as Parameters<typeof apiError>[0]).message);
    }
  }

  return (
    <Modal title="Confirm with your code" onClose={onCancel} width="w-[28rem]">
      <CodeForm
        title="Confirm with your code"
        hint={`${action} needs a fresh code from your authenticator app.`}
        allowRecovery={false}
        busy={isLoading}
        error={error}
        submitLabel="Confirm"
        onSubmit={(code) => void submit(code)}
        onCancel={onCancel}
      />
    </Modal>
  );
}

import { useState, type FormEvent } from "react";
import { codeReady, groupSecret, qrImageSource } from "../auth/totp";

interface CodeFormProps {
  title: string;
  hint: string;
  allowRecovery: boolean;
  busy: boolean;
  error: string | null;
  submitLabel: string;
  onSubmit: (code: string) => void;
  onCancel?: () => void;
}

/** One code field: six digits from the app (or a recovery code where allowed). */
export function CodeForm({ title, hint, allowRecovery, busy, error, submitLabel, onSubmit, onCancel }: CodeFormProps) {
  const [code, setCode] = useState("");
  function submit(event: FormEvent) {
    event.preventDefault();
    if (codeReady(code, allowRecovery)) onSubmit(code.trim());
  }
  return (
    <form onSubmit={submit} aria-label={title}>
      <h2 className="mb-1 text-xl font-semibold">{title}</h2>
      <p className="mb-4 text-slate-500">{hint}</p>
      <label className="mb-4 block">
        <span className="mb-1 block text-sm font-medium text-slate-700">Code</span>
        <input
          className="field w-full font-mono text-lg tracking-widest"
          name="code"
          autoComplete="one-time-code"
          inputMode={allowRecovery ? "text" : "numeric"}
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          required
          maxLength={14}
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
      </label>
      {error && (
        <p role="alert" className="mb-4 rounded-lg bg-rose-50 px-3 py-2 text-rose-800">
          {error}
        </p>
      )}
      <div className="flex gap-2">
        {onCancel && (
          <button type="button" className="btn flex-1" onClick={onCancel}>
            Back
          </button>
        )}
        <button type="submit" className="btn btn-primary flex-1" disabled={busy || !codeReady(code, allowRecovery)}>
          {busy ? "Checking…" : submitLabel}
        </button>
      </div>
    </form>
  );
}

/** The authenticator set-up: the QR code to scan and the secret to type when scanning is not possible. */
export function EnrolInstructions({ qrSvg, secret }: { qrSvg: string; secret: string }) {
  return (
    <div className="mb-4">
      <p className="mb-3 text-slate-600">
        Administrators log in with a second factor. Scan this code with an authenticator app (Google Authenticator,
        Microsoft Authenticator, FreeOTP…), then type the six digits it shows.
      </p>
      <img src={qrImageSource(qrSvg)} alt="QR code for the authenticator app" className="mx-auto mb-3 h-48 w-48" />
      <p className="text-center text-sm text-slate-500">
        Cannot scan? Type this key: <code className="select-all font-mono text-slate-800">{groupSecret(secret)}</code>
      </p>
    </div>
  );
}

/** The recovery codes, shown once: each logs in once when the phone is lost. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <div aria-label="Recovery codes">
      <h2 className="mb-1 text-xl font-semibold">Write down your recovery codes</h2>
      <p className="mb-4 text-slate-500">
        Each code logs you in once if your phone is lost. Keep them somewhere safe; they are not shown again.
      </p>
      <ul className="mb-6 grid grid-cols-2 gap-2 font-mono text-lg" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code} className="rounded bg-slate-100 px-2 py-1 text-center">
            {code}
          </li>
        ))}
      </ul>
      <button type="button" className="btn btn-primary w-full" onClick={onDone} autoFocus>
        I have written them down
      </button>
    </div>
  );
}

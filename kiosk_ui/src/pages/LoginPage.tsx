import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import {
  api,
  apiError,
  useLoginMutation,
  useMeQuery,
  useTotpConfirmMutation,
  useTotpEnrolMutation,
  useTotpLoginMutation,
  type TotpEnrolment,
} from "../api/api";
import type { User } from "../api/types";
import { homeFor } from "../auth/roles";
import { nextStep, type LoginNext } from "../auth/totp";
import { useAppDispatch } from "../state/hooks";
import { CodeForm, EnrolInstructions, RecoveryCodes } from "./TotpPanels";

/** Only paths inside the kiosk are followed after login. */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : null;
}

type Step = "password" | Exclude<LoginNext, "done"> | "codes";

export function LoginPage() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [step, setStep] = useState<Step>("password");
  const [pendingUser, setPendingUser] = useState<User | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [login, { isLoading }] = useLoginMutation();
  const [totpLogin, { isLoading: checkingCode }] = useTotpLoginMutation();
  const [totpEnrol] = useTotpEnrolMutation();
  const [totpConfirm, { isLoading: confirming }] = useTotpConfirmMutation();
  const { data: me, isSuccess } = useMeQuery();
  const dispatch = useAppDispatch();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));

  useEffect(() => {
    if (step !== "enrol" || enrolment) return;
    totpEnrol()
      .unwrap()
      .then(setEnrolment)
      .catch((failure: Parameters<typeof apiError>[0]) => setError(apiError(failure).message));
  }, [step, enrolment, totpEnrol]);

  if (me && isSuccess && !isLoading && step === "password") return <Navigate to={next ?? homeFor(me.role)} replace />;

  function finish(user: User) {
    dispatch(api.util.upsertQueryData("me", undefined, user));
    navigate(next ?? homeFor(user.role), { replace: true });
  }

  function restart() {
    setStep("password");
    setPendingUser(null);
    setEnrolment(null);
    setPassword("");
    setError(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await login({ username: username.trim(), password }).unwrap();
      const after = nextStep(answer);
      if (after === "done") {
        navigate(next ?? homeFor(answer.user.role), { replace: true });
        return;
      }
      setPendingUser(answer.user);
      setStep(after);
    } catch (failure) {
      setError(apiError(failure as Parameters<typeof apiError>[0]).message);
      setPassword("");
    }
  }

  async function secondStep(code: string) {
    setError(null);
    try {
      const { user } = await totpLogin({ code }).unwrap();
      finish(user);
    } catch (failure) {
      const problem = apiError(failure as Parameters<typeof apiError>[0]);
      if (problem.code === "unauthenticated") restart(); // the pending login ran out: start again
      setError(problem.message);
    }
  }

  async function confirmEnrolment(code: string) {
    setError(null);
    try {
      const { user, recovery_codes } = await totpConfirm({ code }).unwrap();
      setPendingUser(user);
      setRecoveryCodes(recovery_codes);
      setStep("codes");
    } catch (failure) {
      setError(apiError(failure as Parameters<typeof apiError>[0]).message);
    }
  }

  return (
    <div className="flex h-full items-center justify-center bg-slate-800">
      <div className="card w-[28rem] p-8">
        <h1 id="login-title" className="mb-1 text-2xl font-semibold">Store Edge POS</h1>
        {step === "password" && (
          <form onSubmit={submit} aria-labelledby="login-title">
            <p className="mb-6 text-slate-500">Log in to start</p>
            <label className="mb-4 block">
              <span className="mb-1 block text-sm font-medium text-slate-700">User name</span>
              <input
                className="field w-full"
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                autoFocus
                required
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            </label>
            <label className="mb-6 block">
              <span className="mb-1 block text-sm font-medium text-slate-700">Password</span>
              <input
                className="field w-full"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            {error && (
              <p role="alert" className="mb-4 rounded-lg bg-rose-50 px-3 py-2 text-rose-800">
                {error}
              </p>
            )}
            <button type="submit" className="btn btn-primary w-full" disabled={isLoading}>
              {isLoading ? "Logging in…" : "Log in"}
            </button>
          </form>
        )}
        {step === "totp" && (
          <CodeForm
            title="Two-factor code"
            hint={`${pendingUser?.display_name ?? "You"}: type the six digits your authenticator app shows, or one of your recovery codes.`}
            allowRecovery
            busy={checkingCode}
            error={error}
            submitLabel="Log in"
            onSubmit={(code) => void secondStep(code)}
            onCancel={restart}
          />
        )}
        {step === "enrol" && (
          <>
            {enrolment ? (
              <EnrolInstructions qrSvg={enrolment.qr_svg} secret={enrolment.secret} />
            ) : (
              <p className="mb-4 text-slate-500">Preparing your authenticator set-up…</p>
            )}
            <CodeForm
              title="Set up two-factor login"
              hint="The first code from the app switches two-factor login on."
              allowRecovery={false}
              busy={confirming}
              error={error}
              submitLabel="Switch on and log in"
              onSubmit={(code) => void confirmEnrolment(code)}
              onCancel={restart}
            />
          </>
        )}
        {step === "codes" && pendingUser && (
          <RecoveryCodes codes={recoveryCodes} onDone={() => finish(pendingUser)} />
        )}
      </div>
    </div>
  );
}

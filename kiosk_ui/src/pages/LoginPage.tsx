import { useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { apiError, useLoginMutation, useMeQuery } from "../api/api";
import { homeFor } from "../auth/roles";

/** Only paths inside the kiosk are followed after login. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : null;
}

export function LoginPage() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [login, { isLoading }] = useLoginMutation();
  const { data: me, isSuccess } = useMeQuery();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));

  if (me && isSuccess && !isLoading) return <Navigate to={next ?? homeFor(me.role)} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const { user } = await login({ username: username.trim(), password }).unwrap();
      navigate(next ?? homeFor(user.role), { replace: true });
    } catch (failure) {
      setError(apiError(failure as Parameters<typeof apiError>[0]).message);
      setPassword("");
    }
  }

  return (
    <div className="flex h-full items-center justify-center bg-slate-800">
      <form onSubmit={submit} className="card w-[26rem] p-8" aria-labelledby="login-title">
        <h1 id="login-title" className="mb-1 text-2xl font-semibold">Store Edge POS</h1>
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
    </div>
  );
}

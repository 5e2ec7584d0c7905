import { useEffect, useMemo, useReducer, useState, type FormEvent } from "react";
import { useStepUp } from "../../components/StepUpPrompt";
import {
  failed,
  useChangeUserMutation,
  useCreateUserMutation,
  useDevicesQuery,
  useResetUserTotpMutation,
  useRevokeUserSessionsMutation,
  useSetUserPasswordMutation,
  useSyncStatusQuery,
  useUsersQuery,
} from "../../api/office";
import type { DeviceStatus, NewUser, SyncStatus, UserRow } from "../../api/officeTypes";
import type { ApiError, Role } from "../../api/types";
import { EVERYONE } from "../../auth/roles";
import { ConnectionBadge } from "../../components/Shell";
import { Field, Flash, FormError, PageHeader } from "../../components/Form";
import { Modal } from "../../components/Modal";
import { OfficeLayout } from "../../components/OfficeLayout";
import { useDraft } from "../../hooks/useDraft";
import { formatAge, initialSync, trackSync } from "../../lib/sync";
import { useStoreSocket, type Join } from "../../realtime/storeSocket";

// ---------------------------------------------------------------------------------------------- devices

/** Device status: the list from GET /devices, then every change as it is pushed ("device" events). */
export function DevicesPage() {
  const { data, error, refetch } = useDevicesQuery();
  const [pushed, setPushed] = useState<Record<string, DeviceStatus>>({});
  const tills = useMemo(() => [...new Set((data?.items ?? []).map((d) => d.till).filter((t): t is string => Boolean(t)))].sort(), [data]);
  const joins: Join[] = tills.map((till) => ["join_till", { till }]);
  const connection = useStoreSocket({
    events: { device: (event: DeviceStatus) => setPushed((all) => ({ ...all, [event.device]: { ...all[event.device], ...event } })) },
    joins,
    joined: () => void refetch(),
  }, tills.join(","));
  const devices = (data?.items ?? []).map((d) => ({ ...d, ...pushed[d.device] }));
  for (const extra of Object.values(pushed)) if (!devices.some((d) => d.device === extra.device)) devices.push(extra);

  return (
    <OfficeLayout group="office">
      <PageHeader title="Devices"><span className="rounded bg-slate-800 px-2 py-1"><ConnectionBadge state={connection} /></span></PageHeader>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      <div className="card overflow-hidden">
        <table className="w-full text-sm" aria-label="Devices">
          <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
            <tr><th className="px-3 py-2">Device</th><th className="px-3 py-2">Kind</th><th className="px-3 py-2">Till</th><th className="px-3 py-2">Status</th><th className="px-3 py-2">Last error</th><th className="px-3 py-2">Last event</th></tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.device} className="border-t border-slate-100" data-testid="device-row" data-device={d.device}>
                <td className="px-3 py-1.5 font-mono">{d.device}{d.simulated ? <span className="ml-2 text-xs text-slate-500">simulated</span> : null}</td>
                <td className="px-3 py-1.5">{d.kind}</td>
                <td className="px-3 py-1.5">{d.till ?? "store"}</td>
                <td className="px-3 py-1.5"><StatusDot status={d.status} /></td>
                <td className="px-3 py-1.5 text-rose-700">{d.error ?? ""}</td>
                <td className="px-3 py-1.5">{d.last_event_at ? new Date(`${d.last_event_at.replace(/Z?$/, "Z")}`).toLocaleTimeString() : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </OfficeLayout>
  );
}

function StatusDot({ status }: { status: string | null }) {
  const ok = status === "connected" || status === "ready" || status === "online";
  const colour = ok ? "bg-emerald-500" : status === "starting" || status === "connecting" ? "bg-amber-400" : "bg-rose-500";
  return <span className="inline-flex items-center gap-2" data-testid="device-status"><span className={`h-2.5 w-2.5 rounded-full ${colour}`} aria-hidden="true" />{status ?? "unknown"}</span>;
}

// ------------------------------------------------------------------------------------------------- sync

/** Replication to the cloud: the backlog, and a progress bar while it drains (pushed "sync" events). */
export function SyncPage() {
  const { data, error } = useSyncStatusQuery(undefined, { refetchOnMountOrArgChange: true });
  const [progress, track] = useReducer(trackSync, initialSync);
  useEffect(() => {
    if (data) track(data);
  }, [data]);
  const connection = useStoreSocket({ events: { sync: (status: SyncStatus) => track(status) } }, "store");
  const status = progress.status;

  return (
    <OfficeLayout group="office">
      <PageHeader title="Cloud sync"><span className="rounded bg-slate-800 px-2 py-1"><ConnectionBadge state={connection} /></span></PageHeader>
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      <section className="card max-w-2xl p-5" aria-label="Sync status" data-testid="sync" data-phase={progress.phase}>
        <p className="mb-2 text-lg" data-testid="sync-summary">
          {progress.phase === "idle" && "Everything is sent to the cloud."}
          {progress.phase === "queued" && `${status?.backlog ?? 0} events wait to be sent (the cloud is not reachable).`}
          {progress.phase === "draining" && `Sending: ${status?.backlog ?? 0} of ${progress.peak} events left.`}
          {progress.phase === "unknown" && "Loading…"}
        </p>
        <div className="h-5 w-full overflow-hidden rounded-full bg-slate-200" role="progressbar" aria-label="Sync progress"
          aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress.percent} data-testid="sync-bar">
          <div className={`h-full ${progress.phase === "queued" ? "bg-amber-400" : "bg-emerald-500"} transition-[width] duration-500`} style={{ width: `${progress.percent}%` }} />
        </div>
        <dl className="mt-4 grid grid-cols-2 gap-y-1 text-sm">
          <dt>Waiting to be sent</dt><dd className="num" data-testid="sync-backlog">{status?.backlog ?? "—"}</dd>
          <dt>Oldest unsent</dt><dd className="num">{formatAge(status?.oldest_unsent_age_s ?? null)}</dd>
          <dt>Last acknowledged by the cloud</dt><dd className="num">{status?.last_ack_at ? new Date(status.last_ack_at).toLocaleString() : "never"}</dd>
          <dt>Sent in the last minute</dt><dd className="num">{status ? `${status.sent_per_s} / s` : "—"}</dd>
          <dt>Events recorded</dt><dd className="num">{status?.last_seq ?? "—"}</dd>
        </dl>
      </section>
    </OfficeLayout>
  );
}

// ------------------------------------------------------------------------------------------------ users

const EMPTY_USER: Omit<NewUser, "password"> = { username: "", role: "cashier", display_name: "", employee_code: "" };

/** Users and their roles (administrators): the list, and adding a login. */
export function UsersPage() {
  const { data, error } = useUsersQuery();
  // The draft is kept for this tab until the user is added; the password never is.
  const { kept, keep: setDraft, discard } = useDraft<Omit<NewUser, "password">>("new-user");
  const draft = kept ?? EMPTY_USER;
  const [password, setPassword] = useState("");
  const [formError, setFormError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [create, { isLoading }] = useCreateUserMutation();
  const [change] = useChangeUserMutation();
  const [rowError, setRowError] = useState<{ id: string; error: ApiError } | null>(null);
  const { guard, prompt } = useStepUp("Changing users");
  // The row is looked up in the list each render: after a reset the dialog shows the user as they are now.
  const [managedId, setManagedId] = useState<string | null>(null);
  const managed = data?.items.find((u) => u.id === managedId) ?? null;

  /** A role or active-flag change (the API ends that user's sessions), behind a fresh TOTP code. */
  async function changeRow(id: string, changes: { role?: Role; is_active?: boolean }, username: string) {
    setRowError(null);
    setDone(null);
    try {
      const user = await guard(() => change({ id, ...changes }).unwrap());
      setDone(`${username}: ${user.role}, ${user.is_active ? "active" : "inactive"}; their sessions ended.`);
    } catch (failure) {
      setRowError({ id, error: failed(failure) });
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    setDone(null);
    const body: NewUser = { username: draft.username.trim(), password, role: draft.role };
    if (draft.display_name?.trim()) body.display_name = draft.display_name.trim();
    if (draft.employee_code?.trim()) body.employee_code = draft.employee_code.trim();
    try {
      const user = await guard(() => create(body).unwrap());
      discard();
      setPassword("");
      setDone(`Added ${user.username} (${user.role}).`);
    } catch (failure) {
      setFormError(failed(failure));
    }
  }
  const set = (name: "username" | "display_name" | "employee_code") => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [name]: e.target.value });

  return (
    <OfficeLayout group="office">
      <PageHeader title="Users and roles" />
      {error && <p className="text-rose-700" role="alert">{failed(error).message}</p>}
      <div className="grid grid-cols-[1fr_22rem] gap-4">
        <div className="card overflow-hidden">
          <table className="w-full text-sm" aria-label="Users">
            <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
              <tr><th className="px-3 py-2">User</th><th className="px-3 py-2">Name</th><th className="px-3 py-2">Role</th><th className="px-3 py-2">Employee</th><th className="px-3 py-2">2FA</th><th className="px-3 py-2">Status</th><th className="px-3 py-2"><span className="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {data?.items.map((u) => (
                <tr key={u.id} className="border-t border-slate-100" data-testid="user-row">
                  <td className="px-3 py-1.5 font-mono">{u.username}</td><td className="px-3 py-1.5">{u.display_name}</td>
                  <td className="px-3 py-1.5">
                    <select className="field" aria-label={`Role of ${u.username}`} value={u.role}
                      onChange={(e) => changeRow(u.id, { role: e.target.value as Role }, u.username)}>
                      {EVERYONE.map((r) => <option key={r} value={r}>{r}</option>)}
                    </select>
                  </td>
                  <td className="px-3 py-1.5">{u.employee_code ?? "—"}</td>
                  <td className="px-3 py-1.5">{u.totp_enabled ? "on" : "off"}</td>
                  <td className="px-3 py-1.5">
                    <label className="inline-flex items-center gap-1">
                      <input type="checkbox" aria-label={`${u.username} active`} checked={u.is_active}
                        onChange={(e) => changeRow(u.id, { is_active: e.target.checked }, u.username)} />
                      {u.is_active ? "active" : "inactive"}
                    </label>
                    {rowError?.id === u.id && <p role="alert" className="text-xs text-rose-700">{rowError.error.message}</p>}
                  </td>
                  <td className="px-3 py-1.5 text-right">
                    <button type="button" className="btn btn-sm" aria-label={`Manage ${u.username}`} onClick={() => setManagedId(u.id)}>
                      Password, 2FA…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form className="card space-y-2 p-4" onSubmit={submit} aria-label="Add a user">
          <h2 className="font-semibold">Add a user</h2>
          <FormError error={formError} fields={["username", "password", "role", "display_name", "employee_code"]} />
          <Field label="User name" name="username" error={formError}><input className="field w-full" value={draft.username} onChange={set("username")} autoComplete="off" /></Field>
          <Field label="Password" name="password" error={formError}><input className="field w-full" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" /></Field>
          <Field label="Role" name="role" error={formError}>
            <select className="field w-full" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}>
              {EVERYONE.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </Field>
          <Field label="Display name" name="display_name" error={formError}><input className="field w-full" value={draft.display_name} onChange={set("display_name")} /></Field>
          <Field label="Employee code (for employee logins)" name="employee_code" error={formError}><input className="field w-full" value={draft.employee_code} onChange={set("employee_code")} /></Field>
          <button type="submit" className="btn btn-primary" disabled={isLoading}>Add user</button>
          <Flash text={done} />
        </form>
      </div>
      {managed && <UserSecurity user={managed} guard={guard} onClose={() => setManagedId(null)} />}
      {prompt}
    </OfficeLayout>
  );
}

type Guard = <T>(run: () => Promise<T>) => Promise<T>;

/**
 * An administrator's help for one user: a new password (typed twice; the policy's refusal shows under the
 * field), a two-factor reset (lost phone) and ending every session. Each needs a fresh TOTP code (the page's
 * step-up prompt asks for it) and says what it did.
 */
function UserSecurity({ user, guard, onClose }: { user: UserRow; guard: Guard; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<"totp" | "sessions" | null>(null);
  const [setUserPassword, { isLoading: saving }] = useSetUserPasswordMutation();
  const [resetTotp, { isLoading: resetting }] = useResetUserTotpMutation();
  const [revoke, { isLoading: revoking }] = useRevokeUserSessionsMutation();
  const who = user.display_name ? `${user.username} (${user.display_name})` : user.username;

  async function act(run: () => Promise<string>) {
    setError(null);
    setDone(null);
    try {
      setDone(await guard(run));
    } catch (failure) {
      setError(failed(failure));
    } finally {
      setConfirming(null);
    }
  }

  function savePassword(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    if (!password) return setError({ code: "invalid", message: "type the new password", field: "password" });
    if (password !== repeat) return setError({ code: "invalid", message: "the two passwords differ", field: "repeat" });
    void act(async () => {
      await setUserPassword({ id: user.id, password }).unwrap();
      setPassword("");
      setRepeat("");
      return `New password set for ${user.username}; their sessions ended. Tell them the new password.`;
    });
  }

  return (
    <Modal title={`Password and sign-in of ${user.username}`} onClose={onClose} width="w-[34rem]" testId="user-security">
      <p className="mb-3 text-sm text-slate-600">For {who}, {user.role}. Each change asks for a fresh code from your authenticator.</p>
      <FormError error={error} fields={["password", "repeat"]} />
      <Flash text={done} />
      <form className="mt-2 space-y-2" onSubmit={savePassword} aria-label="Set a new password">
        <h3 className="font-semibold">Set a new password</h3>
        <Field label="New password" name="password" error={error}>
          <input className="field w-full" type="password" autoComplete="new-password" data-autofocus value={password}
            onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="The new password again" name="repeat" error={error}>
          <input className="field w-full" type="password" autoComplete="new-password" value={repeat}
            onChange={(e) => setRepeat(e.target.value)} />
        </Field>
        <button type="submit" className="btn btn-primary" disabled={saving}>Set password and end their sessions</button>
      </form>
      <div className="mt-5 space-y-3 border-t border-slate-200 pt-4">
        <Confirmable
          label="Reset two-factor login"
          hint={user.totp_enabled ? "For a lost phone: they set up their authenticator again at their next login."
            : "Two-factor login is off for this user."}
          question={`Reset two-factor login for ${user.username}? Their sessions end too.`}
          open={confirming === "totp"} busy={resetting} disabled={!user.totp_enabled}
          onAsk={() => setConfirming("totp")} onCancel={() => setConfirming(null)}
          onConfirm={() => void act(async () => {
            await resetTotp(user.id).unwrap();
            return `Two-factor login reset for ${user.username}: they set it up again at their next login.`;
          })}
        />
        <Confirmable
          label="End every session"
          hint="Signs them out on every till and browser now (a lost badge, a shared screen)."
          question={`Sign ${user.username} out everywhere?`}
          open={confirming === "sessions"} busy={revoking}
          onAsk={() => setConfirming("sessions")} onCancel={() => setConfirming(null)}
          onConfirm={() => void act(async () => {
            const { revoked } = await revoke(user.id).unwrap();
            return `${user.username}: ${revoked} ${revoked === 1 ? "session" : "sessions"} ended.`;
          })}
        />
      </div>
    </Modal>
  );
}

/** An action asked once and confirmed once ("Reset…" → "Yes, reset"), so a stray touch does nothing. */
function Confirmable({ label, hint, question, open, busy, disabled = false, onAsk, onCancel, onConfirm }: {
  label: string; hint: string; question: string; open: boolean; busy: boolean; disabled?: boolean;
  onAsk: () => void; onCancel: () => void; onConfirm: () => void;
}) {
  return (
    <div>
      {open ? (
        <div className="rounded-lg bg-amber-50 p-3" role="group" aria-label={label}>
          <p className="mb-2 font-medium">{question}</p>
          <div className="flex gap-2">
            <button type="button" className="btn btn-primary btn-sm" autoFocus disabled={busy} onClick={onConfirm}>Yes, {label.toLowerCase()}</button>
            <button type="button" className="btn btn-sm" onClick={onCancel}>Cancel</button>
          </div>
        </div>
      ) : (
        <div className="flex items-center gap-3">
          <button type="button" className="btn btn-sm" disabled={disabled} onClick={onAsk}>{label}…</button>
          <span className="text-sm text-slate-500">{hint}</span>
        </div>
      )}
    </div>
  );
}

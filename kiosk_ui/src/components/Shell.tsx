import type { ReactNode } from "react";
import { NavLink, useLocation, useNavigate } from "react-router";
import { api, useHealthQuery, useLogoutMutation, useMeQuery } from "../api/api";
import { SELLERS, TERMINAL_ROLES, lastTill, screensFor } from "../auth/roles";
import { nextLang, setLang, useT } from "../i18n";
import { useAppDispatch } from "../state/hooks";
import type { Connection } from "../state/posSlice";
import { UpsBanner } from "./UpsBanner";

const LINK = "rounded-md px-3 py-1.5 text-sm font-medium text-slate-200 hover:bg-slate-700";
const ACTIVE = "bg-slate-700 text-white";

export function ConnectionBadge({ state }: { state: Connection }) {
  const look = {
    live: ["bg-emerald-500", "Live"],
    connecting: ["bg-amber-400", "Connecting…"],
    offline: ["bg-rose-500", "Offline — reconnecting"],
  }[state];
  return (
    <span className="inline-flex items-center gap-2 text-sm text-slate-200" data-testid="connection" data-state={state}>
      <span className={`h-2.5 w-2.5 rounded-full ${look[0]}`} aria-hidden="true" />
      {look[1]}
    </span>
  );
}

/** The kiosk's frame: store, screens the role may open, realtime state, who is logged in, logout. */
export function Shell({ children, connection, till }: { children: ReactNode; connection?: Connection; till?: string }) {
  const { data: user } = useMeQuery();
  const { data: health } = useHealthQuery();
  const [logout] = useLogoutMutation();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const sells = user && SELLERS.includes(user.role);
  const office = user ? screensFor(user.role, "office")[0] : undefined;
  const hr = user ? screensFor(user.role, "hr")[0] : undefined;
  const reports = user ? screensFor(user.role, "reports")[0] : undefined;
  const terminal = user && TERMINAL_ROLES.includes(user.role);
  const posTill = till ?? lastTill();
  const { lang, t } = useT();
  const { pathname } = useLocation();
  const group = (prefix: string) => `${LINK} ${pathname.startsWith(prefix) ? ACTIVE : ""}`;

  async function signOut() {
    await logout().unwrap().catch(() => undefined);
    dispatch(api.util.resetApiState());
    navigate("/login", { replace: true });
  }

  return (
    <div className="flex h-full flex-col">
      <header className="flex h-12 shrink-0 print:hidden items-center gap-3 bg-slate-800 px-4 text-white">
        <span className="font-semibold tracking-wide">Store Edge POS</span>
        {health?.store && <span className="text-sm text-slate-400">{health.store}</span>}
        <nav className="ml-4 flex items-center gap-1" aria-label="Screens">
          {sells && (
            <NavLink to={`/pos/${posTill}`} className={({ isActive }) => `${LINK} ${isActive ? ACTIVE : ""}`}>
              {t("Till")} {posTill}
            </NavLink>
          )}
          {sells && (
            <a href={`/display/${posTill}`} target="_blank" rel="noreferrer" className={LINK}>
              {t("Customer display")}
            </a>
          )}
          {office && (
            <NavLink to={office.path} className={group("/office/")}>
              {t("Back office")}
            </NavLink>
          )}
          {hr && (
            <NavLink to={hr.path} className={group("/hr/")}>
              {t("HR")}
            </NavLink>
          )}
          {reports && (
            <NavLink to={reports.path} className={group("/reports/")}>
              {t("Reports")}
            </NavLink>
          )}
          {terminal && (
            <a href="/terminal/gate" className={LINK}>
              {t("Attendance terminal")}
            </a>
          )}
        </nav>
        <div className="ml-auto flex items-center gap-4">
          {connection && <ConnectionBadge state={connection} />}
          {user && (
            <span className="text-sm text-slate-300" data-testid="user">
              {user.display_name} <span className="text-slate-500">({user.role})</span>
            </span>
          )}
          <button type="button" className="rounded-md px-2 py-1.5 text-sm text-slate-300 hover:bg-slate-700" onClick={() => setLang(nextLang(lang))}
            lang={nextLang(lang)} aria-label={lang === "en" ? "हिंदी में दिखाएँ" : "Show in English"}>
            {lang === "en" ? "हिंदी" : "English"}
          </button>
          <button type="button" className="rounded-md px-3 py-1.5 text-sm text-slate-200 hover:bg-slate-700" onClick={signOut}>
            {t("Log out")}
          </button>
        </div>
      </header>
      <UpsBanner />
      <main className="min-h-0 flex-1">{children}</main>
    </div>
  );
}

import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { useMeQuery } from "../api/api";
import { screensFor, type ScreenGroup } from "../auth/roles";
import { useT } from "../i18n";
import { Shell } from "./Shell";

const ITEM = "block rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-200";

/** A back-office or HR screen: the kiosk's frame, the group's screens the role may open on the left. */
export function OfficeLayout({ group, children }: { group: ScreenGroup; children: ReactNode }) {
  const { data: user } = useMeQuery();
  const screens = user ? screensFor(user.role, group) : [];
  const { t } = useT();
  return (
    <Shell>
      <div className="flex h-full">
        <nav className="w-48 shrink-0 overflow-auto border-r border-slate-200 bg-slate-50 p-2 print:hidden" aria-label={{ office: "Back office", hr: "HR", reports: "Reports" }[group]}>
          {screens.map((screen) => (
            <NavLink
              key={screen.path}
              to={screen.path}
              className={({ isActive }) => `${ITEM} ${isActive ? "bg-slate-200 text-slate-900" : ""}`}
            >
              {t(screen.label)}
            </NavLink>
          ))}
        </nav>
        <div className="min-w-0 flex-1 overflow-auto p-4">{children}</div>
      </div>
    </Shell>
  );
}

import { useEffect, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useMeQuery } from "../api/api";
import type { Role } from "../api/types";
import { homeFor } from "./roles";

/**
 * Render children for a logged-in user of one of the roles; send others to login or their home.
 * Only a 401 means "log in again": while the store server cannot be reached the screen stays as it is
 * (a kiosk keeps its half-finished sale through a network blip), or, before we know who is logged in,
 * a notice that retries every few seconds.
 */
export function RequireAuth({ roles, children }: { roles?: readonly Role[]; children: ReactNode }) {
  const { data: user, error, isLoading, refetch } = useMeQuery();
  const location = useLocation();
  const status = error && "status" in error ? error.status : null;
  const unreachable = !user && error && status !== 401;

  useEffect(() => {
    if (!unreachable) return undefined;
    const timer = window.setInterval(() => void refetch(), 3000);
    return () => window.clearInterval(timer);
  }, [unreachable, refetch]);

  if (isLoading) return <div className="p-8 text-lg text-slate-500">Loading…</div>;
  if (status === 401 || (!user && !error)) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (!user) {
    return (
      <div className="mx-auto mt-16 max-w-xl card p-8 text-lg" role="alert">
        <h1 className="mb-2 text-2xl font-semibold">Cannot reach the store server</h1>
        <p className="text-slate-600">Trying again every few seconds…</p>
      </div>
    );
  }
  if (roles && !roles.includes(user.role)) return <Navigate to={homeFor(user.role)} replace />;
  return <>{children}</>;
}

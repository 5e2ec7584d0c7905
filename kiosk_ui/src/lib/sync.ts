// The cloud-sync progress bar: the backlog is pushed (event "sync", every few seconds while it changes);
// a drain is measured against the largest backlog seen since the outbox was last empty.

import type { SyncStatus } from "../api/officeTypes";

export interface SyncProgress {
  status: SyncStatus | null;
  /** Largest backlog since the backlog was last 0. */
  peak: number;
  /** 0..100: share of the peak already sent. */
  percent: number;
  phase: "unknown" | "idle" | "queued" | "draining";
}

export const initialSync: SyncProgress = { status: null, peak: 0, percent: 100, phase: "unknown" };

/** The progress after one status (from GET /sync/status or a push). */
export function trackSync(previous: SyncProgress, status: SyncStatus): SyncProgress {
  if (status.backlog <= 0) return { status, peak: 0, percent: 100, phase: "idle" };
  const peak = Math.max(previous.peak, status.backlog);
  const percent = Math.floor(((peak - status.backlog) * 100) / peak);
  const draining = status.sent_per_s > 0 || (previous.status !== null && status.backlog < previous.status.backlog);
  return { status, peak, percent, phase: draining ? "draining" : "queued" };
}

/** Seconds as "3 min 20 s", "2 h 5 min". */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

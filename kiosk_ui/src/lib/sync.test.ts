import { describe, expect, it } from "vitest";
import type { SyncStatus } from "../api/officeTypes";
import { formatAge, initialSync, trackSync } from "./sync";

const status = (backlog: number, sent_per_s = 0): SyncStatus => ({ backlog, sent_per_s, oldest_unsent_age_s: backlog ? 40 : null, last_ack_at: null, last_seq: 900 });

describe("the sync progress bar", () => {
  it("is empty while the cloud is unreachable, fills while the backlog drains, full when all is sent", () => {
    let progress = trackSync(initialSync, status(400));
    expect(progress).toMatchObject({ phase: "queued", percent: 0, peak: 400 });
    progress = trackSync(progress, status(420));
    expect(progress).toMatchObject({ phase: "queued", percent: 0, peak: 420 });
    progress = trackSync(progress, status(315, 20.5));
    expect(progress).toMatchObject({ phase: "draining", percent: 25, peak: 420 });
    progress = trackSync(progress, status(21, 40));
    expect(progress).toMatchObject({ phase: "draining", percent: 95 });
    progress = trackSync(progress, status(0, 40));
    expect(progress).toMatchObject({ phase: "idle", percent: 100, peak: 0 });
  });

  it("measures the next backlog from its own start", () => {
    const after = trackSync(trackSync(trackSync(initialSync, status(1000)), status(0)), status(10));
    expect(after).toMatchObject({ peak: 10, percent: 0 });
  });

  it("says how old the oldest unsent event is", () => {
    expect(formatAge(null)).toBe("—");
    expect(formatAge(42)).toBe("42 s");
    expect(formatAge(200)).toBe("3 min 20 s");
    expect(formatAge(7500)).toBe("2 h 5 min");
  });
});

// The login's second factor as the kiosk sees it: what the daemon asks for next, and typed codes.

/** What the daemon wants after the password: nothing more, a TOTP (or recovery) code, or a TOTP set-up. */
export type LoginNext = "done" | "totp" | "enrol";

export interface LoginAnswer {
  next?: LoginNext;
}

/** The step after a login answer (an older daemon that says nothing means done). */
export function nextStep(answer: LoginAnswer): LoginNext {
  return answer.next === "totp" || answer.next === "enrol" ? answer.next : "done";
}

/** A typed code without spaces or dashes (what an authenticator shows as "123 456"). */
export function normaliseCode(text: string): string {
  return text.replace(/[\s-]/g, "").toLowerCase();
}

/** Six digits from an authenticator app. */
export function isTotpCode(text: string): boolean {
  return /^\d{6}$/.test(normaliseCode(text));
}

/** A one-time recovery code: ten letters or digits, written down at enrolment (e.g. "k7qm-x3pt-9w"). */
export function isRecoveryCode(text: string): boolean {
  return /^[a-hj-km-np-z2-9]{10}$/.test(normaliseCode(text));
}

/** Worth sending: a TOTP code, or (where allowed) a recovery code. */
export function codeReady(text: string, allowRecovery: boolean): boolean {
  return isTotpCode(text) || (allowRecovery && isRecoveryCode(text));
}

/** The daemon's SVG QR code as an <img> source: an image cannot run scripts, unlike inlined SVG markup. */
export function qrImageSource(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** The secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

/** What a sensitive action refused for want of a second factor needs: a fresh code, or TOTP set up first. */
export function stepUpNeeded(error: unknown): "code" | "enrol" | null {
  if (!error || typeof error !== "object" || !("status" in error) || (error as { status: unknown }).status !== 403) {
    return null;
  }
  const code = (error as { data?: { error?: { code?: string } } }).data?.error?.code;
  return code === "step_up_required" ? "code" : code === "totp_required" ? "enrol" : null;
}

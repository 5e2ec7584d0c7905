import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { codeReady, groupSecret, isRecoveryCode, isTotpCode, nextStep, normaliseCode, qrImageSource, stepUpNeeded } from "../auth/totp";
import { safeNext } from "./LoginPage";
import { CodeForm, EnrolInstructions, RecoveryCodes } from "./TotpPanels";

const noop = () => undefined;
const SVG = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0h1v1H0z"/></svg>';

describe("the login's second step", () => {
  it("follows what the daemon asks for next", () => {
    expect(nextStep({ next: "totp" })).toBe("totp");
    expect(nextStep({ next: "enrol" })).toBe("enrol");
    expect(nextStep({ next: "done" })).toBe("done");
    expect(nextStep({})).toBe("done");
  });

  it("takes six digits as typed from an app, and recovery codes only where allowed", () => {
    expect(normaliseCode(" 123 456 ")).toBe("123456");
    expect(isTotpCode("123 456")).toBe(true);
    expect(isTotpCode("12345")).toBe(false);
    expect(isRecoveryCode("K7QM-X3PT-9W")).toBe(true);
    expect(isRecoveryCode("k7qm-x3pt-90")).toBe(false); // 0 is never in a recovery code
    expect(codeReady("k7qm-x3pt-9w", true)).toBe(true);
    expect(codeReady("k7qm-x3pt-9w", false)).toBe(false);
  });

  it("knows when a sensitive action wants a fresh code", () => {
    expect(stepUpNeeded({ status: 403, data: { error: { code: "forbidden" } } })).toBeNull();
    expect(stepUpNeeded({ status: 401, data: { error: { code: "step_up_required" } } })).toBeNull();
    expect(stepUpNeeded(undefined)).toBeNull();
    expect(stepUpNeeded({ status: 403, data: { error: { code: "totp_required" } } })).toBe("enrol");
    expect(stepUpNeeded({ status: 403, data: { error: { code: "step_up_required" } } })).toBe("code");
  });

  it("follows only kiosk paths after login", () => {
    expect(safeNext("/pos/T1")).toBe("/pos/T1");
    expect(safeNext("//evil.example/")).toBeNull();
    expect(safeNext("https://evil.example/")).toBeNull();
    expect(safeNext("/login?next=/x")).toBeNull();
  });

  it("asks for the code with a one-time-code field, and a way back", () => {
    const html = renderToStaticMarkup(
      <CodeForm title="Two-factor code" hint="Type the six digits" allowRecovery busy={false} error="wrong or already used code"
        submitLabel="Log in" onSubmit={noop} onCancel={noop} />,
    );
    expect(html).toContain('aria-label="Two-factor code"');
    expect(html).toContain('autoComplete="one-time-code"');
    expect(html).toContain('inputMode="text"'); // recovery codes have letters
    expect(html).toContain('role="alert"');
    expect(html).toContain("wrong or already used code");
    expect(html).toContain(">Back</button>");
    expect(html).toMatch(/<button type="submit"[^>]*disabled=""/); // nothing typed yet
  });

  it("shows the enrolment QR code as an image, never as inlined markup", () => {
    const html = renderToStaticMarkup(<EnrolInstructions qrSvg={SVG} secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" />);
    expect(html).toContain('alt="QR code for the authenticator app"');
    expect(html).toContain(`src="${qrImageSource(SVG).replace(/&/g, "&amp;")}"`);
    expect(html).not.toContain("<svg");
    expect(html).toContain(groupSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"));
    expect(groupSecret("ABCDEFGH")).toBe("ABCD EFGH");
  });

  it("shows the recovery codes once, with a button to go on", () => {
    const codes = ["k7qm-x3pt-9w", "abcd-efgh-jk"];
    const html = renderToStaticMarkup(<RecoveryCodes codes={codes} onDone={noop} />);
    for (const code of codes) expect(html).toContain(`>${code}</li>`);
    expect(html).toContain("I have written them down");
  });
});

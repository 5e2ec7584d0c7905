import { QRCodeSVG } from "qrcode.react";

/**
 * The UPI payment link the API gives (upi://pay?…) drawn as a QR code, large, dark on white with the
 * quiet zone UPI apps need. Loaded only by the customer display, when a UPI QR payment waits.
 */
export default function UpiQr({ payload, size = 360 }: { payload: string; size?: number }) {
  return (
    <div className="rounded-2xl bg-white p-4" data-testid="upi-qr" data-payload={payload}>
      <QRCodeSVG value={payload} size={size} level="M" marginSize={2} title="UPI payment QR code" />
    </div>
  );
}

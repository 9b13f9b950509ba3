/**
 * Real, scannable QR codes as PNG data URLs, like zapw's mock client makes them
 * (npm `qrcode`, pure JS, no canvas needed for `toDataURL`).
 */
// @deno-types="@types/qrcode"
import QRCode from "qrcode";

/** A PNG data URL encoding a WhatsApp-looking pairing payload for `sessionId`. */
export async function qrDataUrl(sessionId: string): Promise<string> {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const payload = `2@mock-${sessionId}-${Date.now()},${nonce}`;
  return await QRCode.toDataURL(payload, { width: 256, margin: 2, errorCorrectionLevel: "M" });
}

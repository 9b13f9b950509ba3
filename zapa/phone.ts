/**
 * Phone numbers and WhatsApp JIDs (R-WEBHOOK-3, R-LOGIN-2): one normaliser for both entrypoints.
 */

import { JS_WHITESPACE } from "./http/text_input.ts";

const E164 = /^\+[1-9]\d{6,14}$/;

/** The separators `normalisePhone` removes: JS white space, dashes, dots and parentheses. */
const SEP = `${JS_WHITESPACE}().-`;

/**
 * What `normalisePhone` accepts, as a JSON Schema pattern for the published documents: E.164
 * once spaces, dashes, dots and parentheses are removed (at most 64 characters in all).
 */
export const PHONE_PATTERN = `^[${SEP}]*\\+[${SEP}]*[1-9](?:[${SEP}]*[0-9]){6,14}[${SEP}]*$`;

/** Removes spaces, dashes, dots and parentheses; returns E.164 or null. */
export function normalisePhone(input: string): string | null {
  if (input.length > 64) return null;
  const compact = input.replace(/[\s\-.()]/g, "");
  return E164.test(compact) ? compact : null;
}

/** `1234567890:12@s.whatsapp.net` → `+1234567890`; null when no digits remain. */
export function jidToPhone(jid: string): string | null {
  const local = jid.split("@")[0]!.split(":")[0]!;
  const digits = local.replace(/\D/g, "");
  return digits ? `+${digits}` : null;
}

export function isGroupJid(jid: string): boolean {
  return jid.endsWith("@g.us");
}

export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, "");
}

/**
 * Key rotation (R-LLMCFG-9): re-encrypts every stored API key that is not under the current
 * encryption key. Old keys come from `ZAPA_ENCRYPTION_KEYS_OLD` through the keyring. Each row
 * is updated only if it still holds the value we read, so a concurrent save is never undone.
 */
import type { Deps } from "../deps.ts";
import { decryptApiKey, encryptApiKey, needsRotation } from "../crypto/api_keys.ts";

export interface RotationResult {
  /** Rows re-encrypted with the current key. */
  rotated: number;
  /** Rows already under the current key. */
  current: number;
  /** Rows no configured key can decrypt (left untouched). */
  failed: number;
}

export async function rotateStoredKeys(
  deps: Pick<Deps, "sql" | "keyring">,
): Promise<RotationResult> {
  const result: RotationResult = { rotated: 0, current: 0, failed: 0 };
  let lastId = 0;
  while (true) {
    const rows = await deps.sql<{ id: number; user_id: number; api_key_encrypted: string }[]>`
      SELECT id, user_id, api_key_encrypted FROM llm_configs WHERE id > ${lastId}
       ORDER BY id LIMIT 500`;
    if (rows.length === 0) break;
    for (const row of rows) {
      lastId = row.id;
      if (!needsRotation(deps.keyring, row.api_key_encrypted)) {
        result.current++;
        continue;
      }
      let plain: string;
      try {
        plain = await decryptApiKey(deps.keyring, row.user_id, row.api_key_encrypted);
      } catch {
        result.failed++;
        continue;
      }
      const fresh = await encryptApiKey(deps.keyring, row.user_id, plain);
      const updated = await deps.sql`UPDATE llm_configs
          SET api_key_encrypted = ${fresh}, updated_at = now()
        WHERE id = ${row.id} AND api_key_encrypted = ${row.api_key_encrypted} RETURNING id`;
      if (updated.length > 0) result.rotated++;
      else result.current++;
    }
  }
  return result;
}

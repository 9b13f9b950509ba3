/**
 * `deno task rotate-keys` (R-LLMCFG-9): re-encrypts every stored LLM API key with the
 * current `ZAPA_ENCRYPTION_KEY`, decrypting old values with `ZAPA_ENCRYPTION_KEYS_OLD`, and
 * prints how many rows changed. Safe to run while the services are up, and to run twice.
 */
import { loadConfigOrExit } from "./entrypoint.ts";
import { createSql } from "./db/mod.ts";
import { createKeyring } from "./crypto/api_keys.ts";
import { rotateStoredKeys } from "./llm_config/rotate.ts";
import { configureLog, errorText, log } from "./log.ts";

configureLog({ service: "zapa-rotate-keys" });

const config = loadConfigOrExit();

const sql = createSql(config.databaseUrl, { max: 2, applicationName: "zapa-rotate-keys" });
try {
  const keyring = await createKeyring(config.encryptionKey, config.encryptionKeysOld);
  const result = await rotateStoredKeys({ sql, keyring });
  log.info("key rotation finished", { key_id: keyring.current.id, ...result });
  console.log(
    `re-encrypted ${result.rotated} key(s); ${result.current} already current; ` +
      `${result.failed} undecryptable`,
  );
  await sql.end({ timeout: 2 });
  Deno.exit(result.failed > 0 ? 2 : 0);
} catch (error) {
  console.error(`key rotation failed: ${errorText(error)}`);
  await sql.end({ timeout: 2 }).catch(() => {});
  Deno.exit(1);
}

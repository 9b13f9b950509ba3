/**
 * What the running test used, noted by the fixtures and clients as they go (WhatsApp message
 * ids, LLM key fingerprints) so `withEvidence` (lib/evidence.ts) can trace them when the test
 * fails. Imports nothing, so any client may call it; outside a test it does nothing.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface EvidenceStore {
  ids: string[];
  fingerprints: Set<string>;
  services: Set<string>;
}

const current = new AsyncLocalStorage<EvidenceStore>();
const MAX_IDS_KEPT = 1_000;

/** Runs `fn` with `store` as the running test's evidence. */
export function runWithEvidence<T>(store: EvidenceStore, fn: () => T): T {
  return current.run(store, fn);
}

/** Notes a WhatsApp message id in the running test's evidence (no test running: nothing). */
export function noteMessage(id: string | null | undefined): void {
  const store = current.getStore();
  if (!store || !id || store.ids.length >= MAX_IDS_KEPT || store.ids.includes(id)) return;
  store.ids.push(id);
}

/** Notes the fingerprint of an LLM key the running test configured. */
export function noteKeyFingerprint(fingerprint: string): void {
  current.getStore()?.fingerprints.add(fingerprint);
}

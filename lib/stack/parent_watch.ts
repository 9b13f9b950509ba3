/**
 * Notices when our parent dies. `deno task` runs us as a child; if it is SIGKILLed we are
 * re-parented and would carry on alone, so the harness treats a changed parent like SIGTERM
 * and tears everything down. (Our own children die with us through their parent-death
 * signal; this covers the one process above them.)
 */

export function watchParent(onGone: () => void, intervalMs = 250): () => void {
  const parent = Deno.ppid;
  const timer = setInterval(() => {
    if (Deno.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

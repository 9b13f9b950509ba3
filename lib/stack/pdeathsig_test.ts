import assert from "node:assert/strict";
import { eventually } from "../eventually.ts";
import { alivePids } from "./testdata/helpers.ts";
import { sweepStaleTempDirs } from "./temp_dirs.ts";

async function pgrep(pattern: string): Promise<string> {
  const out = await new Deno.Command("pgrep", { args: ["-af", pattern], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("stack: SIGKILL of the harness process leaves no PostgreSQL, Redis or service behind", async () => {
  // A private TMPDIR: concurrent boots elsewhere would otherwise sweep the dead run's dir first.
  const logs = await Deno.makeTempDir({ prefix: "zapa-stack-test." });
  await Deno.chmod(logs, 0o755);
  const child = new Deno.Command("setpriv", {
    env: { TMPDIR: logs },
    args: [
      "--pdeathsig",
      "SIGKILL",
      Deno.execPath(),
      "run",
      "-A",
      "lib/stack/testdata/boot_stores.ts",
      logs,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    reader.releaseLock();
    const { pids, dir } = JSON.parse(text) as { pids: number[]; dir: string };
    assert.equal(pids.length, 3);
    assert.deepEqual((await alivePids(pids)).sort(), [...pids].sort());
    assert.notEqual(await pgrep(dir), "", "postgres runs with its data dir in the temp dir");

    child.kill("SIGKILL");
    await child.status;
    await eventually(async () => (await alivePids(pids)).length === 0, {
      timeoutMs: 10_000,
      message: `no survivor among ${pids.join(", ")}`,
    });
    assert.equal(await pgrep(dir), "");

    // The dead run's temp dir is left behind; the next boot sweeps it.
    assert.ok((await Deno.stat(dir)).isDirectory);
    assert.ok((await sweepStaleTempDirs(logs)).includes(dir));
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already dead
    }
    await child.stdout.cancel().catch(() => {});
    await Deno.remove(logs, { recursive: true }).catch(() => {});
  }
});

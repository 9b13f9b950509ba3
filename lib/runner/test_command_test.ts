import assert from "node:assert/strict";
import { parseArgs } from "./test_command.ts";

Deno.test("test command: --group selects groups, everything else passes through to deno test", () => {
  const all = parseArgs(["--filter", "security"]);
  assert.equal(all.groups.length, 10);
  assert.deepEqual(all.passthrough, ["--filter", "security"]);
  const some = parseArgs(["--group=security", "--group=unit,e2e", "--fail-fast"]);
  assert.deepEqual(some.groups.map((g) => g.name), ["security", "unit", "e2e"]);
  assert.deepEqual(some.passthrough, ["--fail-fast"]);
  assert.equal(some.serial, false);
  assert.equal(parseArgs(["--serial", "--filter", "x"]).serial, true);
  assert.deepEqual(parseArgs(["--serial", "--filter", "x"]).passthrough, ["--filter", "x"]);
  assert.throws(() => parseArgs(["--group=nope"]), /unknown group nope/);
});

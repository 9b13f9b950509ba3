import assert from "node:assert/strict";

const run = await Deno.readTextFile("run");
const ci = await Deno.readTextFile(".ci/run");
const readme = await Deno.readTextFile("README.md");

Deno.test("bootstrap: ./run and .ci/run are executable bash scripts", async () => {
  for (const path of ["run", ".ci/run"]) {
    assert.ok(((await Deno.stat(path)).mode ?? 0) & 0o111, `${path} is executable`);
    assert.ok((await Deno.readTextFile(path)).startsWith("#!/usr/bin/env bash\n"), path);
  }
});

Deno.test("bootstrap: ./run pins Deno from npm outside the project root and installs frozen", () => {
  assert.match(run, /^DENO_VERSION=2\.9\.6$/m);
  assert.match(run, /^DENO_DIR_LOCAL=\.tools\/deno$/m);
  assert.match(run, /npm install --prefix "\$DENO_DIR_LOCAL"/);
  for (const line of run.split("\n").filter((l) => /^\s*npm install/.test(l))) {
    assert.match(line, /npm install --prefix /, "npm never installs into the project root");
  }
  assert.match(run, /deno install --frozen/);
  for (const pkg of ["postgresql-15", "redis-server", "chromium", "wrk"]) {
    assert.ok(run.includes(pkg), pkg);
  }
  assert.match(run, /up\) shift; exec deno task up/);
  assert.match(run, /test\) shift; exec deno task test/);
});

Deno.test("bootstrap: .ci/run is the README's test command and nothing else", () => {
  const commands = ci.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  assert.deepEqual(commands, [
    "set -euo pipefail",
    'cd "$(dirname "$0")/.."',
    'exec ./run test "$@"',
  ]);
  assert.ok(readme.includes("```sh\n./run up\n```"));
  assert.ok(readme.includes("```sh\n./run test\n```"));
});

import assert from "node:assert/strict";
import postgres from "postgres";
import { ControlError, ServiceControl } from "./control_client.ts";
import { launchStack, type RunningStack } from "./mod.ts";
import { portClosed } from "./ports.ts";
import { readStackFile } from "./stack_file.ts";
import { alivePids, availableSpecs, redisCommand } from "./testdata/helpers.ts";
import { fakeSpecs } from "./testdata/fake_specs.ts";

const { specs, fake } = availableSpecs();
let running: RunningStack | undefined;
let control: ServiceControl;
let work = "";

Deno.test.beforeAll(async () => {
  work = await Deno.makeTempDir({ prefix: "zapa-stack-test." });
  if (fake.length > 0) console.log(`(the fake service stands in for missing ${fake.join(", ")})`);
  running = await launchStack({
    ports: "free",
    stackFile: `${work}/stack.json`,
    logsDir: `${work}/logs`,
    specs,
    waitReady: true,
  });
  control = new ServiceControl(running.info.control.url, running.info.control.token);
});

Deno.test.afterAll(async () => {
  await running?.shutdown();
  if (work) await Deno.remove(work, { recursive: true }).catch(() => {});
});

// rules: R-HARNESS-1
Deno.test("stack: boot publishes every URL, the stores, the control API and the logs", async () => {
  const info = await readStackFile(`${work}/stack.json`);
  assert.equal(info.target, "native");
  assert.equal((await Deno.stat(`${work}/stack.json`)).mode! & 0o777, 0o600);
  for (const key of ["public", "private", "bridge", "bridge_control", "llm"] as const) {
    assert.match(info.urls[key], /^http:\/\/127\.0\.0\.1:\d+$/);
  }
  assert.match(info.database_url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  assert.match(info.redis_url, /^redis:\/\/127\.0\.0\.1:\d+\/0$/);
  assert.deepEqual(info.admin, { username: "admin", password: "admin123" });
  assert.equal(info.system_number, "+1234567890");
  assert.ok(info.control.token.length >= 24);
  assert.ok(info.secrets!.jwt.length >= 32);
  for (const name of ["postgres", "redis", "bridge", "llm", "private", "public"]) {
    assert.ok((await Deno.stat(`${info.logs}/${name}.log`)).isFile, `${name}.log`);
  }
  for (const key of ["public", "private", "bridge", "llm"] as const) {
    const response = await fetch(`${info.urls[key]}/health`);
    await response.body?.cancel();
    assert.equal(response.status, 200, `${key} /health`);
  }
  const services = await control.services();
  assert.deepEqual(services.map((s) => [s.name, s.state]), [
    ["postgres", "running"],
    ["redis", "running"],
    ["bridge", "running"],
    ["llm", "running"],
    ["private", "running"],
    ["public", "running"],
  ]);
});

// rules: R-HARNESS-2
Deno.test("stack: the service-control API answers 401 without the token", async () => {
  for (const token of ["", "wrong"]) {
    const response = await fetch(`${running!.info.control.url}/services`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    await response.body?.cancel();
    assert.equal(response.status, 401);
  }
  await assert.rejects(
    new ServiceControl(running!.info.control.url, "nope").stop("llm"),
    ControlError,
  );
  assert.equal((await control.services()).find((s) => s.name === "llm")?.state, "running");
});

// rules: R-HARNESS-2
Deno.test("stack: stop, kill, start and restart keep a service on its port", async () => {
  const url = `${running!.info.urls.llm}/health`;
  const port = Number(new URL(url).port);
  const before = (await control.services()).find((s) => s.name === "llm")!;
  assert.equal(await control.stop("llm"), "stopped");
  assert.ok(await portClosed(port));
  assert.equal((await control.services()).find((s) => s.name === "llm")?.state, "stopped");
  assert.equal(await control.start("llm"), "running");
  assert.equal((await fetch(url)).status, 200);
  assert.equal(await control.kill("llm"), "stopped");
  assert.ok(await portClosed(port));
  assert.deepEqual(await alivePids([before.pid!]), []);
  assert.equal(await control.restart("llm"), "running");
  const after = (await control.services()).find((s) => s.name === "llm")!;
  assert.equal(after.port, before.port);
  assert.notEqual(after.pid, before.pid);
  const response = await fetch(url);
  await response.body?.cancel();
  assert.equal(response.status, 200);
  assert.match(await control.logs("llm", 5), /healthy/);
});

// rules: R-HARNESS-2
Deno.test("stack: a restarted Redis comes back empty", async () => {
  const port = running!.info.ports!.redis!;
  assert.equal(await redisCommand(port, "SET", "zapa:test:key", "v"), "+OK\r\n");
  assert.equal(await control.restart("redis"), "running");
  assert.equal(await redisCommand(port, "GET", "zapa:test:key"), "$-1\r\n");
});

// rules: R-HARNESS-2
Deno.test("stack: PostgreSQL keeps its data through restart and kill -9", async () => {
  const url = running!.info.database_url;
  let sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`create table harness_probe (v text)`;
  await sql`insert into harness_probe values ('kept')`;
  await sql.end();
  assert.equal(await control.restart("postgres"), "running");
  assert.equal(await control.kill("postgres"), "stopped");
  assert.equal(await control.start("postgres"), "running");
  sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    assert.deepEqual([...await sql`select v from harness_probe`], [{ v: "kept" }]);
  } finally {
    await sql.end();
  }
});

// rules: R-HARNESS-1
Deno.test("stack: teardown stops every process and removes the temp dir and stack file", async () => {
  const pids = (await control.services()).map((s) => s.pid!).filter(Boolean);
  assert.equal(pids.length, 6);
  const dir = (running!.stack as { dir?: string | null }).dir!;
  assert.ok((await Deno.stat(dir)).isDirectory);
  await running!.shutdown();
  assert.deepEqual(await alivePids(pids), []);
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(`${work}/stack.json`), Deno.errors.NotFound);
  assert.ok(await portClosed(Number(new URL(running!.info.control.url).port)));
});

// rules: R-HARNESS-2
Deno.test("stack: a start that does not become healthy is a 504 with the log tail", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zapa-stack-test." });
  const unhealthy = `${dir}/unhealthy`;
  const small = await launchStack({
    ports: "free",
    stackFile: null,
    logsDir: `${dir}/logs`,
    services: ["llm"],
    specs: fakeSpecs(unhealthy),
    // The boot keeps the default deadline (a starved box once took > 1.5 s to start the fake
    // service); the restart under test gets 1.5 s.
    controlStartTimeoutMs: 1_500,
  });
  try {
    const client = new ServiceControl(small.info.control.url, small.info.control.token);
    await Deno.writeTextFile(unhealthy, "");
    const started = performance.now();
    const error = await client.restart("llm").catch((e) => e);
    assert.ok(error instanceof ControlError, String(error));
    assert.equal(error.status, 504);
    assert.ok(performance.now() - started < 10_000);
    const body = JSON.parse(error.body);
    assert.match(body.detail, /llm did not become healthy within/);
    assert.match(body.log_tail, /fake service starting/);
    assert.equal((await client.services()).find((s) => s.name === "llm")?.state, "stopped");
  } finally {
    await small.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { controlApp } from "./control_server.ts";
import type { ServiceController, ServiceState } from "./controller.ts";
import { ServiceStartError } from "./readiness.ts";
import { SERVICE_NAMES, type ServiceName } from "./services.ts";

function fakeController(calls: string[]): ServiceController {
  const record = (action: string) => (name: ServiceName) => {
    calls.push(`${action} ${name}`);
    if (action === "start" && name === "public") {
      return Promise.reject(
        new ServiceStartError("public", "did not become healthy", "line 1\nline 2"),
      );
    }
    return Promise.resolve();
  };
  return {
    list: () =>
      Promise.resolve(
        SERVICE_NAMES.map((name): ServiceState => ({ name, state: "running", pid: 1, port: 1 })),
      ),
    stop: record("stop"),
    kill: record("kill"),
    start: record("start"),
    restart: record("restart"),
    logs: (name, lines) => Promise.resolve(`${name} ${lines}`),
  };
}

const auth = { authorization: "Bearer secret-token" };

// rules: R-HARNESS-2
Deno.test("service control: every route refuses a missing or wrong token with 401", async () => {
  const app = controlApp({ controller: fakeController([]), token: "secret-token" });
  const routes: [string, string][] = [
    ["GET", "/services"],
    ["POST", "/services/redis/stop"],
    ["POST", "/shutdown"],
  ];
  for (const [method, path] of routes) {
    const none = await app.request(path, { method });
    assert.equal(none.status, 401, `${method} ${path}`);
    assert.equal(none.headers.get("www-authenticate"), "Bearer");
    const wrong = await app.request(path, {
      method,
      headers: { authorization: "Bearer secret-tokem" },
    });
    assert.equal(wrong.status, 401);
  }
});

// rules: R-HARNESS-2
Deno.test("service control: actions answer with the new state", async () => {
  const calls: string[] = [];
  const app = controlApp({ controller: fakeController(calls), token: "secret-token" });
  const list = await (await app.request("/services", { headers: auth })).json();
  assert.equal(list.services.length, 6);
  for (
    const [action, state] of [["stop", "stopped"], ["kill", "stopped"], ["start", "running"], [
      "restart",
      "running",
    ]]
  ) {
    const response = await app.request(`/services/redis/${action}`, {
      method: "POST",
      headers: auth,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { name: "redis", state });
  }
  assert.deepEqual(calls, ["stop redis", "kill redis", "start redis", "restart redis"]);
  const logs = await app.request("/services/bridge/logs?lines=7", { headers: auth });
  assert.equal(await logs.text(), "bridge 7");
});

// rules: R-HARNESS-2
Deno.test("service control: unknown names are 404 and a start that fails is 504 with the log tail", async () => {
  const app = controlApp({ controller: fakeController([]), token: "secret-token" });
  assert.equal(
    (await app.request("/services/mysql/stop", { method: "POST", headers: auth })).status,
    404,
  );
  assert.equal(
    (await app.request("/services/redis/explode", { method: "POST", headers: auth })).status,
    404,
  );
  assert.equal((await app.request("/services/mysql/logs", { headers: auth })).status, 404);
  const failed = await app.request("/services/public/start", { method: "POST", headers: auth });
  assert.equal(failed.status, 504);
  const body = await failed.json();
  assert.match(body.detail, /did not become healthy/);
  assert.equal(body.log_tail, "line 1\nline 2");
});

import assert from "node:assert/strict";
import {
  instanceNames,
  layoutInstances,
  logStem,
  needsProxy,
  readReplicaCounts,
  resolveInstances,
} from "./replicas.ts";

const env = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

Deno.test("replicas: counts come from ZAPA_PRIVATE_REPLICAS / ZAPA_PUBLIC_REPLICAS, default 1, bad values refused", () => {
  assert.deepEqual(readReplicaCounts(env({})), { private: 1, public: 1 });
  assert.deepEqual(readReplicaCounts(env({ ZAPA_PRIVATE_REPLICAS: "2" })), {
    private: 2,
    public: 1,
  });
  for (const bad of ["0", "-1", "1.5", "x", "9"]) {
    assert.throws(
      () => readReplicaCounts(env({ ZAPA_PUBLIC_REPLICAS: bad })),
      /ZAPA_PUBLIC_REPLICAS/,
    );
  }
  assert.equal(needsProxy({ private: 1, public: 1 }), false);
  assert.equal(needsProxy({ private: 1, public: 2 }), true);
});

Deno.test("replicas: instances are private#1…#N on free ports, a single one keeps the entrypoint's port", () => {
  assert.deepEqual(instanceNames("private", 1), ["private"]);
  assert.deepEqual(instanceNames("private", 3), ["private#1", "private#2", "private#3"]);
  assert.equal(logStem("private#2"), "private-2");
  let next = 9000;
  const layout = layoutInstances(
    { private: 2, public: 1 },
    { private: 8001, public: 8002 },
    () => next++,
  );
  assert.deepEqual(layout.public, [{ name: "public", port: 8002 }]);
  assert.deepEqual(layout.private, [{ name: "private#1", port: 9000 }, {
    name: "private#2",
    port: 9001,
  }]);
});

Deno.test("replicas: a service-control name means one instance, every instance, or nothing", () => {
  const known = ["postgres", "private#1", "private#2", "public", "proxy"];
  assert.deepEqual(resolveInstances("private", known), ["private#1", "private#2"]);
  assert.deepEqual(resolveInstances("private#2", known), ["private#2"]);
  assert.deepEqual(resolveInstances("public#1", known), ["public"]);
  assert.deepEqual(resolveInstances("proxy", known), ["proxy"]);
  assert.deepEqual(resolveInstances("private#3", known), []);
  assert.deepEqual(resolveInstances("priv", known), []);
});

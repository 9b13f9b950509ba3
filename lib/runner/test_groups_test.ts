import assert from "node:assert/strict";
import {
  denoTestArgs,
  externalHosts,
  findTestFiles,
  groupByName,
  GROUPS,
  permissionFlags,
} from "./test_groups.ts";
import { filterArg, findLoadScripts, matchesFilter } from "./group_runner.ts";

Deno.test("test groups: the suite groups, their stacks and permissions", () => {
  assert.deepEqual(GROUPS.map((g) => g.name), [
    "unit",
    "integration",
    "e2e",
    "llm",
    "security",
    "perf",
    "frontend",
    "load",
    "conformance",
    "failure",
  ]);
  assert.equal(groupByName("failure")?.stack, "fresh");
  assert.equal(groupByName("failure")?.parallel, false);
  assert.equal(groupByName("unit")?.stack, "none");
  assert.deepEqual(GROUPS.filter((g) => g.permissions === "all").map((g) => g.name), [
    "frontend",
    "load",
  ]);
});

Deno.test("test groups: permission sets become --allow flags, external hosts join --allow-net", () => {
  const set = {
    net: ["127.0.0.1", "localhost"],
    env: ["ZAPA_*", "PG*"],
    read: [".zapa"],
    sys: true,
  };
  assert.deepEqual(permissionFlags(set), [
    "--allow-net=127.0.0.1,localhost",
    "--allow-env=ZAPA_*,PG*",
    "--allow-read=.zapa",
    "--allow-sys",
  ]);
  assert.deepEqual(
    permissionFlags(set, ["zapa.example:443"])[0],
    "--allow-net=127.0.0.1,localhost,zapa.example:443",
  );
  assert.deepEqual(
    externalHosts([
      "https://zapa.example",
      "http://127.0.0.1:8001",
      "http://bridge.example:3000/",
      "",
    ]),
    ["zapa.example", "bridge.example:3000"],
  );
});

Deno.test("test groups: deno test arguments carry flags, junit path, pass-through args and files", () => {
  const args = denoTestArgs(groupByName("security")!, {
    files: ["tests/security/jwt_test.ts"],
    flags: ["--allow-net=127.0.0.1"],
    junit: "reports/junit-security.xml",
    passthrough: ["--filter", "jwt"],
  });
  assert.deepEqual(args, [
    "test",
    "--allow-net=127.0.0.1",
    "--parallel",
    "--junit-path=reports/junit-security.xml",
    "--filter",
    "jwt",
    "tests/security/jwt_test.ts",
  ]);
  assert.ok(
    !denoTestArgs(groupByName("failure")!, { files: [], flags: [], junit: "j", passthrough: [] })
      .includes("--parallel"),
  );
});

Deno.test("test groups: test files are found, a missing folder is empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/a/testdata`, { recursive: true });
    for (
      const name of [
        "a/x_test.ts",
        "a/y.test.ts",
        "a/test.ts",
        "a/helper.ts",
        "a/testdata/z_test.ts",
      ]
    ) {
      await Deno.writeTextFile(`${dir}/${name}`, "");
    }
    assert.deepEqual(await findTestFiles(dir), [
      `${dir}/a/test.ts`,
      `${dir}/a/x_test.ts`,
      `${dir}/a/y.test.ts`,
    ]);
    assert.deepEqual(await findTestFiles(`${dir}/missing`), []);
    await Deno.writeTextFile(
      `${dir}/a/smoke.ts`,
      "export const options = {};\nexport default function () {}\n",
    );
    assert.deepEqual(await findLoadScripts(`${dir}/a`), [`${dir}/a/smoke.ts`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("test groups: --filter is found and matched like deno test does", () => {
  assert.equal(filterArg(["--filter", "security"]), "security");
  assert.equal(filterArg(["--filter=/^a/"]), "/^a/");
  assert.equal(filterArg(["--parallel"]), undefined);
  assert.ok(matchesFilter("load: load/x.ts (ci profile)", undefined));
  assert.ok(matchesFilter("load: load/x.ts (ci profile)", "load"));
  assert.ok(!matchesFilter("load: load/x.ts (ci profile)", "security"));
  assert.ok(matchesFilter("load: x", "/^load: /"));
});

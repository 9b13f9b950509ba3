import assert from "node:assert/strict";
import {
  denoTestArgs,
  externalHosts,
  findTestFiles,
  groupByName,
  GROUPS,
  isTestFile,
  permissionFlags,
  shardFiles,
  startOrder,
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

Deno.test("test groups: a sharded group's files split by name in the shard's order, an unnamed file joins the smallest shard", () => {
  const files = [
    "tests/failure/a_test.ts",
    "tests/failure/b_test.ts",
    "tests/failure/c_test.ts",
    "tests/failure/new_test.ts",
  ];
  assert.deepEqual(
    shardFiles(files, [["b_test.ts"], ["c_test.ts", "a_test.ts"]]),
    [
      ["tests/failure/b_test.ts", "tests/failure/new_test.ts"],
      ["tests/failure/c_test.ts", "tests/failure/a_test.ts"],
    ],
  );
  // A --filter run or a checkout with fewer files: no empty shard, no file lost.
  assert.deepEqual(shardFiles(["x/b_test.ts"], [["a_test.ts"], ["b_test.ts"]]), [["x/b_test.ts"]]);
  assert.deepEqual(shardFiles(["x/n_test.ts"], [["a_test.ts"], ["b_test.ts"]]), [["x/n_test.ts"]]);
  assert.deepEqual(shardFiles([], [["a_test.ts"]]), []);
});

Deno.test("test groups: every failure file is named by one shard, and the shards cover the folder", async () => {
  const failure = groupByName("failure")!;
  const named = failure.shards!.flat();
  assert.equal(new Set(named).size, named.length, "a file named by two shards");
  const files = await findTestFiles("tests/failure");
  assert.deepEqual(
    files.map((f) => f.slice(f.lastIndexOf("/") + 1)).sort(),
    [...named].sort(),
    "a failure test file no shard names (it would join the smallest shard unmeasured)",
  );
  assert.deepEqual(shardFiles(files, failure.shards!).flat().sort(), files);
});

Deno.test("test groups: test file names", () => {
  for (const yes of ["a/x_test.ts", "x.test.ts", "test.ts", "a/b_test.tsx"]) {
    assert.ok(isTestFile(yes), yes);
  }
  for (const no of ["a/x.ts", "load/soak.ts", "a/_test_server.ts", "a/test_groups.ts"]) {
    assert.ok(!isTestFile(no), no);
  }
});

Deno.test("test groups: a group starts its slowest files first, then the rest in order", async () => {
  assert.deepEqual(
    startOrder(["a_test.ts", "b_test.ts", "c_test.ts", "d_test.ts"], ["c_test.ts", "gone_test.ts"]),
    ["c_test.ts", "a_test.ts", "b_test.ts", "d_test.ts"],
  );
  assert.deepEqual(startOrder(["a_test.ts"]), ["a_test.ts"]);
  // Every file a group names as slow exists: a renamed file would silently start last again.
  for (const group of GROUPS) {
    for (const file of group.slowFirst ?? []) {
      assert.ok((await Deno.stat(file)).isFile, `${group.name}: slowFirst names ${file}`);
    }
  }
});

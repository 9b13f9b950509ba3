/**
 * The Kubernetes manifests in load/k8s/ against what k6-operator and the scripts need: the
 * kinds, a TestRun whose parallelism gives every runner at least one VU, a script reference
 * that resolves (with lib/ restored) inside a volume of the scripts' ConfigMap, the documented
 * -e variables filled from the runner's env, per-runner raw output on the results volume, and
 * a ConfigMap that matches the scripts as they are now.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { ExecutionTuple } from "../runner/segments.ts";
import { CONFIGMAP_NAME, CONFIGMAP_PATH, configMapYaml } from "./configmap.ts";
import { configMapKey, scriptFiles } from "./script_files.ts";
import type { ScenarioRequirement } from "./inspect.ts";

// deno-lint-ignore no-explicit-any
type Doc = Record<string, any>;

async function manifests(): Promise<Doc[]> {
  const docs: Doc[] = [];
  for await (const e of Deno.readDir("load/k8s")) {
    if (!e.name.endsWith(".yaml")) continue;
    for (const d of parseAllDocuments(await Deno.readTextFile(`load/k8s/${e.name}`))) {
      assert.deepEqual(d.errors, [], `load/k8s/${e.name} parses`);
      docs.push(d.toJS() as Doc);
    }
  }
  return docs;
}

const docs = await manifests();
const testRun = docs.find((d) => d.kind === "TestRun") as Doc;
const configMap = docs.find((d) => d.kind === "ConfigMap") as Doc;

/** Peak VUs per scenario of a script under a profile, from the runner's own option reading. */
async function requirements(script: string, profile: string): Promise<ScenarioRequirement[]> {
  // Through setpriv, as the other runner tests start Deno (the unit permission set allows it).
  const out = await new Deno.Command("setpriv", {
    args: [
      "--pdeathsig",
      "SIGKILL",
      Deno.execPath(),
      "run",
      "--no-config",
      "--import-map=load/runner/import_map.json",
      "--allow-read=load",
      "load/k8s/inspect.ts",
      script,
      `PROFILE=${profile}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)).scenarios;
}

function envOf(pod: Doc): Map<string, Doc> {
  return new Map((pod.env ?? []).map((e: Doc) => [e.name, e]));
}

Deno.test("load k8s: the manifests are a TestRun, the scripts' ConfigMap and a results volume", () => {
  assert.deepEqual(
    docs.map((d) => d.kind).sort(),
    ["ConfigMap", "PersistentVolumeClaim", "Pod", "TestRun"],
  );
  assert.equal(testRun.apiVersion, "k6.io/v1alpha1");
  assert.equal(configMap.metadata.name, CONFIGMAP_NAME);
  const pvc = docs.find((d) => d.kind === "PersistentVolumeClaim") as Doc;
  assert.ok(pvc.spec.accessModes.includes("ReadWriteMany"), "every runner writes to it");
});

Deno.test("load k8s: parallelism gives every runner at least one VU of every scenario", async () => {
  const n = testRun.spec.parallelism;
  assert.ok(Number.isInteger(n) && n >= 2, `parallelism ${n}`);
  const script = `load/${testRun.spec.script.localFile.split("/").pop()}`;
  const profile = envOf(testRun.spec.runner).get("PROFILE")?.value;
  const sequence = Array.from({ length: n + 1 }, (_, i) => `${i}/${n}`).join(",");
  for (const s of await requirements(script, profile)) {
    for (let i = 0; i < n; i++) {
      const share = ExecutionTuple.of(`${i}/${n}:${i + 1}/${n}`, sequence).scale(s.maxVUs);
      assert.ok(share >= 1, `runner ${i + 1} of ${n} gets ${share} of ${s.maxVUs} VUs (${s.name})`);
    }
  }
});

Deno.test("load k8s: the script reference resolves, with every file it imports, in both pods", async () => {
  const file: string = testRun.spec.script.localFile;
  assert.ok(file, "script.localFile");
  assert.equal(testRun.spec.script.configMap, undefined, "one script source only");
  const script = `load/${file.split("/").pop()}`;
  const needed = await scriptFiles(script);
  for (const role of ["initializer", "runner"]) {
    const pod = testRun.spec[role] as Doc;
    const mount = (pod.volumeMounts as Doc[]).find((m) => file.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${role}: ${file} lies on a mounted volume`);
    const volume = (pod.volumes as Doc[]).find((v) => v.name === mount.name) as Doc;
    assert.equal(volume.configMap?.name, CONFIGMAP_NAME, `${role}: mounted from the ConfigMap`);
    const items = new Map((volume.configMap.items as Doc[]).map((i) => [i.path, i.key]));
    for (const f of needed) {
      const path = f.slice("load/".length);
      assert.equal(items.get(path), configMapKey(f), `${role}: ${path} is mounted`);
      assert.ok(configMap.data[configMapKey(f)], `ConfigMap holds ${configMapKey(f)}`);
    }
    assert.equal(`${mount.mountPath}/${needed[0]?.slice("load/".length)}`, file);
  }
});

Deno.test("load k8s: targets and the run id reach the script as documented -e variables", () => {
  const env = envOf(testRun.spec.runner);
  const args: string = testRun.spec.arguments;
  for (const name of ["PROFILE", "RUN_ID", "PUBLIC_URL", "BRIDGE_URL"]) {
    assert.ok(env.has(name), `runner.env sets ${name}`);
    assert.match(args, new RegExp(`-e ${name}=\\$\\(${name}\\)`), `arguments pass -e ${name}`);
  }
  for (const [, ref] of args.matchAll(/\$\(([A-Z_]+)\)/g)) {
    assert.ok(env.has(ref as string), `$(${ref}) is defined in runner.env`);
  }
  assert.match(env.get("RUN_ID")?.value, /^[\w.-]{1,40}$/);
});

Deno.test("load k8s: each runner writes its own raw samples on the results volume", () => {
  const out = /--out json=(\S+)/.exec(testRun.spec.arguments)?.[1] ?? "";
  assert.match(out, /\$\(POD_NAME\)/, "one file per runner pod");
  assert.equal(
    envOf(testRun.spec.runner).get("POD_NAME")?.valueFrom?.fieldRef?.fieldPath,
    "metadata.name",
  );
  const mount = (testRun.spec.runner.volumeMounts as Doc[]).find((m) =>
    out.startsWith(`${m.mountPath}/`)
  );
  assert.ok(mount, `${out} is on a mounted volume`);
  const volume = (testRun.spec.runner.volumes as Doc[]).find((v) => v.name === mount.name);
  assert.equal(volume?.persistentVolumeClaim?.claimName, "zapa-load-results");
});

Deno.test("load k8s: the ConfigMap carries the scripts as they are now (deno task load:k8s)", async () => {
  assert.equal(await Deno.readTextFile(CONFIGMAP_PATH), await configMapYaml(), "regenerate it");
});

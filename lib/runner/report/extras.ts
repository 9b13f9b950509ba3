/**
 * The other suites' outputs the landing page shows beside the test results: performance
 * figures, load reports, conformance figures, rule traceability, the conformance map, failure
 * drill figures and service logs. Each is optional; a missing or unreadable file is left out.
 */

export interface Extras {
  perf?: { value: unknown; mtime?: string };
  load: {
    name: string;
    html?: string;
    text?: string;
    figures: Record<string, number>;
    mtime?: string;
  }[];
  conformance?: Record<string, unknown>;
  traceability?: {
    rules: { id: string; group?: string; claim?: string; reason?: string; tests: unknown[] }[];
    uncovered?: string[];
  };
  conformanceMap?: ConformanceMap;
  drills: { name: string; value: unknown }[];
  logs: { run: string; files: { name: string; bytes: number }[] }[];
}

export interface ConformanceMap {
  target?: string;
  generatedAt?: string;
  rules: {
    id: string;
    title?: string;
    group?: string;
    verdict: string;
    tests?: { name: string; file?: string; status?: string }[];
    blockedBy?: { rule: string; firstFailure?: string };
  }[];
}

async function readJson(path: string): Promise<{ value: unknown; mtime?: string } | undefined> {
  try {
    const [text, stat] = await Promise.all([Deno.readTextFile(path), Deno.stat(path)]);
    return { value: JSON.parse(text), mtime: stat.mtime?.toISOString() };
  } catch {
    return undefined;
  }
}

async function list(dir: string): Promise<Deno.DirEntry[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Headline figures of a k6 summary: p95 latency and request rate. */
export function loadFigures(summary: unknown): Record<string, number> {
  const figures: Record<string, number> = {};
  if (!isRecord(summary) || !isRecord(summary.metrics)) return figures;
  const metric = (name: string) => {
    const m = summary.metrics as Record<string, unknown>;
    const value = m[name];
    return isRecord(value) ? (isRecord(value.values) ? value.values : value) : undefined;
  };
  const duration = metric("http_req_duration");
  if (typeof duration?.["p(95)"] === "number") figures["http p95 ms"] = duration["p(95)"];
  if (typeof duration?.med === "number") figures["http median ms"] = duration.med;
  const reqs = metric("http_reqs");
  if (typeof reqs?.rate === "number") figures["requests/s"] = reqs.rate;
  const failed = metric("http_req_failed");
  if (typeof failed?.rate === "number") figures["failed rate"] = failed.rate;
  return figures;
}

/** Headline figures of reports/perf.json: each measurement's median and p95. */
export function perfFigures(perf: unknown): Record<string, number> {
  const figures: Record<string, number> = {};
  if (!isRecord(perf)) return figures;
  for (const [key, entry] of Object.entries(perf)) {
    if (!isRecord(entry) || !isRecord(entry.figures)) continue;
    const unit = typeof entry.unit === "string" ? entry.unit : "";
    for (const [name, figure] of Object.entries(entry.figures)) {
      if (!isRecord(figure)) continue;
      for (const stat of ["median", "p95"]) {
        if (typeof figure[stat] === "number") {
          figures[`${key}.${name} ${stat} ${unit}`.trim()] = figure[stat] as number;
        }
      }
    }
  }
  return figures;
}

export async function readExtras(reportsDir: string): Promise<Extras> {
  const extras: Extras = { load: [], drills: [], logs: [] };
  // The perf group always writes reports/perf.json, whatever ZAPA_REPORTS_DIR says.
  extras.perf = await readJson(`${reportsDir}/perf.json`) ??
    (reportsDir === "reports" ? undefined : await readJson("reports/perf.json"));
  const loadFiles = await list(`${reportsDir}/load`);
  for (const entry of loadFiles.filter((e) => e.name.endsWith(".json"))) {
    const name = entry.name.slice(0, -".json".length);
    const json = await readJson(`${reportsDir}/load/${entry.name}`);
    const has = (ext: string) => loadFiles.some((e) => e.name === `${name}.${ext}`);
    extras.load.push({
      name,
      ...(has("html") ? { html: `load/${name}.html` } : {}),
      ...(has("txt") ? { text: `load/${name}.txt` } : {}),
      figures: loadFigures(json?.value),
      mtime: json?.mtime,
    });
  }
  const conformance = await readJson(`${reportsDir}/conformance/summary.json`);
  if (isRecord(conformance?.value)) extras.conformance = conformance.value;
  const trace = await readJson(`${reportsDir}/traceability.json`);
  if (isRecord(trace?.value) && Array.isArray(trace.value.rules)) {
    extras.traceability = trace.value as Extras["traceability"];
  }
  const map = await readJson(`${reportsDir}/conformance-map.json`);
  if (isRecord(map?.value) && Array.isArray(map.value.rules)) {
    extras.conformanceMap = map.value as unknown as ConformanceMap;
  }
  for (const entry of await list(`${reportsDir}/failure`)) {
    if (!entry.name.endsWith(".json")) continue;
    const json = await readJson(`${reportsDir}/failure/${entry.name}`);
    if (json) extras.drills.push({ name: entry.name.slice(0, -5), value: json.value });
  }
  for (const run of await list(`${reportsDir}/logs`)) {
    if (!run.isDirectory) continue;
    const files = [];
    // A sharded group's stacks log one level down (`<n>/<service>.log`).
    const folders = [
      "",
      ...(await list(`${reportsDir}/logs/${run.name}`))
        .filter((e) => e.isDirectory).map((e) => `${e.name}/`),
    ];
    for (const folder of folders) {
      for (const file of await list(`${reportsDir}/logs/${run.name}/${folder}`)) {
        if (!file.isFile) continue;
        const name = `${folder}${file.name}`;
        const stat = await Deno.stat(`${reportsDir}/logs/${run.name}/${name}`).catch(() => null);
        files.push({ name, bytes: stat?.size ?? 0 });
      }
    }
    extras.logs.push({ run: run.name, files });
  }
  return extras;
}

/** The headline figures a history entry keeps (for the trend lines). */
export function headlineFigures(extras: Extras): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const [k, v] of Object.entries(perfFigures(extras.perf?.value))) figures[`perf: ${k}`] = v;
  for (const load of extras.load) {
    for (const [k, v] of Object.entries(load.figures)) figures[`load: ${load.name} ${k}`] = v;
  }
  return figures;
}

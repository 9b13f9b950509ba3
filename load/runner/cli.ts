/**
 * Command line and environment of `deno task load`: arguments, the `__ENV` the script sees
 * (allowed process variables, then the stack file, then `-e KEY=VALUE`), and output paths.
 */

/** Variables the runner may read (and the task's `--allow-env` grants), as k6 exposes env. */
export const ENV_NAMES = [
  "PROFILE",
  "PUBLIC_URL",
  "PRIVATE_URL",
  "BRIDGE_URL",
  "BRIDGE_CONTROL_URL",
  "LLM_URL",
  "SYSTEM_NUMBER",
  "RUN_ID",
  "ZAPA_STACK_FILE",
  "ZAPA_STACK",
  "LOAD_ENGINE",
  // The harness's description of an external deployment (ZAPA_STACK=external).
  "ZAPA_PUBLIC_URL",
  "ZAPA_PRIVATE_URL",
  "ZAPA_BRIDGE_URL",
  "ZAPA_BRIDGE_CONTROL_URL",
  "ZAPA_LLM_URL",
  "ZAPA_SYSTEM_NUMBER",
] as const;

/** Script variables filled from the harness's ZAPA_* names when not set directly. */
const EXTERNAL_ALIASES: [string, string][] = [
  ["PUBLIC_URL", "ZAPA_PUBLIC_URL"],
  ["PRIVATE_URL", "ZAPA_PRIVATE_URL"],
  ["BRIDGE_URL", "ZAPA_BRIDGE_URL"],
  ["BRIDGE_CONTROL_URL", "ZAPA_BRIDGE_CONTROL_URL"],
  ["LLM_URL", "ZAPA_LLM_URL"],
  ["SYSTEM_NUMBER", "ZAPA_SYSTEM_NUMBER"],
];

export interface CliArgs {
  script: string;
  profile?: string;
  outDir: string;
  env: Record<string, string>;
  engine: "auto" | "k6" | "deno";
  /** `--execution-segment`, e.g. `1/3:2/3`: this runner's part of a split test. */
  segment?: string;
  /** `--execution-segment-sequence`, e.g. `0,1/3,2/3,1`: how the whole test is split. */
  segmentSequence?: string;
  /** `--out json=<file>`: raw samples as k6's JSON lines. */
  jsonOut?: string;
}

export const USAGE =
  `usage: deno task load <script.ts> [--profile ci|full] [--out reports/load] [-e KEY=VALUE]... [--engine auto|k6|deno]
         [--execution-segment 1/3:2/3 [--execution-segment-sequence 0,1/3,2/3,1]] [--out json=<file>]

Runs a k6 script with k6 when a k6 binary is on PATH, otherwise with the built-in Deno runner.
--out <dir> is where the summary, JSON and HTML reports go (default reports/load, or the folder
of --out json=<file>); --out json=<file> also writes every sample as k6's JSON lines, which
\`deno task load:merge\` merges across runners.
Exit codes follow k6: 0 ok, 99 thresholds crossed, 103 reports not written, 104 invalid
options, 105 interrupted, 107 script error, 108 aborted by the script, 110 marked failed.`;

export function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = { script: "", outDir: "reports/load", env: {}, engine: "auto" };
  let outDirGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--profile":
        out.profile = value();
        break;
      case "--out":
      case "-o": {
        const v = value();
        if (v.startsWith("json=")) {
          out.jsonOut = v.slice(5);
          if (!out.jsonOut) throw new Error("--out json= needs a file name");
        } else if (flag === "-o" || /^[a-z-]+=/.test(v)) {
          throw new Error(`output ${JSON.stringify(v)} is not supported: use --out json=<file>`);
        } else {
          out.outDir = v;
          outDirGiven = true;
        }
        break;
      }
      case "--execution-segment":
        out.segment = value();
        break;
      case "--execution-segment-sequence":
        out.segmentSequence = value();
        break;
      case "-e":
      case "--env": {
        const kv = value();
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new Error(`-e expects KEY=VALUE, got ${JSON.stringify(kv)}`);
        out.env[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case "--engine": {
        const v = value();
        if (v !== "auto" && v !== "k6" && v !== "deno") {
          throw new Error(`--engine must be auto, k6 or deno`);
        }
        out.engine = v;
        break;
      }
      default:
        if (arg.startsWith("-")) throw new Error(`unknown option ${arg}`);
        if (out.script) {
          throw new Error(`only one script may be given (got ${out.script} and ${arg})`);
        }
        out.script = arg;
    }
  }
  if (!out.script) throw new Error("a script is required");
  if (out.jsonOut && !outDirGiven) {
    // One folder per runner: its raw samples and its own reports side by side.
    out.outDir = out.jsonOut.split("/").slice(0, -1).join("/") || ".";
  }
  return out;
}

/** The process environment as far as permissions allow: all of it, or the known names. */
export function processEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    const env: Record<string, string> = {};
    for (const name of ENV_NAMES) {
      try {
        const v = Deno.env.get(name);
        if (v !== undefined) env[name] = v;
      } catch {
        // Not granted: the variable simply is not visible, as with k6's --include-system-env-vars=false.
      }
    }
    return env;
  }
}

interface StackFile {
  urls?: Record<string, string>;
  system_number?: string;
}

/** Target URLs from `.zapa/stack.json` (R-HARNESS-1), for variables not already set. */
export async function stackEnv(path: string): Promise<Record<string, string>> {
  let stack: StackFile;
  try {
    stack = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return {};
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      throw new Error(
        `cannot read the stack file ${path}: not permitted (keep it under .zapa/ or /tmp, or pass -e URLs)`,
      );
    }
    throw new Error(`cannot read the stack file ${path}: ${(err as Error).message}`);
  }
  const map: [string, string | undefined][] = [
    ["PUBLIC_URL", stack.urls?.public],
    ["PRIVATE_URL", stack.urls?.private],
    ["BRIDGE_URL", stack.urls?.bridge],
    ["BRIDGE_CONTROL_URL", stack.urls?.bridge_control],
    ["LLM_URL", stack.urls?.llm],
    ["SYSTEM_NUMBER", stack.system_number],
  ];
  return Object.fromEntries(map.filter((e): e is [string, string] => typeof e[1] === "string"));
}

/**
 * `__ENV` for the script: stack file < ZAPA_* aliases < process env < `--profile` < `-e`.
 * With ZAPA_STACK=external (or URLs given directly) no stack file is needed.
 */
export async function resolveEnv(
  args: CliArgs,
  proc = processEnv(),
): Promise<Record<string, string>> {
  const external = proc.ZAPA_STACK === "external";
  const stack = external ? {} : await stackEnv(proc.ZAPA_STACK_FILE ?? ".zapa/stack.json");
  const aliases = Object.fromEntries(
    EXTERNAL_ALIASES.filter(([, from]) => proc[from]).map((
      [to, from],
    ) => [to, proc[from] as string]),
  );
  return {
    ...stack,
    ...aliases,
    ...proc,
    ...(args.profile ? { PROFILE: args.profile } : {}),
    ...args.env,
  };
}

export function outputPaths(
  script: string,
  outDir: string,
): { json: string; html: string; txt: string } {
  const base = script.split("/").pop()?.replace(/\.(ts|js|mjs)$/, "") ?? "load";
  const dir = outDir.replace(/\/+$/, "");
  return { json: `${dir}/${base}.json`, html: `${dir}/${base}.html`, txt: `${dir}/${base}.txt` };
}

/**
 * Hands the run to a real k6 when one is on PATH: same script, same `-e` variables, the
 * summary export and k6's own HTML dashboard written where our runner would write them.
 */

export interface K6Binary {
  version: string;
  /** k6 before 0.57 needs the enhanced compatibility mode to run TypeScript. */
  needsEnhancedMode: boolean;
}

export async function findK6(): Promise<K6Binary | null> {
  try {
    const out = await new Deno.Command("k6", { args: ["version"], stdout: "piped", stderr: "null" })
      .output();
    if (!out.success) return null;
    const text = new TextDecoder().decode(out.stdout);
    const m = /v(\d+)\.(\d+)\.(\d+)/.exec(text);
    const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [1, 0];
    return { version: m?.[0] ?? text.trim(), needsEnhancedMode: major === 0 && minor < 57 };
  } catch {
    // Not installed, or this process may not spawn k6: use the Deno runner.
    return null;
  }
}

export async function runWithK6(
  k6: K6Binary,
  opts: {
    script: string;
    env: Record<string, string>;
    json: string;
    html: string;
    /** Passed to k6 as they are: execution segment, `--out json=…`. */
    extra?: string[];
  },
): Promise<number> {
  const args = ["run", "--summary-export", opts.json];
  if (k6.needsEnhancedMode) args.push("--compatibility-mode=experimental_enhanced");
  args.push(...(opts.extra ?? []));
  for (const [k, v] of Object.entries(opts.env)) args.push("-e", `${k}=${v}`);
  args.push(opts.script);
  const child = new Deno.Command("k6", {
    args,
    env: {
      K6_WEB_DASHBOARD: "true",
      K6_WEB_DASHBOARD_EXPORT: opts.html,
      K6_WEB_DASHBOARD_PORT: "-1",
    },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const status = await child.status;
  return status.code;
}

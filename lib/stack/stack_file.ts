/**
 * `.zapa/stack.json` (R-HARNESS-1): how tools, a second terminal and the suites find a running
 * stack. Written atomically with mode 0600 (it holds per-run secrets) and removed on teardown.
 * This module only knows the file, so suites can import it without the harness.
 */

export const DEFAULT_STACK_FILE = ".zapa/stack.json";

export interface StackInfo {
  target: "native" | "compose";
  started_at: string;
  /** Process id of the harness that owns the stack (native). */
  pid?: number;
  urls: {
    public: string;
    private: string;
    bridge: string;
    bridge_control: string;
    llm: string;
  };
  database_url: string;
  redis_url: string;
  admin: { username: string; password: string };
  system_number: string;
  control: { url: string; token: string };
  logs: string;
  /** Beyond R-HARNESS-1: every port, the services actually running, and the per-run test secrets. */
  ports?: Record<string, number>;
  services?: string[];
  profile?: "test";
  session_id?: string;
  auth_test_code?: string;
  bridge_api_key?: string;
  webhook_secret?: string;
  secrets?: { jwt: string; admin_jwt: string };
  boot_ms?: number;
  /**
   * Contract §13: every instance of each Zapa entrypoint (name, URL, port). With more than one,
   * `urls.private` / `urls.public` are the proxy's, and `proxy` says where it listens.
   */
  instances?: Record<string, { name: string; url: string; port: number }[]>;
  proxy?: {
    urls: Record<string, string>;
    stats: Record<string, string>;
    health_path: string;
  } | null;
}

export async function writeStackFile(path: string, info: StackInfo): Promise<void> {
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  const temporary = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  await Deno.chmod(temporary, 0o600);
  await Deno.rename(temporary, path);
}

/** Parses and sanity-checks a stack file; throws an error naming the file when it is unusable. */
export function parseStackFile(text: string, path: string): StackInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const info = value as Partial<StackInfo>;
  const missing = ["urls", "database_url", "redis_url", "control", "logs"]
    .filter((key) => !(key in (info as object)));
  const urlKeys = ["public", "private", "bridge", "bridge_control", "llm"] as const;
  if (info.urls) missing.push(...urlKeys.filter((k) => !info.urls?.[k]).map((k) => `urls.${k}`));
  if (missing.length > 0) throw new Error(`${path} lacks ${missing.join(", ")}`);
  return info as StackInfo;
}

export async function readStackFile(path: string): Promise<StackInfo> {
  return parseStackFile(await Deno.readTextFile(path), path);
}

/** Removes the stack file if (and only if) it still belongs to the process `pid`. */
export async function removeStackFile(path: string, pid: number): Promise<void> {
  try {
    const info = await readStackFile(path);
    if (info.pid !== undefined && info.pid !== pid) return;
    await Deno.remove(path);
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}

/**
 * The `deno run` arguments of `deno task load`, narrowed to one output folder: what the
 * runner's own tests and the report's browser test start as a child process.
 */
import { ENV_NAMES } from "../cli.ts";

export function runnerArgs(out: string, args: string[], engine = "deno"): string[] {
  return [
    "run",
    "--no-config",
    "--import-map=load/runner/import_map.json",
    "--allow-net=127.0.0.1",
    `--allow-env=${ENV_NAMES.join(",")}`,
    "--allow-read=load,.zapa",
    `--allow-write=${out}`,
    "--allow-run=k6",
    "load/run.ts",
    "--engine",
    engine,
    "--out",
    out,
    ...args,
  ];
}

/**
 * `deno task trace <message_id> [--json] [--html FILE] [--key FINGERPRINT]`: prints where one
 * WhatsApp message went, read from the running stack of `.zapa/stack.json` (or the ZAPA_* URLs
 * of an external target). Exit 1 when no source knows the message, 2 on a usage error.
 */
import { parseArgs } from "node:util";
import type { Target } from "../target.ts";
import { collectTrace } from "./collect.ts";
import { renderHtml, renderJson, renderText } from "./render.ts";
import { traceTargetOf } from "./target.ts";

const USAGE = "usage: deno task trace <message_id> [--json] [--html FILE] [--key FINGERPRINT]";

export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        html: { type: "string" },
        key: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || !/^[\x21-\x7e]{1,255}$/.test(positionals[0]!)) {
    console.error(`one WhatsApp message id (printable ASCII, no spaces) is needed\n${USAGE}`);
    return 2;
  }
  let target: Target;
  try {
    // Imported here: resolving the target throws when no stack is running, which is an answer.
    target = (await import("../target.ts")).target;
  } catch (error) {
    console.error(`no running stack: ${(error as Error).message}`);
    return 2;
  }
  const trace = await collectTrace(traceTargetOf(target), positionals[0]!, {
    keyFingerprints: values.key ?? [],
  });
  if (values.html) {
    await Deno.writeTextFile(values.html, renderHtml(trace));
    console.error(`wrote ${values.html}`);
  }
  console.log(values.json ? renderJson(trace).trimEnd() : renderText(trace).trimEnd());
  return trace.hops.length > 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));

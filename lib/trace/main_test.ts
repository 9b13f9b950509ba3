/** `deno task trace`'s usage errors: exit 2 with the usage line, before any stack is looked for. */
import assert from "node:assert/strict";
import { main } from "./main.ts";

Deno.test("trace command: a missing, spaced or unknown argument is a usage error (exit 2)", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    assert.equal(await main([]), 2);
    assert.equal(await main(["two words"]), 2);
    assert.equal(await main(["a", "b"]), 2);
    assert.equal(await main(["3EB0X", "--bogus"]), 2);
  } finally {
    console.error = original;
  }
  assert.equal(errors.length, 4);
  assert.ok(errors.every((e) => e.includes("usage: deno task trace <message_id>")), errors.join());
});

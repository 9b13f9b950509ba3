/** Unit tests of the attachments side channel: what a test attaches, the report reads back. */
import assert from "node:assert/strict";
import { attach, attachmentKey, readAttachments } from "./attachments.ts";

Deno.test("attachments: files attached to a test are read back under its full name, in order", async () => {
  const root = await Deno.makeTempDir({ prefix: "zapa-attachments-" });
  const previous = Deno.env.get("ZAPA_ATTACHMENTS_DIR");
  Deno.env.set("ZAPA_ATTACHMENTS_DIR", root);
  try {
    const test = "e2e: a journey ... the reply arrives";
    await attach(test, { name: "private log tail", type: "text/plain", body: "line 1\n" });
    await attach(test, { name: "trace of wamid.1", type: "text/html", body: "<ol></ol>" });
    const found = await readAttachments(root);
    const meta = found.get(test);
    assert.ok(meta, `expected evidence for "${test}", saw ${[...found.keys()]}`);
    assert.deepEqual(meta.files.map((f) => f.name), ["private log tail", "trace of wamid.1"]);
    const key = await attachmentKey(test);
    assert.equal(meta.files[1]?.file, `${key}/2.html`);
    assert.equal(await Deno.readTextFile(`${root}/${meta.files[0]?.file}`), "line 1\n");
  } finally {
    if (previous === undefined) Deno.env.delete("ZAPA_ATTACHMENTS_DIR");
    else Deno.env.set("ZAPA_ATTACHMENTS_DIR", previous);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("attachments: without a collector, attaching does nothing and reading an absent folder finds nothing", async () => {
  const previous = Deno.env.get("ZAPA_ATTACHMENTS_DIR");
  Deno.env.delete("ZAPA_ATTACHMENTS_DIR");
  try {
    await attach("unit: nobody collects", { name: "x", type: "text/plain", body: "x" });
    assert.equal((await readAttachments("/tmp/zapa-no-such-folder-for-attachments")).size, 0);
  } finally {
    if (previous !== undefined) Deno.env.set("ZAPA_ATTACHMENTS_DIR", previous);
  }
});

/**
 * Evidence a test leaves for the report: files written beside the group's results, one folder
 * per test, found by the report through the test's full name.
 *
 * Deno's JUnit output carries only a failure's message, so log tails and message traces travel
 * through this side channel: `<ZAPA_ATTACHMENTS_DIR>/<key>/meta.json` names the test and lists
 * its files. The group runner sets ZAPA_ATTACHMENTS_DIR per group; without it (a suite file run
 * by hand) attaching does nothing.
 */

export interface Attachment {
  /** Shown in the report: "private log tail", "trace of wamid.123". */
  name: string;
  /** A MIME type: text/plain, text/html, application/json. */
  type: string;
  body: string;
}

export interface AttachmentMeta {
  /** The test's full name as JUnit shows it (steps joined with " ... "). */
  test: string;
  files: { name: string; type: string; file: string }[];
}

/** The folder name for a test: stable, file-system safe, short. */
export async function attachmentKey(test: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(test));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Where attachments go for this process, or undefined when nobody collects them. */
export function attachmentsDir(): string | undefined {
  try {
    return Deno.env.get("ZAPA_ATTACHMENTS_DIR") || undefined;
  } catch {
    return undefined; // no --allow-env for it: nobody collects
  }
}

const EXTENSIONS: Record<string, string> = {
  "text/html": "html",
  "application/json": "json",
  "text/plain": "txt",
};

/**
 * Adds one file to a test's evidence. Never throws: evidence must not change a verdict. `root`
 * is for the report itself (it adds log tails after the run); tests leave it to the variable.
 */
export async function attach(
  test: string,
  attachment: Attachment,
  root: string | undefined = attachmentsDir(),
): Promise<void> {
  if (!root) return;
  try {
    const dir = `${root}/${await attachmentKey(test)}`;
    await Deno.mkdir(dir, { recursive: true });
    let meta: AttachmentMeta = { test, files: [] };
    try {
      meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`));
    } catch { /* first attachment of this test */ }
    const extension = EXTENSIONS[attachment.type] ?? "txt";
    const file = `${meta.files.length + 1}.${extension}`;
    await Deno.writeTextFile(`${dir}/${file}`, attachment.body);
    meta.files.push({ name: attachment.name, type: attachment.type, file });
    await Deno.writeTextFile(`${dir}/meta.json`, JSON.stringify(meta, null, 2));
  } catch (error) {
    console.error(`(could not attach ${attachment.name} to "${test}": ${error})`);
  }
}

/** Reads every test's evidence under a folder (the report's side). */
export async function readAttachments(root: string): Promise<Map<string, AttachmentMeta>> {
  const found = new Map<string, AttachmentMeta>();
  try {
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isDirectory) continue;
      try {
        const meta = JSON.parse(
          await Deno.readTextFile(`${root}/${entry.name}/meta.json`),
        ) as AttachmentMeta;
        found.set(meta.test, {
          test: meta.test,
          files: meta.files.map((f) => ({ ...f, file: `${entry.name}/${f.file}` })),
        });
      } catch { /* a folder without meta.json is not evidence */ }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found;
}

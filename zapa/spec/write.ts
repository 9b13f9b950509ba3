/**
 * `deno task spec`: writes what both entrypoints serve at `/openapi.json` to
 * `spec/openapi/public.json` and `spec/openapi/private.json` (pretty-printed; the keys are
 * already sorted by `publishedDocument`). `zapa/spec/spec_test.ts` fails when they drift.
 */
import { offlineApps } from "./apps.ts";

export const SPEC_FILES = {
  public: "spec/openapi/public.json",
  private: "spec/openapi/private.json",
} as const;

/** The served document of each entrypoint, as the text committed in `spec/`. */
export async function servedDocuments(): Promise<Record<keyof typeof SPEC_FILES, string>> {
  const apps = await offlineApps();
  try {
    const text = async (name: keyof typeof SPEC_FILES) => {
      const res = await apps[name].request("/openapi.json");
      return `${JSON.stringify(await res.json(), null, 2)}\n`;
    };
    return { public: await text("public"), private: await text("private") };
  } finally {
    await apps.close();
  }
}

if (import.meta.main) {
  const documents = await servedDocuments();
  await Deno.mkdir("spec/openapi", { recursive: true });
  for (const name of ["public", "private"] as const) {
    await Deno.writeTextFile(SPEC_FILES[name], documents[name]);
    console.log(`wrote ${SPEC_FILES[name]}`);
  }
}

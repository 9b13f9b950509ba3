/**
 * What a load script is made of: its import specifiers and, followed recursively, the files
 * of its own it imports. The import check (scripts may import only k6 modules and their own
 * files) and the Kubernetes ConfigMap (which must carry exactly those files) both read this.
 */

/** Every module specifier a file imports: static, side-effect, re-export and dynamic. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?[^'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bexport\s+[^'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) specs.push(m[1] as string);
  return [...new Set(specs)];
}

/** k6's built-in modules: `k6` and `k6/…`. */
export function isK6Module(spec: string): boolean {
  return spec === "k6" || spec.startsWith("k6/");
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

/**
 * The script and every file of its own it imports (paths relative to the repository root,
 * entry first). Throws on an import that is neither a k6 module nor a relative file.
 */
export async function scriptFiles(entry: string): Promise<string[]> {
  const seen: string[] = [];
  const visit = async (path: string) => {
    if (seen.includes(path)) return;
    seen.push(path);
    for (const spec of importsOf(await Deno.readTextFile(path))) {
      if (isK6Module(spec)) continue;
      if (!spec.startsWith("./") && !spec.startsWith("../")) {
        throw new Error(`${path} imports ${spec}: only k6 modules and the script's own files`);
      }
      await visit(resolve(path, spec));
    }
  };
  await visit(entry);
  return seen;
}

/** The ConfigMap key of a script file (keys may not contain '/'): `lib/zapa.ts` → `lib.zapa.ts`. */
export function configMapKey(path: string, root = "load"): string {
  return path.slice(root.length + 1).replaceAll("/", ".");
}

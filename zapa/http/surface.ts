/**
 * The API surface as the app itself defines it, read once from its route table and from the
 * OpenAPI document it publishes: which methods a path answers (for 405 + `Allow`) and, per
 * documented operation, its declared query and path parameters and whether it takes a body
 * (for the input rules of `input_guard.ts`). Nothing here is listed by hand.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { TrieRouter } from "hono/router/trie-router";

/**
 * Operations that belong to the bridge, not the API: the webhook keeps its own errors and text
 * rules (its text is stored sanitised, never refused), so only the method rule applies there.
 */
export function isBridgeFacing(path: string): boolean {
  return path.startsWith("/api/v1/webhooks/");
}

export interface Operation {
  /** The documented path template, e.g. `/api/v1/admin/users/{id}`. */
  path: string;
  query: ReadonlySet<string>;
  params: ReadonlySet<string>;
  hasBody: boolean;
}

interface DocOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
}

const DOC_METHODS = ["get", "put", "post", "delete", "patch"] as const;

// deno-lint-ignore no-explicit-any
type AnyOpenApiHono = OpenAPIHono<any, any, any>;

export class ApiSurface {
  #app: AnyOpenApiHono;
  #builtFor = -1;
  #endpoints = new TrieRouter<true>();
  #methods: string[] = [];
  #operations = new TrieRouter<Operation>();

  constructor(app: AnyOpenApiHono) {
    this.#app = app;
  }

  /** Rebuilt whenever routes were added since (apps are assembled before they serve). */
  #build(): void {
    const routes = this.#app.routes;
    if (routes.length === this.#builtFor) return;
    this.#endpoints = new TrieRouter<true>();
    this.#operations = new TrieRouter<Operation>();
    const methods = new Set<string>();
    for (const route of routes) {
      // Middleware is registered for ALL; only real endpoints name a method.
      if (route.method === "ALL") continue;
      methods.add(route.method);
      this.#endpoints.add(route.method, route.path, true);
    }
    this.#methods = [...methods];
    const doc = this.#app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: { title: "surface", version: "0" },
    });
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const method of DOC_METHODS) {
        const op = (item as Record<string, DocOperation | undefined>)[method];
        if (!op) continue;
        const names = (where: string) =>
          new Set((op.parameters ?? []).filter((p) => p.in === where).map((p) => p.name));
        this.#operations.add(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ":$1"), {
          path,
          query: names("query"),
          params: names("path"),
          hasBody: op.requestBody !== undefined,
        });
      }
    }
    this.#builtFor = routes.length;
  }

  /** The methods `path` answers, sorted, HEAD wherever GET is; empty for an unknown path. */
  allowedMethods(path: string): string[] {
    this.#build();
    const allowed = new Set<string>();
    for (const method of this.#methods) {
      if (this.#endpoints.match(method, path)[0].length > 0) allowed.add(method);
    }
    if (allowed.has("GET")) allowed.add("HEAD");
    return [...allowed].sort();
  }

  /** The documented operation `method path` resolves to, with its raw path parameters. */
  operation(
    method: string,
    path: string,
  ): { operation: Operation; params: Record<string, string> } | null {
    this.#build();
    const [found] = this.#operations.match(method, path)[0];
    if (!found) return null;
    const [operation, params] = found;
    return { operation, params: params as Record<string, string> };
  }
}

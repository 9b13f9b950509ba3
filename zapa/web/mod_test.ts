/**
 * The UI routers: pages carry the R-OUTPUT-2 headers and no inline script or style; static files
 * come with the right content types; the modules never write HTML from data.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { loadConfig } from "../config.ts";
import { adminConsolePages, dashboardPages } from "./mod.ts";
import { CONTENT_SECURITY_POLICY } from "../http/html.ts";

const config = loadConfig({
  ZAPA_ENV: "test",
  DATABASE_URL: "postgres://x@127.0.0.1:1/x",
  REDIS_URL: "redis://127.0.0.1:1",
  ZAPA_JWT_SECRET: "user-secret-user-secret-user-secret-0123",
  ZAPA_ADMIN_JWT_SECRET: "admin-secret-admin-secret-admin-secret-01",
  ZAPA_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
});

function fresh(router: Hono): Hono {
  const app = new Hono();
  app.route("/", router);
  return app;
}

const pages = [
  { name: "dashboard", app: fresh(dashboardPages({ config })), path: "/" },
  {
    name: "dashboard with slash-less alias",
    app: fresh(dashboardPages({ config })),
    path: "/index.html",
  },
  { name: "admin console", app: fresh(adminConsolePages({ config })), path: "/admin" },
  {
    name: "admin console with a trailing slash",
    app: fresh(adminConsolePages({ config })),
    path: "/admin/",
  },
];

for (const page of pages) {
  // rules: R-OUTPUT-2, R-OUTPUT-3
  Deno.test(`web: the ${page.name} page has the CSP headers and no inline script or style`, async () => {
    const res = await page.app.request(page.path);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    const html = await res.text();
    assert.match(html, /^<!doctype html>/i);
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i, "no inline event handlers");
    for (const tag of html.match(/<script[^>]*>/gi) ?? []) {
      assert.match(tag, /\ssrc="\/static\/[a-z_]+\.js"/, `external module only: ${tag}`);
    }
    // Every input, select and textarea has a label.
    const ids = [...html.matchAll(/<(?:input|select|textarea)[^>]*\sid="([^"]+)"/g)].map((m) =>
      m[1]
    );
    assert.ok(ids.length > 0);
    for (const id of ids) {
      assert.match(html, new RegExp(`<label[^>]*for="${id}"`), `label for #${id}`);
    }
  });
}

Deno.test("web: static files are served with their content types, others fall through", async () => {
  const app = fresh(dashboardPages({ config }));
  const cases: Array<[string, number, string]> = [
    ["/static/dashboard.js", 200, "text/javascript; charset=utf-8"],
    ["/static/admin.js", 200, "text/javascript; charset=utf-8"],
    ["/static/app.css", 200, "text/css; charset=utf-8"],
    ["/static/favicon.svg", 200, "image/svg+xml"],
    ["/static/nope.js", 404, ""],
    ["/static/..%2Fmod.ts", 404, ""],
    ["/static/mod.ts", 404, ""],
  ];
  for (const [path, status, type] of cases) {
    const res = await app.request(path);
    assert.equal(res.status, status, path);
    if (type) assert.equal(res.headers.get("content-type"), type, path);
    await res.body?.cancel();
  }
});

// rules: R-OUTPUT-3
Deno.test("web: every module the pages load exists and none writes HTML from strings", async () => {
  const dir = new URL("./static/", import.meta.url);
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".js")) names.push(entry.name);
  }
  assert.ok(names.includes("dashboard.js") && names.includes("admin.js"));
  for (const name of names) {
    const source = await Deno.readTextFile(new URL(name, dir));
    assert.doesNotMatch(
      source,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
      name,
    );
    for (const [, target] of source.matchAll(/from "\.\/([a-z_]+\.js)"/g)) {
      assert.ok(names.includes(target!), `${name} imports missing ${target}`);
    }
  }
});

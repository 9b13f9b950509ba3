// A trivial HTTP target for runner tests: `/hello` echoes the VU, `/slow?ms=` waits.
export function startTarget(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/slow") {
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? 100)));
      return Response.json({ ok: true });
    }
    if (url.pathname === "/hello") {
      return Response.json({
        vu: Number(url.searchParams.get("vu")),
        iter: Number(url.searchParams.get("iter")),
      });
    }
    return new Response("not found", { status: 404 });
  });
}

if (import.meta.main) {
  const s = startTarget();
  console.log(`http://127.0.0.1:${s.addr.port}`);
}

/**
 * A trivial webhook receiver for the inbound benchmark: answers 200 with a tiny JSON body.
 * `deno run --allow-net=127.0.0.1 --allow-env=PORT mock_bridge/bench/receiver.ts`
 */
const port = Number(Deno.env.get("PORT") ?? "18001");
const ok = JSON.stringify({ status: "accepted", message_id: "x" });
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
  await req.arrayBuffer();
  return new Response(ok, { headers: { "content-type": "application/json" } });
});

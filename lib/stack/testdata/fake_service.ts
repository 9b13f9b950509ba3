/**
 * A stand-in Deno service for the harness's own tests: answers GET /health on $PORT, unless
 * the file named by $FAKE_UNHEALTHY_FILE exists (then 503), so a start that never becomes
 * healthy can be provoked.
 */

const port = Number(Deno.env.get("PORT") ?? "0");
const unhealthyFile = Deno.env.get("FAKE_UNHEALTHY_FILE") ?? "";

function unhealthy(): boolean {
  try {
    return unhealthyFile !== "" && Deno.statSync(unhealthyFile).isFile;
  } catch {
    return false;
  }
}

console.log(JSON.stringify({ msg: "fake service starting", port }));
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/health") {
    return unhealthy()
      ? new Response("unhealthy", { status: 503 })
      : Response.json({ status: "ok" });
  }
  return new Response("not found", { status: 404 });
});

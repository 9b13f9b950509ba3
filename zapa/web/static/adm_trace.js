// Trace view (#trace/<WhatsApp id>): one message's journey from Zapa's records (R-ADMIN-8) —
// stored, waiting for the agent, agent, LLM call, delivery — as rows with bars on one time axis.
import { byId, clear, el, setText } from "./common.js";

const OK = new Set(["stored", "done", "replied", "ok", "sent", "delivered", "read"]);

function duration(ms) {
  if (ms === null || ms === undefined) return "open";
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** `12:03:04.567 UTC`: hops are milliseconds apart, so the minute a date shows is not enough. */
function clock(iso) {
  return `${new Date(iso).toISOString().slice(11, 23)} UTC`;
}

function hopRow(hop, index, origin, total) {
  const start = Date.parse(hop.start) - origin;
  const length = hop.duration_ms ?? Math.max(0, total - start);
  const bar = el("span", { className: "trace-bar" });
  bar.dataset.state = OK.has(hop.status) ? "ok" : hop.end === null ? "open" : "bad";
  bar.style.left = `${(start / total) * 100}%`;
  bar.style.width = `${Math.min(100 - (start / total) * 100, (length / total) * 100)}%`;
  const li = el("li", { className: "trace-hop" }, [
    el("div", { className: "trace-head" }, [
      el("span", { className: "trace-name", text: `${index + 1}. ${hop.hop}` }),
      el("span", { className: "badge", text: hop.status }),
      el("span", {
        className: "muted",
        text: `+${duration(start)} · ${duration(hop.duration_ms)}`,
      }),
    ]),
    el("div", { className: "trace-lane" }, [bar]),
    el("p", {
      className: "trace-detail",
      text: `${clock(hop.start)} → ${hop.end ? clock(hop.end) : "open"}${
        hop.detail ? ` · ${hop.detail}` : ""
      }`,
    }),
  ]);
  li.dataset.hop = hop.hop;
  return li;
}

export function createTraceView(api) {
  const list = byId("trace-hops");
  const fields = byId("trace-fields");
  let shown = null;

  function field(label, value) {
    fields.append(el("dt", { text: label }), el("dd", { text: value ?? "—" }));
  }

  async function load(id) {
    clear(list);
    clear(fields);
    setText("trace-title", `Trace of ${id}`);
    setText("trace-state", "Loading…");
    try {
      const trace = await api.get(`/api/v1/admin/messages/${encodeURIComponent(id)}/trace`);
      if (shown !== id) return;
      const m = trace.message;
      field("Message", `#${m.id} · ${m.direction} · ${m.content ?? `[${m.message_type}]`}`);
      field("User", String(m.user_id));
      field(
        "Reply",
        trace.reply
          ? `#${trace.reply.id} · ${trace.reply.status ?? "queued"} · ${
            trace.reply.whatsapp_message_id ?? "no WhatsApp id yet"
          }`
          : null,
      );
      const starts = trace.hops.map((h) => Date.parse(h.start));
      const ends = trace.hops.map((h) => Date.parse(h.end ?? h.start));
      const origin = Math.min(...starts);
      const total = Math.max(1, Math.max(...ends, ...starts) - origin);
      trace.hops.forEach((hop, i) => list.append(hopRow(hop, i, origin, total)));
      setText(
        "trace-state",
        `${trace.hops.length} hops over ${duration(total)}, from Zapa's own records. ` +
          "The bridge's and the LLM's side: deno task trace " + id,
      );
    } catch (error) {
      if (error.status === 401 || shown !== id) return;
      setText(
        "trace-title",
        error.status === 404 ? "No message with this WhatsApp id" : "Could not trace the message",
      );
      setText("trace-state", error.message);
    }
  }

  byId("trace-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = byId("trace-id").value.trim();
    if (id) location.hash = `#trace/${encodeURIComponent(id)}`;
  });

  return {
    show(arg) {
      let id = "";
      try {
        id = decodeURIComponent(arg ?? "");
      } catch {
        id = "";
      }
      shown = id || null;
      byId("trace-id").value = id;
      if (id) load(id);
      else {
        clear(list);
        clear(fields);
        setText("trace-title", "Enter a WhatsApp message id");
        setText("trace-state", "");
      }
    },
    hide() {
      shown = null;
    },
  };
}

// Queue view: counters, the dead-letter list, Requeue failed and Clear failed.
import { busy, byId, clear, el, formatNumber, labelCells, poll, setText } from "./common.js";

const POLL_MS = 5000;

function triple(part) {
  if (!part) return "—";
  return `${formatNumber(part.queued)} / ${formatNumber(part.processing)} / ${
    formatNumber(part.failed)
  }`;
}

function status(text, kind) {
  const line = byId("queue-status");
  line.textContent = text || "\u00a0";
  line.classList.toggle("ok", kind === "ok");
  line.classList.toggle("fail", kind === "fail");
}

export function createQueueView(api) {
  let stop = null;
  let clearArmed = false;
  let clearTimer;

  async function refresh() {
    try {
      const [counts, dead] = await Promise.all([
        api.get("/api/v1/admin/queue"),
        api.get("/api/v1/admin/queue/failed"),
      ]);
      setText("q-queued", formatNumber(counts.queued));
      setText("q-processing", formatNumber(counts.processing));
      setText("q-failed", formatNumber(counts.failed));
      setText("q-total", formatNumber(counts.total));
      setText("q-inbound", triple(counts.inbound));
      setText("q-outbound", triple(counts.outbound));
      const body = byId("dead-body");
      clear(body);
      const items = Array.isArray(dead?.items) ? dead.items : [];
      for (const item of items) {
        const tr = el("tr", {}, [
          el("td", { text: item.id }),
          el("td", { text: item.queue }),
          el("td", { text: item.kind }),
          el("td", { className: "num", text: formatNumber(item.attempts) }),
          el("td", { className: "wrap", text: item.last_error ?? "" }),
        ]);
        body.append(labelCells(tr, byId("dead-table")));
      }
      const state = byId("dead-state");
      state.classList.remove("error-state");
      state.textContent = items.length ? "" : "No failed jobs. Everything was delivered.";
    } catch (error) {
      if (error.status === 401) return;
      const state = byId("dead-state");
      state.classList.add("error-state");
      state.textContent = `Could not load the queue: ${error.message}`;
    }
  }

  byId("requeue-failed").addEventListener("click", (event) => {
    busy(event.currentTarget, async () => {
      try {
        const res = await api.post("/api/v1/admin/queue/requeue-failed");
        status(`Requeued ${res.requeued} failed ${res.requeued === 1 ? "job" : "jobs"}.`, "ok");
        await refresh();
      } catch (error) {
        if (error.status !== 401) status(`Requeue failed: ${error.message}`, "fail");
      }
    });
  });

  byId("clear-failed").addEventListener("click", (event) => {
    const button = event.currentTarget;
    if (!clearArmed) {
      clearArmed = true;
      button.textContent = "Confirm clear";
      status("Press “Confirm clear” to drop every failed job for good.");
      clearTimeout(clearTimer);
      clearTimer = setTimeout(() => {
        clearArmed = false;
        button.textContent = "Clear failed";
      }, 5000);
      return;
    }
    clearArmed = false;
    clearTimeout(clearTimer);
    button.textContent = "Clear failed";
    busy(button, async () => {
      try {
        const res = await api.post("/api/v1/admin/queue/clear-failed");
        status(`Cleared ${res.cleared} failed ${res.cleared === 1 ? "job" : "jobs"}.`, "ok");
        await refresh();
      } catch (error) {
        if (error.status !== 401) status(`Clear failed: ${error.message}`, "fail");
      }
    });
  });

  return {
    show() {
      if (!stop) stop = poll(refresh, POLL_MS);
    },
    hide() {
      stop?.();
      stop = null;
    },
  };
}

// Queue view: counters, the dead letters (recipient, text excerpt, attempts, last error, time)
// with Requeue and Delete per row, and Requeue failed / Clear failed for all of them.
import {
  busy,
  byId,
  clear,
  el,
  formatDateTime,
  formatNumber,
  labelCells,
  poll,
  setText,
} from "./common.js";

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
  let armed = null; // id of the dead letter whose Delete waits for its confirmation
  let armedTimer;

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
      for (const item of items) body.append(labelCells(deadRow(item), byId("dead-table")));
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

  /** One dead letter; its Delete arms first ("Confirm delete"), as Clear failed does. */
  function deadRow(item) {
    const id = encodeURIComponent(item.id);
    const requeue = el("button", {
      className: "btn small",
      text: "Requeue",
      attrs: { type: "button" },
    });
    requeue.addEventListener("click", () =>
      busy(requeue, async () => {
        try {
          const res = await api.post(`/api/v1/admin/queue/failed/${id}/requeue`);
          status(`Requeued ${res.requeued} failed ${res.requeued === 1 ? "job" : "jobs"}.`, "ok");
          await refresh();
        } catch (error) {
          if (error.status !== 401) status(`Requeue failed: ${error.message}`, "fail");
        }
      }));
    const del = el("button", {
      className: "btn small danger",
      text: armed === item.id ? "Confirm delete" : "Delete",
      attrs: { type: "button" },
    });
    del.addEventListener("click", () => {
      if (armed !== item.id) {
        armed = item.id;
        del.textContent = "Confirm delete";
        status("Press “Confirm delete” to drop this job for good.");
        clearTimeout(armedTimer);
        armedTimer = setTimeout(() => {
          armed = null;
          refresh();
        }, 5000);
        return;
      }
      armed = null;
      clearTimeout(armedTimer);
      busy(del, async () => {
        try {
          await api.del(`/api/v1/admin/queue/failed/${id}`);
          status("Deleted 1 failed job.", "ok");
          await refresh();
        } catch (error) {
          if (error.status !== 401) status(`Delete failed: ${error.message}`, "fail");
        }
      });
    });
    const tr = el("tr", {}, [
      el("td", { text: item.recipient ?? "—" }),
      el("td", { className: "wrap" }, [
        el("span", { text: item.excerpt ?? "—" }),
        el("small", { className: "dead-meta", text: `${item.queue} · ${item.kind} · ${item.id}` }),
      ]),
      el("td", { className: "num", text: formatNumber(item.attempts) }),
      el("td", { className: "wrap", text: item.last_error || "—" }),
      el("td", { text: formatDateTime(item.failed_at) }),
      el("td", {}, [el("div", { className: "row" }, [requeue, del])]),
    ]);
    tr.dataset.id = item.id;
    return tr;
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

// Sessions view: the bridge's WhatsApp sessions. "Create main session" (or "Reconnect" when
// the main session is not connected) shows a QR code that refreshes until the session
// connects. The QR is a PNG data URL (allowed by img-src 'self' data:), checked before use.
import { busy, byId, clear, el, formatDateTime, labelCells, poll, setText } from "./common.js";

const QR_POLL_MS = 2000;
const LIST_POLL_MS = 5000;
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;

function sessionsOf(res) {
  if (Array.isArray(res)) return res;
  if (Array.isArray(res?.sessions)) return res.sessions;
  if (Array.isArray(res?.items)) return res.items;
  return [];
}

const STATUS_LABELS = {
  connected: "Connected",
  connecting: "Connecting",
  initializing: "Starting",
  qr_waiting: "Waiting for scan",
  qr_pending: "Waiting for scan",
  disconnected: "Disconnected",
  error: "Error",
};

function badge(status) {
  const node = el("span", {
    className: "badge",
    text: Object.hasOwn(STATUS_LABELS, status) ? STATUS_LABELS[status] : status || "Unknown",
  });
  node.dataset.status = status === "connected"
    ? "connected"
    : status === "disconnected" || status === "error"
    ? "disconnected"
    : "pending";
  return node;
}

export function createSessionsView(api) {
  let sessions = [];
  let stopList = null;
  let stopQr = null;
  let watching = null;
  let armed = null;
  let armedTimer;

  function main() {
    return sessions.find((s) => s.is_main) ?? null;
  }

  function showQr(session) {
    const panel = byId("qr-panel");
    const img = byId("qr-image");
    if (session.status === "connected") {
      // Nothing left to scan: the panel goes, the outcome stays in the notice line.
      panel.hidden = true;
      img.hidden = true;
      setText(
        "sessions-notice",
        `Connected${session.phone_number ? ` as ${session.phone_number}` : ""}.`,
      );
      return true;
    }
    panel.hidden = false;
    setText("sessions-notice", "");
    if (typeof session.qr_code === "string" && PNG_DATA_URL.test(session.qr_code)) {
      if (img.getAttribute("src") !== session.qr_code) img.src = session.qr_code;
      img.hidden = false;
      setText("qr-status", "Scan this code with WhatsApp on the system phone.");
    } else {
      img.hidden = true;
      setText("qr-status", `Waiting for the QR code… (${session.status ?? "starting"})`);
    }
    return false;
  }

  function watch(id) {
    stopQr?.();
    watching = id;
    stopQr = poll(async () => {
      try {
        const session = await api.get(`/api/v1/admin/sessions/${encodeURIComponent(id)}`);
        if (watching !== id) return;
        if (showQr(session)) {
          stopQr?.();
          stopQr = null;
          await loadList();
        }
      } catch (error) {
        if (error.status !== 401) {
          setText("qr-status", `Could not read the session: ${error.message}`);
        }
      }
    }, QR_POLL_MS);
  }

  /**
   * Deleting a session unlinks WhatsApp, so the first click only arms the button ("Confirm
   * delete" for 5 s), as the other destructive actions do. The armed id survives re-renders.
   */
  async function remove(session, button) {
    if (armed !== session.id) {
      armed = session.id;
      button.textContent = "Confirm delete";
      setText("sessions-notice", `Press “Confirm delete” to unlink session ${session.id}.`);
      clearTimeout(armedTimer);
      armedTimer = setTimeout(() => {
        armed = null;
        setText("sessions-notice", "");
        render();
      }, 5000);
      return;
    }
    armed = null;
    clearTimeout(armedTimer);
    setText("sessions-notice", "");
    await busy(button, async () => {
      try {
        await api.del(`/api/v1/admin/sessions/${encodeURIComponent(session.id)}`);
        if (watching === session.id) {
          stopQr?.();
          byId("qr-panel").hidden = true;
        }
        await loadList();
      } catch (error) {
        if (error.status !== 401) setText("sessions-error", `Could not delete: ${error.message}`);
      }
    });
  }

  function render() {
    const body = byId("sessions-body");
    clear(body);
    for (const s of sessions) {
      const del = el("button", {
        className: "btn small danger",
        text: armed === s.id ? "Confirm delete" : "Delete",
        attrs: { type: "button" },
      });
      del.addEventListener("click", () => remove(s, del));
      const tr = el("tr", {}, [
        el("td", { text: s.is_main && s.id !== "main" ? `${s.id} (main)` : s.id }),
        el("td", {}, [badge(s.status)]),
        el("td", { text: s.phone_number ?? "—" }),
        el("td", { text: formatDateTime(s.connected_at) }),
        el("td", {}, [del]),
      ]);
      body.append(labelCells(tr, byId("sessions-table")));
    }
    setText(
      "sessions-state",
      sessions.length ? "" : "No sessions. Create the main session to link WhatsApp.",
    );
    const m = main();
    const button = byId("create-session");
    button.textContent = m ? "Reconnect" : "Create main session";
    button.hidden = Boolean(m && m.status === "connected");
  }

  async function loadList() {
    try {
      sessions = sessionsOf(await api.get("/api/v1/admin/sessions"));
      setText("sessions-error", "");
      render();
    } catch (error) {
      if (error.status === 401) return;
      setText("sessions-state", "");
      setText(
        "sessions-error",
        error.status === 502
          ? "The WhatsApp bridge is not reachable."
          : `Could not load sessions: ${error.message}`,
      );
    }
  }

  byId("create-session").addEventListener("click", (event) => {
    const button = event.currentTarget;
    busy(button, async () => {
      setText("sessions-error", "");
      try {
        const existing = main();
        if (existing) await api.del(`/api/v1/admin/sessions/${encodeURIComponent(existing.id)}`);
        const created = await api.post(
          "/api/v1/admin/sessions",
          existing ? { session_id: existing.id } : {},
        );
        showQr(created);
        watch(created.id);
        await loadList();
      } catch (error) {
        if (error.status !== 401) {
          setText("sessions-error", `Could not start the session: ${error.message}`);
        }
      }
    });
  });

  return {
    show() {
      if (!stopList) stopList = poll(loadList, LIST_POLL_MS);
    },
    hide() {
      stopList?.();
      stopList = null;
      stopQr?.();
      stopQr = null;
    },
  };
}

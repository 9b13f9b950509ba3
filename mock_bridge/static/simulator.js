// Phone simulator for the mock WhatsApp bridge: you chat as any number; your messages go
// to Zapa through /__mock/inbound (right), Zapa's sends come from /__mock/sent (left).
// User text is only ever set with textContent.

const $ = (id) => document.getElementById(id);
const RECENT_KEY = "mock-bridge-recent-numbers";
const LONG_POLL_MS = 20000;
const REFRESH_MS = 1000;

const view = {
  phone: "", // digits of the chat being shown
  token: 0, // bumps when the chat changes, to end the previous loops
  mine: new Map(), // message_id -> inbound item
  theirs: new Map(), // seq -> sent item
  pending: [], // my messages posted but not yet in the inbound journal
  signature: "",
};

function digits(value) {
  return String(value).replace(/\D/g, "");
}

async function getJson(path, options) {
  const res = await fetch(path, options);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || body.message || `HTTP ${res.status}`);
  return body;
}

function recentNumbers() {
  try {
    return JSON.parse(localStorage.getItem(RECENT_KEY) || "[]").filter((n) =>
      typeof n === "string"
    );
  } catch {
    return [];
  }
}

function rememberNumber(phone) {
  const list = [phone, ...recentNumbers().filter((n) => n !== phone)].slice(0, 10);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  renderRecent();
}

function renderRecent() {
  const list = recentNumbers();
  const datalist = $("recent-numbers");
  const chats = $("chat-list");
  datalist.replaceChildren(...list.map((n) => {
    const o = document.createElement("option");
    o.value = `+${n}`;
    return o;
  }));
  chats.replaceChildren(...list.map((n) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = `+${n}`;
    b.addEventListener("click", () => openChat(n));
    li.append(b);
    return li;
  }));
}

function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ""
    : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

const TICKS = { pending: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };

function bubble({ mine, id, text, at, status }) {
  const li = document.createElement("li");
  li.className = `bubble ${mine ? "mine" : "theirs"}`;
  li.dataset.messageId = id;
  li.dataset.status = status;
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = time(at);
  const ticks = document.createElement("span");
  ticks.className = "ticks";
  ticks.dataset.status = status;
  ticks.title = status;
  ticks.textContent = TICKS[status] || "";
  meta.append(ticks);
  li.append(body, meta);
  return li;
}

function describe(item) {
  if (item.text !== null && item.text !== undefined && item.text !== "") return item.text;
  if (item.caption) return item.caption;
  return `[${item.type}]`;
}

/** Status ticks of my message: delivered when Zapa took the webhook, read once it answered. */
function myStatus(item, lastReplyAt) {
  if (item.webhook_status === null || item.webhook_status === undefined) return "sent";
  if (item.webhook_status < 200 || item.webhook_status >= 300) return "failed";
  return lastReplyAt >= item.at ? "read" : "delivered";
}

function render() {
  const theirs = [...view.theirs.values()];
  const lastReplyAt = theirs.reduce((max, t) => (t.at > max ? t.at : max), "");
  const rows = [
    ...[...view.mine.values()].map((m) => ({
      mine: true,
      id: m.message_id,
      text: describe(m),
      at: m.at,
      status: myStatus(m, lastReplyAt),
    })),
    ...view.pending.filter((p) => !view.mine.has(p.id)),
    ...theirs.map((t) => ({
      mine: false,
      id: t.message_id,
      text: describe(t),
      at: t.at,
      status: t.status,
    })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const signature = JSON.stringify(rows.map((r) => [r.id, r.status]));
  if (signature === view.signature) return;
  view.signature = signature;
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...rows.map(bubble));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

async function refresh(token) {
  const phone = view.phone;
  const [inbound, sent] = await Promise.all([
    getJson(`/__mock/inbound?from=${phone}`),
    getJson(`/__mock/sent?to=${phone}`),
  ]);
  if (token !== view.token) return;
  view.mine = new Map(inbound.items.map((i) => [i.message_id, i]));
  view.theirs = new Map(sent.items.map((s) => [s.seq, s]));
  render();
}

async function longPollSent(token) {
  let since = 0;
  while (token === view.token) {
    try {
      const page = await getJson(
        `/__mock/sent?to=${view.phone}&since=${since}&wait_ms=${LONG_POLL_MS}`,
      );
      if (token !== view.token) return;
      for (const item of page.items) view.theirs.set(item.seq, item);
      since = Math.max(since, page.now);
      render();
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function refreshLoop(token) {
  while (token === view.token) {
    await refresh(token).catch(() => {});
    await new Promise((r) => setTimeout(r, REFRESH_MS));
  }
}

function openChat(phone) {
  view.phone = phone;
  view.token++;
  view.mine.clear();
  view.theirs.clear();
  view.pending = [];
  view.signature = "";
  $("phone").value = `+${phone}`;
  $("chat-title").textContent = `· chatting as +${phone}`;
  $("chat").hidden = false;
  $("error").textContent = "";
  rememberNumber(phone);
  render();
  refreshLoop(view.token);
  longPollSent(view.token);
  $("text").focus();
}

async function sendMessage(text) {
  const phone = view.phone;
  const pending = {
    mine: true,
    id: `pending-${Date.now()}`,
    text,
    at: new Date().toISOString(),
    status: "pending",
  };
  view.pending.push(pending);
  render();
  try {
    const r = await getJson("/__mock/inbound", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ from: phone, text }),
    });
    pending.id = r.message_id;
    pending.status = r.webhook && r.webhook.status >= 200 && r.webhook.status < 300
      ? "delivered"
      : "failed";
    if (pending.status === "failed") {
      $("error").textContent = `Webhook not accepted: ${
        r.webhook?.error || `HTTP ${r.webhook?.status}`
      }`;
    }
  } catch (err) {
    pending.status = "failed";
    $("error").textContent = `Could not send: ${err.message}`;
  }
  render();
  if (phone === view.phone) refresh(view.token).catch(() => {});
}

async function sessionLoop() {
  const el = $("session-status");
  for (;;) {
    try {
      const s = await getJson("/__mock/state");
      const main = s.sessions.find((x) => x.id === s.settings.session_id);
      $("system-number").textContent = `+${s.settings.phone_number}`;
      // The bridge's own setting (an http(s) URL it checked), never user text.
      const dashboard = s.settings.dashboard_url;
      if (dashboard && $("dashboard-link").getAttribute("href") !== dashboard) {
        $("dashboard-link").href = dashboard;
      }
      const status = s.faults.offline ? "offline" : main ? main.status : "missing";
      el.dataset.status = status;
      el.textContent = s.faults.offline
        ? `Session ${s.settings.session_id}: bridge API offline`
        : `Session ${s.settings.session_id}: ${main ? main.status : "not created"}`;
    } catch {
      el.dataset.status = "unknown";
      el.textContent = "Session: bridge unreachable";
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function main() {
  renderRecent();
  $("number-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const phone = digits($("phone").value);
    if (phone.length < 7 || phone.length > 15) {
      $("error").textContent = "Enter a phone number with 7 to 15 digits.";
      $("chat").hidden = false;
      return;
    }
    openChat(phone);
  });
  $("compose").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("text");
    const text = input.value;
    if (!text.trim() || !view.phone) return;
    input.value = "";
    sendMessage(text);
  });
  const initial = digits(new URLSearchParams(location.search).get("phone") || "");
  if (initial.length >= 7) openChat(initial);
  sessionLoop();
}

main();

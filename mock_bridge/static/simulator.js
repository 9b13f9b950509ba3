// Phone simulator for the mock WhatsApp bridge: you chat as any number; your messages go
// to Zapa through /__mock/inbound (right), Zapa's sends come from /__mock/sent (left). The
// chat list comes from the bridge's journals (simulator_chats.js). User text is only ever
// set with textContent.
import {
  describe,
  digits,
  loadChats,
  markSeen,
  recentNumbers,
  rememberNumber as remember,
} from "./simulator_chats.js";

const $ = (id) => document.getElementById(id);
const LONG_POLL_MS = 20000;
const REFRESH_MS = 1000;
const CHATS_MS = 3000;

const view = {
  phone: "", // digits of the chat being shown
  token: 0, // bumps when the chat changes, to end the previous loops
  mine: new Map(), // message_id -> inbound item
  theirs: new Map(), // seq -> sent item
  pending: [], // my messages posted but not yet in the inbound journal
  signature: "",
};

async function getJson(path, options) {
  const res = await fetch(path, options);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || body.message || `HTTP ${res.status}`);
  return body;
}

function rememberNumber(phone) {
  remember(phone);
  renderRecent();
  refreshChats().catch(() => {});
}

function renderRecent() {
  $("recent-numbers").replaceChildren(
    ...recentNumbers().map((n) => {
      const o = document.createElement("option");
      o.value = `+${n}`;
      return o;
    }),
  );
}

function chatEntry(chat) {
  const li = document.createElement("li");
  const b = document.createElement("button");
  b.type = "button";
  b.classList.toggle("current", chat.phone === view.phone);
  const top = document.createElement("span");
  top.className = "chat-top";
  const name = document.createElement("strong");
  name.textContent = `+${chat.phone}`;
  const when = document.createElement("small");
  when.textContent = chat.at ? time(chat.at) : "";
  top.append(name, when);
  const bottom = document.createElement("span");
  bottom.className = "chat-bottom";
  const preview = document.createElement("span");
  preview.className = "preview";
  preview.textContent = chat.preview;
  bottom.append(preview);
  if (chat.unread > 0 && chat.phone !== view.phone) {
    const badge = document.createElement("span");
    badge.className = "unread";
    badge.textContent = String(chat.unread);
    bottom.append(badge);
  }
  b.append(top, bottom);
  b.addEventListener("click", () => openChat(chat.phone));
  li.append(b);
  return li;
}

async function refreshChats() {
  const chats = await loadChats(getJson);
  $("chat-list").replaceChildren(...chats.map(chatEntry));
  $("chats-empty").hidden = chats.length > 0;
}

async function chatsLoop() {
  for (;;) {
    await refreshChats().catch(() => {});
    await new Promise((r) => setTimeout(r, CHATS_MS));
  }
}

function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ""
    : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "Today", "Yesterday", or the date, for the separator above a day's first message. */
function dayLabel(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const midnight = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((midnight(new Date()) - midnight(d)) / 86400000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return d.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
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
  const items = [];
  let day = "";
  for (const row of rows) {
    const label = dayLabel(row.at);
    if (label !== day) {
      day = label;
      const sep = document.createElement("li");
      sep.className = "day-separator";
      sep.setAttribute("role", "separator");
      sep.textContent = label;
      items.push(sep);
    }
    items.push(bubble(row));
  }
  list.replaceChildren(...items);
  const lastSeq = theirs.reduce((max, t) => Math.max(max, t.seq), 0);
  if (lastSeq) markSeen(view.phone, lastSeq);
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
  $("no-chat").hidden = true;
  document.body.classList.add("chat-open");
  $("error").textContent = "";
  rememberNumber(phone);
  render();
  refreshLoop(view.token);
  longPollSent(view.token);
  $("text").focus();
}

/** Sends `fields` (a text, or an image / location / contact) from the open chat's number. */
async function sendMessage(fields) {
  const phone = view.phone;
  const pending = {
    mine: true,
    id: `pending-${Date.now()}`,
    text: describe(fields),
    at: new Date().toISOString(),
    status: "pending",
  };
  view.pending.push(pending);
  render();
  try {
    const r = await getJson("/__mock/inbound", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ from: phone, ...fields }),
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

/** The attach menu: an image with caption, a location or a contact, as zapw can receive. */
const ATTACH_FIELDS = {
  image: ["attach-caption"],
  location: ["attach-latitude", "attach-longitude", "attach-name"],
  contact: ["attach-name", "attach-number"],
};

function setupAttach() {
  const form = $("attach-form");
  let kind = "";
  $("attach").addEventListener("click", () => {
    $("attach-menu").hidden = !$("attach-menu").hidden;
  });
  for (const type of Object.keys(ATTACH_FIELDS)) {
    $(`attach-${type}`).addEventListener("click", () => {
      kind = type;
      $("attach-menu").hidden = true;
      form.hidden = false;
      $("attach-title").textContent =
        { image: "Image", location: "Location", contact: "Contact" }[type];
      for (const field of form.querySelectorAll(".attach-field")) {
        field.hidden = !ATTACH_FIELDS[type].includes(field.dataset.input);
        field.querySelector("input").value = "";
      }
      $(ATTACH_FIELDS[type][0]).focus();
    });
  }
  $("attach-cancel").addEventListener("click", () => {
    form.hidden = true;
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = (id) => $(id).value.trim();
    let fields;
    if (kind === "image") {
      fields = { type: "image", caption: value("attach-caption"), fileName: "photo.jpg" };
    } else if (kind === "location") {
      const latitude = Number(value("attach-latitude"));
      const longitude = Number(value("attach-longitude"));
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || !value("attach-latitude")) {
        $("error").textContent = "Enter a latitude and a longitude.";
        return;
      }
      const location = { latitude, longitude };
      if (value("attach-name")) location.name = value("attach-name");
      fields = { type: "location", location };
    } else if (kind === "contact") {
      if (!value("attach-name") || !value("attach-number")) {
        $("error").textContent = "Enter the contact's name and number.";
        return;
      }
      fields = {
        type: "contact",
        contact: { name: value("attach-name"), number: value("attach-number") },
      };
    } else return;
    form.hidden = true;
    sendMessage(fields);
  });
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
    sendMessage({ type: "text", text });
  });
  setupAttach();
  $("back-to-chats").addEventListener("click", () => {
    document.body.classList.remove("chat-open");
  });
  const initial = digits(new URLSearchParams(location.search).get("phone") || "");
  if (initial.length >= 7) openChat(initial);
  sessionLoop();
  chatsLoop();
}

main();

// The control page's journals: inbound, sends, webhook attempts and receipts (the webhook
// attempts of message.sent / .delivered / .read), followed live by long-polling each
// journal from its last seq, and filtered by phone number or message id. Journal text is
// written with textContent only.

const KEEP = 200; // newest rows kept per journal
const WAIT_MS = 20000;
const RECEIPTS = new Set(["message.sent", "message.delivered", "message.read"]);
const RECEIPT_ORDER = ["message.sent", "message.delivered", "message.read"];

export async function getJson(path, options) {
  const res = await fetch(path, options);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || body.message || `HTTP ${res.status}`);
  return body;
}

const digits = (value) => String(value ?? "").replace(/\D/g, "");

function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour12: false });
}

function textOf(item) {
  if (item.text) return item.text;
  if (item.caption) return item.caption;
  return `[${item.type}]`;
}

function answer(item) {
  if (item.status === 0) return `network error${item.error ? `: ${item.error}` : ""}`;
  return `${item.status} · ${item.duration_ms} ms`;
}

const journals = {
  inbound: { path: "/__mock/inbound", since: 0, items: new Map() },
  sent: { path: "/__mock/sent?all=1", since: 0, items: new Map() },
  webhooks: { path: "/__mock/webhooks", since: 0, items: new Map() },
};

let filter = "";
let generation = 0;

/** Latest receipt per message id, from the webhook journal. */
function receipts() {
  const best = new Map();
  for (const w of journals.webhooks.items.values()) {
    if (!RECEIPTS.has(w.event_type) || !w.message_id) continue;
    const rank = RECEIPT_ORDER.indexOf(w.event_type);
    if (rank > (best.get(w.message_id) ?? -1)) best.set(w.message_id, rank);
  }
  return best;
}

function sentStatus(item, latest) {
  if (item.rejected) return `rejected ${item.http_status}`;
  const rank = latest.get(item.message_id);
  return rank === undefined ? "accepted" : RECEIPT_ORDER[rank].slice("message.".length);
}

/**
 * Zapa's answer to each inbound message's webhook, by message id: the journal entry is a
 * snapshot taken before the first attempt finished, the webhook journal has the outcome.
 */
function received() {
  const answers = new Map();
  for (const w of journals.webhooks.items.values()) {
    if (w.event_type === "message.received" && w.message_id) {
      answers.set(w.message_id, w.status === 0 ? "network error" : String(w.status));
    }
  }
  return answers;
}

const phone = (value) => (digits(value) ? `+${digits(String(value).split("@")[0])}` : "");

/** Rows of each table: the cells, and the number and message id the filter may match. */
function tables() {
  const latest = receipts();
  const answers = received();
  const inbound = [...journals.inbound.items.values()].map((i) => ({
    cells: [
      time(i.at),
      phone(i.from),
      textOf(i),
      i.message_id,
      answers.get(i.message_id) ?? String(i.webhook_status ?? "pending"),
    ],
    number: digits(i.from),
    id: i.message_id,
  }));
  const sent = [...journals.sent.items.values()].map((s) => ({
    cells: [time(s.at), phone(s.to), textOf(s), s.message_id ?? "—", sentStatus(s, latest)],
    number: digits(s.to),
    id: s.message_id ?? "",
  }));
  const attempts = [...journals.webhooks.items.values()];
  const webhookRow = (w) => ({
    cells: [
      time(w.at),
      w.event_type,
      w.message_id ?? "—",
      `${w.attempt}${w.copy > 1 ? ` (copy ${w.copy})` : ""}`,
      answer(w),
    ],
    number: "",
    id: w.message_id ?? "",
  });
  return {
    inbound,
    sent,
    webhooks: attempts.map(webhookRow),
    receipts: attempts.filter((w) => RECEIPTS.has(w.event_type)).map((w) => {
      const row = webhookRow(w);
      row.cells.splice(3, 1);
      return row;
    }),
  };
}

/**
 * A number filter matches the rows of that phone, and webhook rows through the message ids
 * of its inbound messages and sends; any other text matches a message id.
 */
function matcher(all) {
  const q = filter.trim();
  if (!q) return () => true;
  const number = digits(q);
  const byNumber = number.length >= 6 && /^[\d\s+().-]+$/.test(q);
  if (!byNumber) {
    const needle = q.toLowerCase();
    return (row) => row.id.toLowerCase().includes(needle);
  }
  const ids = new Set(
    [...all.inbound, ...all.sent].filter((r) => r.number.includes(number)).map((r) => r.id),
  );
  return (row) => (row.number ? row.number.includes(number) : ids.has(row.id));
}

export function render() {
  const all = tables();
  const keep = matcher(all);
  for (const [name, rows] of Object.entries(all)) {
    const card = document.getElementById(`journal-${name}`);
    const shown = rows.filter(keep).reverse();
    card.querySelector("tbody").replaceChildren(...shown.map(({ cells }) => {
      const tr = document.createElement("tr");
      for (const value of cells) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.append(td);
      }
      return tr;
    }));
    const empty = card.querySelector(".empty");
    empty.hidden = shown.length > 0;
    empty.textContent = rows.length ? "No row matches the filter." : "Nothing yet.";
  }
}

function keepNewest(map) {
  while (map.size > KEEP) map.delete(map.keys().next().value);
}

async function follow(journal, mine, onError) {
  while (mine === generation) {
    try {
      const sep = journal.path.includes("?") ? "&" : "?";
      const page = await getJson(
        `${journal.path}${sep}since=${journal.since}&wait_ms=${WAIT_MS}`,
      );
      if (mine !== generation) return;
      for (const item of page.items) journal.items.set(item.seq, item);
      keepNewest(journal.items);
      journal.since = Math.max(journal.since, page.now ?? 0);
      render();
    } catch (error) {
      onError(error);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Starts following every journal from the newest KEEP entries (seqs from /__mock/state). */
export function followJournals(seqs, onError) {
  const mine = ++generation;
  for (const [name, journal] of Object.entries(journals)) {
    journal.since = Math.max(0, (seqs?.[name] ?? 0) - KEEP);
    follow(journal, mine, onError);
  }
}

/** Forgets every row (after a reset); seqs keep counting on the bridge, so polls go on. */
export function clearJournals() {
  for (const journal of Object.values(journals)) journal.items.clear();
  render();
}

export function setFilter(value) {
  filter = value;
  render();
}

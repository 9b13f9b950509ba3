// Helpers shared by the dashboard and the admin console. All text from the API is written
// with textContent (never parsed as markup, never into an attribute or a link): see R-OUTPUT-3.

/** Creates an element; `text` goes through textContent, `attrs` are for static values only. */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

export function setText(id, text) {
  byId(id).textContent = text === null || text === undefined ? "" : String(text);
}

export function clear(node) {
  node.replaceChildren();
}

/**
 * An error the API answered with; `status` is the HTTP status, `message` the detail, `body`
 * the parsed answer (e.g. a 429's `retry_after`).
 */
export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function detailText(body, status) {
  if (body && typeof body.detail === "string") return body.detail;
  if (body && typeof body.error === "string") return body.error;
  if (status >= 500) return "The service is temporarily unavailable. Please try again.";
  return `Request failed (${status})`;
}

/**
 * A JSON client bound to a token source. A 401 calls `onUnauthorized` (back to sign-in)
 * and rejects with ApiError(401).
 */
export function apiClient({ token, onUnauthorized }) {
  async function request(method, path, body, { raw = false } = {}) {
    const headers = { accept: "application/json" };
    const current = token();
    if (current) headers.authorization = `Bearer ${current}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "Cannot reach the server. Check your connection.");
    }
    if (res.status === 401 && current) {
      onUnauthorized();
    }
    if (raw && res.ok) return res;
    let data = null;
    if (res.status !== 204) {
      try {
        data = await res.json();
      } catch {
        data = null;
      }
    }
    if (!res.ok) throw new ApiError(res.status, detailText(data, res.status), data);
    return data;
  }
  return {
    get: (path, options) => request("GET", path, undefined, options),
    post: (path, body, options) => request("POST", path, body, options),
    put: (path, body) => request("PUT", path, body),
    patch: (path, body) => request("PATCH", path, body),
    del: (path) => request("DELETE", path),
  };
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Runs `fn` now and then every `ms`, never overlapping itself; returns a stop function. */
export function poll(fn, ms) {
  let stopped = false;
  let timer;
  const tick = async () => {
    try {
      await fn();
    } catch {
      // Each view shows its own error state; polling just carries on.
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});
const dateFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
});

/** "14:05" today, "Nov 3, 14:05" otherwise. */
export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? timeFormat.format(date)
    : dayTimeFormat.format(date);
}

export function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : dateFormat.format(date);
}

const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long" });

/** A chat's day separator: "Today", "Yesterday", a weekday this week, else the date. */
export function dayLabel(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const midnight = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((midnight(new Date()) - midnight(date)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days > 1 && days < 7) return weekdayFormat.format(date);
  return dateFormat.format(date);
}

export function formatDateTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : dayTimeFormat.format(date);
}

export function formatNumber(value) {
  return typeof value === "number" ? value.toLocaleString() : "—";
}

/** Disables a button while `work` runs. */
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

/** The text a message bubble shows: its content, or `[image] caption` for media. */
export function messageText(message) {
  const type = message.message_type ?? "text";
  if (type === "text") return message.content ?? "";
  const caption = message.caption ?? message.content ?? "";
  return caption;
}

/**
 * `text` as text nodes with every case-insensitive occurrence of `term` in a <mark>; all of
 * it through textContent / text nodes, so user text never becomes markup.
 */
export function highlighted(text, term) {
  const parts = [];
  const needle = (term ?? "").toLocaleLowerCase();
  if (!needle) return [document.createTextNode(text)];
  const haystack = text.toLocaleLowerCase();
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, from)) {
    if (at > from) parts.push(document.createTextNode(text.slice(from, at)));
    parts.push(el("mark", { text: text.slice(at, at + needle.length) }));
    from = at + needle.length;
  }
  if (from < text.length) parts.push(document.createTextNode(text.slice(from)));
  return parts;
}

/**
 * One chat bubble, as the user sees WhatsApp: what they wrote (inbound to Zapa) on the
 * right, the assistant's replies on the left. `highlight` marks a search term.
 */
export function messageBubble(message, { highlight = "" } = {}) {
  const direction = message.direction === "outbound"
    ? "out"
    : message.direction === "inbound"
    ? "in"
    : "system";
  const type = message.message_type ?? "text";
  const parts = [];
  if (type !== "text") parts.push(el("span", { className: "bubble-media", text: `[${type}]` }));
  const text = messageText(message);
  if (text) parts.push(el("p", { className: "bubble-text" }, highlighted(text, highlight)));
  const meta = [formatTime(message.created_at)];
  if (direction === "out" && message.status) meta.push(message.status);
  parts.push(el("span", { className: "bubble-meta", text: meta.join(" · ") }));
  const li = el("li", { className: `msg ${direction}` }, [
    el("div", { className: "bubble" }, parts),
  ]);
  li.dataset.id = String(message.id);
  return li;
}

/** Copies each column's header text onto the row's cells, for the stacked mobile layout. */
export function labelCells(row, table) {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent ?? "");
  [...row.children].forEach((cell, i) => {
    cell.dataset.label = heads[i] ?? "";
  });
  return row;
}

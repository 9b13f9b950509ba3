// The simulator's chat list, built from the bridge's journals (every number that wrote or was
// written to, by any client) plus this browser's recent numbers, newest first, with unread
// counts: Zapa's messages newer than the last one seen in that chat (kept in localStorage).

const SEEN_KEY = "mock-bridge-seen";
const RECENT_KEY = "mock-bridge-recent-numbers";
const WINDOW = 500; // journal entries read per refresh
const MAX_CHATS = 50;

export const digits = (value) => String(value ?? "").split("@")[0].replace(/\D/g, "");

function readJson(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "") ?? fallback;
  } catch {
    return fallback;
  }
}

export function recentNumbers() {
  const list = readJson(RECENT_KEY, []);
  return Array.isArray(list) ? list.filter((n) => typeof n === "string") : [];
}

export function rememberNumber(phone) {
  const list = [phone, ...recentNumbers().filter((n) => n !== phone)].slice(0, 10);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
}

/** Marks Zapa's messages up to `seq` in this chat as read. */
export function markSeen(phone, seq) {
  const seen = readJson(SEEN_KEY, {});
  if ((seen[phone] ?? 0) >= seq) return;
  seen[phone] = seq;
  localStorage.setItem(SEEN_KEY, JSON.stringify(seen));
}

/**
 * What a message shows as text: its text, else `[type] caption`, the place or the contact
 * (words, not emoji: not every system has an emoji font), else `[type]`.
 */
export function describe(item) {
  if (item.text) return item.text;
  if (item.caption) return `[${item.type}] ${item.caption}`;
  const body = item.body ?? {};
  const location = item.location ??
    (body.latitude !== undefined ? { ...body } : null);
  if (location) {
    return `Location: ${location.name || `${location.latitude}, ${location.longitude}`}`;
  }
  const contact = item.contact ??
    (body.contactName ? { name: body.contactName, number: body.contactNumber ?? "" } : null);
  if (contact) return `Contact: ${contact.name} ${contact.number}`;
  return `[${item.type}]`;
}

/** [{phone, preview, at, unread}], newest activity first. */
export async function loadChats(getJson) {
  const state = await getJson("/__mock/state");
  const from = (seq) => Math.max(0, seq - WINDOW);
  const [inbound, sent] = await Promise.all([
    getJson(`/__mock/inbound?since=${from(state.seqs.inbound)}`),
    getJson(`/__mock/sent?since=${from(state.seqs.sent)}`),
  ]);
  const seen = readJson(SEEN_KEY, {});
  const chats = new Map();
  const touch = (phone, item, theirs) => {
    if (!phone) return;
    const chat = chats.get(phone) ?? { phone, preview: "", at: "", unread: 0 };
    if (item.at >= chat.at) {
      chat.at = item.at;
      chat.preview = describe(item);
    }
    if (theirs && item.seq > (seen[phone] ?? 0)) chat.unread++;
    chats.set(phone, chat);
  };
  for (const item of inbound.items) touch(digits(item.from), item, false);
  for (const item of sent.items) touch(digits(item.to), item, true);
  for (const phone of recentNumbers()) {
    if (!chats.has(phone)) chats.set(phone, { phone, preview: "", at: "", unread: 0 });
  }
  return [...chats.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, MAX_CHATS);
}

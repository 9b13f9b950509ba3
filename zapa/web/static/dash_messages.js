// Messages tab: bubbles as in WhatsApp (the user's own messages right, the assistant's left)
// with a separator per day, 300 ms debounced search with the hits marked, "Load older" 50 at
// a time through before_id, a footer with the count, refreshed every 10 s.
import {
  byId,
  clear,
  dayLabel,
  debounce,
  el,
  formatDate,
  messageBubble,
  poll,
  setText,
} from "./common.js";

const PAGE = 50;
const REFRESH_MS = 10_000;

export function createMessagesView(api) {
  const list = byId("message-list");
  const scroller = byId("message-scroll");
  const state = byId("messages-state");
  const olderButton = byId("load-older");
  const search = byId("message-search");

  let messages = new Map();
  let query = "";
  let total = 0;
  let hasMore = false;
  let since = null;
  let generation = 0;
  let stopPolling = null;
  let loaded = false;

  function sorted() {
    return [...messages.values()].sort((a, b) =>
      a.created_at === b.created_at ? a.id - b.id : a.created_at < b.created_at ? -1 : 1
    );
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  }

  function render({ keepBottom, anchorOlder } = {}) {
    const before = scroller.scrollHeight;
    const top = scroller.scrollTop;
    clear(list);
    let day = "";
    for (const message of sorted()) {
      const label = dayLabel(message.created_at);
      if (label && label !== day) {
        day = label;
        list.append(
          el("li", { className: "day-separator", text: label, attrs: { role: "separator" } }),
        );
      }
      list.append(messageBubble(message, { highlight: query }));
    }
    olderButton.hidden = !hasMore;
    state.classList.remove("error-state");
    if (messages.size === 0) {
      state.textContent = query
        ? `No messages match “${query}”.`
        : "No messages yet. Send your assistant a WhatsApp message to start a conversation.";
    } else {
      state.textContent = "";
    }
    if (query) {
      setText(
        "message-footer",
        `${total} ${total === 1 ? "message matches" : "messages match"} “${query}”`,
      );
    } else {
      const sinceText = since ? `; since ${formatDate(since)}` : "";
      setText("message-footer", `${total} ${total === 1 ? "message" : "messages"}${sinceText}`);
    }
    if (anchorOlder) scroller.scrollTop = top + (scroller.scrollHeight - before);
    else if (keepBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  function showError(error) {
    state.classList.add("error-state");
    state.textContent = `Could not load messages: ${error.message}`;
  }

  function url(extra = {}) {
    const params = new URLSearchParams({ limit: String(PAGE), ...extra });
    if (query) params.set("search", query);
    return `/api/v1/messages?${params}`;
  }

  function statsUnlessSearching() {
    if (query) return Promise.resolve(null);
    return api.get("/api/v1/messages/stats").catch(() => null);
  }

  /** Replaces the list with the newest page (a new search, or the first load). */
  async function reload() {
    const mine = ++generation;
    try {
      const [page, stats] = await Promise.all([api.get(url()), statsUnlessSearching()]);
      if (mine !== generation) return;
      messages = new Map(page.items.map((m) => [m.id, m]));
      total = page.total;
      if (stats) since = stats.first_message_date;
      hasMore = page.has_more;
      loaded = true;
      render({ keepBottom: true });
    } catch (error) {
      if (mine === generation && error.status !== 401) showError(error);
    }
  }

  /** Merges the newest page into what is shown, keeping older pages already loaded. */
  async function refresh() {
    if (!loaded) return reload();
    const mine = generation;
    const [page, stats] = await Promise.all([api.get(url()), statsUnlessSearching()]);
    if (mine !== generation) return;
    const stick = atBottom();
    for (const m of page.items) messages.set(m.id, m);
    total = page.total;
    if (stats) since = stats.first_message_date;
    if (messages.size <= PAGE) hasMore = page.has_more;
    render({ keepBottom: stick });
  }

  async function loadOlder() {
    const oldest = sorted()[0];
    if (!oldest) return;
    const mine = generation;
    olderButton.disabled = true;
    try {
      const page = await api.get(url({ before_id: String(oldest.id) }));
      if (mine !== generation) return;
      for (const m of page.items) messages.set(m.id, m);
      hasMore = page.has_more;
      render({ anchorOlder: true });
    } catch (error) {
      if (error.status !== 401) showError(error);
    } finally {
      olderButton.disabled = false;
    }
  }

  search.addEventListener(
    "input",
    debounce(() => {
      const next = search.value.trim();
      if (next === query) return;
      query = next;
      loaded = false;
      state.textContent = "Searching…";
      reload();
    }, 300),
  );
  olderButton.addEventListener("click", loadOlder);

  return {
    show() {
      if (stopPolling) return;
      stopPolling = poll(refresh, REFRESH_MS);
    },
    hide() {
      stopPolling?.();
      stopPolling = null;
    },
    /** Forgets everything shown (sign-out), so the next account starts clean. */
    reset() {
      generation++;
      messages = new Map();
      loaded = false;
      query = "";
      search.value = "";
      since = null;
      clear(list);
      state.classList.remove("error-state");
      state.textContent = "Loading messages…";
      olderButton.hidden = true;
      setText("message-footer", "\u00a0");
    },
  };
}

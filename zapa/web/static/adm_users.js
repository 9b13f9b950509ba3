// Users view: search (debounced), status filter, pagination, Activate/Deactivate, and a
// detail view (#users/<id>) with the user's fields, AI settings and recent messages.
import {
  busy,
  byId,
  clear,
  debounce,
  el,
  formatDateTime,
  formatNumber,
  labelCells,
  messageBubble,
  setText,
} from "./common.js";

const PAGE_SIZE = 20;

function statusBadge(active) {
  const badge = el("span", { className: "badge", text: active ? "Active" : "Inactive" });
  badge.dataset.status = active ? "active" : "inactive";
  return badge;
}

/** The empty state names the filter that emptied the list, so it never reads "no users". */
function emptyText(search, status) {
  const which = status === "active" ? "active " : status === "inactive" ? "inactive " : "";
  if (search) return `No ${which}users match “${search}”.`;
  if (which) return `No ${which}users. Choose “All” to see every user.`;
  return "No users yet. Users appear when they first message the assistant or sign in.";
}

/** A "trace" link on a message WhatsApp knows, to its journey (#trace/<id>). */
function withTraceLink(bubble, message) {
  const id = message.whatsapp_message_id;
  if (!id) return bubble;
  const link = el("a", { className: "trace-link", text: "trace" });
  link.href = `#trace/${encodeURIComponent(id)}`;
  link.setAttribute("aria-label", `Trace message ${Number(message.id)}`);
  bubble.querySelector(".bubble-meta")?.append(" · ", link);
  return bubble;
}

export function createUsersView(api) {
  const body = byId("users-body");
  const state = byId("users-state");
  let page = 1;
  let totalPages = 1;
  let generation = 0;
  let detailId = null;

  async function setActive(user, active, button) {
    await busy(button, async () => {
      try {
        await api.patch(`/api/v1/admin/users/${user.id}`, { is_active: active });
        if (detailId !== null) await loadDetail(detailId);
        else await loadList();
      } catch (error) {
        if (error.status !== 401) {
          state.classList.add("error-state");
          state.textContent = `Could not update user ${user.id}: ${error.message}`;
        }
      }
    });
  }

  function row(user) {
    const view = el("a", { className: "btn small", text: "View" });
    view.href = `#users/${Number(user.id)}`;
    view.setAttribute("aria-label", `View user ${Number(user.id)}`);
    const toggle = el("button", {
      className: user.is_active ? "btn small danger" : "btn small",
      text: user.is_active ? "Deactivate" : "Activate",
      attrs: { type: "button" },
    });
    toggle.addEventListener("click", () => setActive(user, !user.is_active, toggle));
    const tr = el("tr", {}, [
      el("td", { text: user.phone_number }),
      el("td", { text: user.id }),
      el("td", {}, [statusBadge(user.is_active)]),
      el("td", { className: "num", text: formatNumber(user.total_messages) }),
      el("td", { text: user.llm_provider ?? "—" }),
      el("td", { text: formatDateTime(user.last_active) }),
      el("td", {}, [view]),
      el("td", {}, [toggle]),
    ]);
    tr.dataset.userId = String(Number(user.id));
    return labelCells(tr, byId("users-table"));
  }

  async function loadList() {
    const mine = ++generation;
    const params = new URLSearchParams({
      page: String(page),
      page_size: String(PAGE_SIZE),
      status: byId("user-status").value,
    });
    const search = byId("user-search").value.trim();
    if (search) params.set("search", search);
    try {
      const res = await api.get(`/api/v1/admin/users?${params}`);
      if (mine !== generation) return;
      totalPages = res.total_pages;
      clear(body);
      for (const user of res.users) body.append(row(user));
      state.classList.remove("error-state");
      state.textContent = res.users.length ? "" : emptyText(search, params.get("status"));
      setText(
        "users-page",
        `Page ${res.page} of ${res.total_pages} · ${res.total} ${
          res.total === 1 ? "user" : "users"
        }`,
      );
      byId("users-prev").disabled = res.page <= 1;
      byId("users-next").disabled = res.page >= res.total_pages;
    } catch (error) {
      if (mine !== generation || error.status === 401) return;
      clear(body);
      state.classList.add("error-state");
      state.textContent = `Could not load users: ${error.message}`;
    }
  }

  function field(dl, label, value) {
    dl.append(el("dt", { text: label }), el("dd", { text: value ?? "—" }));
  }

  async function loadDetail(id) {
    const dl = byId("detail-fields");
    try {
      const [user, conversation] = await Promise.all([
        api.get(`/api/v1/admin/users/${id}`),
        api.get(`/api/v1/admin/users/${id}/conversations?page_size=20`),
      ]);
      if (detailId !== id) return;
      setText("detail-title", user.display_name || user.phone_number);
      const badge = byId("detail-status");
      badge.dataset.status = user.is_active ? "active" : "inactive";
      badge.textContent = user.is_active ? "Active" : "Inactive";
      const toggle = byId("detail-toggle");
      toggle.textContent = user.is_active ? "Deactivate" : "Activate";
      toggle.className = user.is_active ? "btn small danger" : "btn small";
      toggle.onclick = () => setActive(user, !user.is_active, toggle);
      clear(dl);
      field(dl, "Phone Number", user.phone_number);
      field(dl, "ID", String(user.id));
      field(dl, "Name", [user.first_name, user.last_name].filter(Boolean).join(" ") || null);
      field(dl, "Joined", formatDateTime(user.created_at));
      field(dl, "Last active", formatDateTime(user.last_active));
      field(
        dl,
        "Messages",
        `${formatNumber(user.total_messages)} (${formatNumber(user.messages_sent)} sent, ${
          formatNumber(user.messages_received)
        } ${user.messages_received === 1 ? "reply" : "replies"})`,
      );
      const primary = user.llm_config?.primary;
      const fallback = user.llm_config?.fallback;
      field(
        dl,
        "AI provider",
        primary
          ? `${primary.provider} · ${primary.model_settings?.model ?? ""} · key …${
            primary.key_hint ?? ""
          }`
          : "System default",
      );
      if (fallback) {
        field(dl, "Fallback", `${fallback.provider} · ${fallback.model_settings?.model ?? ""}`);
      }
      const list = byId("detail-messages");
      clear(list);
      for (const m of [...conversation.messages].reverse()) {
        list.append(withTraceLink(messageBubble(m), m));
      }
      setText(
        "detail-messages-state",
        conversation.total === 0
          ? "No messages yet."
          : `Showing the latest ${conversation.messages.length} of ${conversation.total} messages.`,
      );
    } catch (error) {
      if (error.status === 401) return;
      clear(dl);
      setText("detail-title", error.status === 404 ? "User not found" : "Could not load the user");
      setText("detail-messages-state", error.message);
    }
  }

  const reloadFirstPage = () => {
    page = 1;
    loadList();
  };
  byId("users-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    reloadFirstPage();
  });
  byId("user-search").addEventListener("input", debounce(reloadFirstPage, 300));
  byId("user-status").addEventListener("change", reloadFirstPage);
  byId("users-prev").addEventListener("click", () => {
    if (page > 1) page -= 1;
    loadList();
  });
  byId("users-next").addEventListener("click", () => {
    if (page < totalPages) page += 1;
    loadList();
  });
  byId("detail-back").addEventListener("click", () => {
    location.hash = "#users";
  });

  return {
    show(arg) {
      const id = /^\d+$/.test(arg ?? "") ? Number(arg) : null;
      detailId = id;
      byId("users-list-panel").hidden = id !== null;
      byId("user-detail").hidden = id === null;
      if (id !== null) {
        setText("detail-title", "Loading…");
        loadDetail(id);
      } else {
        loadList();
      }
    },
    hide() {
      detailId = null;
    },
  };
}

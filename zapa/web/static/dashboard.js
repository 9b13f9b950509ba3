// The user dashboard (R-UI-1, R-UI-2): code sign-in, then the Messages, Stats, AI settings and
// Export tabs. The token lives in sessionStorage; any 401 returns to the sign-in form.
import { apiClient, busy, byId, setText } from "./common.js";
import { createMessagesView } from "./dash_messages.js";
import { createStatsView } from "./dash_stats.js";
import { createSettingsView } from "./dash_settings.js";
import { createExportView } from "./dash_export.js";

const TOKEN_KEY = "zapa.token";
const PHONE_KEY = "zapa.phone";

const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  phone: () => sessionStorage.getItem(PHONE_KEY) ?? "",
  save(token, phone) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(PHONE_KEY, phone);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(PHONE_KEY);
  },
};

const api = apiClient({ token: session.token, onUnauthorized: () => signedOut(true) });
const views = {
  messages: createMessagesView(api),
  stats: createStatsView(api),
  settings: createSettingsView(api),
  export: createExportView(api, session.token),
};
let currentTab = "messages";

function showLogin(message) {
  byId("app-view").hidden = true;
  byId("account").hidden = true;
  byId("login-view").hidden = false;
  byId("code-form").hidden = true;
  byId("phone-form").hidden = false;
  setText("phone-error", message ?? "");
  setText("code-error", "");
  byId("code").value = "";
}

function showApp() {
  byId("login-view").hidden = true;
  byId("app-view").hidden = false;
  byId("account").hidden = false;
  setText("account-phone", session.phone());
  const fromHash = location.hash.slice(1);
  selectTab(fromHash in views ? fromHash : currentTab);
}

function signedOut(expired) {
  for (const view of Object.values(views)) {
    view.hide();
    view.reset?.();
  }
  session.clear();
  showLogin(expired ? "Your session has ended. Please sign in again." : "");
}

function selectTab(name) {
  currentTab = name;
  for (const button of document.querySelectorAll(".tab")) {
    const selected = button.dataset.tab === name;
    button.setAttribute("aria-selected", selected ? "true" : "false");
    button.tabIndex = selected ? 0 : -1;
  }
  for (const [id, view] of Object.entries(views)) {
    byId(`tab-${id}`).hidden = id !== name;
    if (id === name) view.show();
    else view.hide();
  }
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

function setupTabs() {
  const buttons = [...document.querySelectorAll(".tab")];
  for (const button of buttons) {
    button.addEventListener("click", () => selectTab(button.dataset.tab));
    button.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const step = event.key === "ArrowRight" ? 1 : -1;
      const next = buttons[(buttons.indexOf(button) + step + buttons.length) % buttons.length];
      selectTab(next.dataset.tab);
      next.focus();
    });
  }
}

function setupLogin() {
  const phoneForm = byId("phone-form");
  const codeForm = byId("code-form");
  let phone = "";

  phoneForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setText("phone-error", "");
    const input = byId("phone").value.trim();
    if (!input) {
      setText("phone-error", "Enter your WhatsApp number.");
      return;
    }
    await busy(byId("send-code"), async () => {
      try {
        const res = await api.post("/api/v1/auth/request-code", { phone_number: input });
        phone = res.phone_number ?? input;
        setText("code-sent", `Code sent to ${phone}`);
        phoneForm.hidden = true;
        codeForm.hidden = false;
        byId("code").focus();
      } catch (error) {
        setText(
          "phone-error",
          error.status === 422
            ? "Enter the number in international format, e.g. +14155550123."
            : error.message,
        );
      }
    });
  });

  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setText("code-error", "");
    const code = byId("code").value.trim();
    if (!/^\d{6}$/.test(code)) {
      setText("code-error", "Enter the 6-digit code from WhatsApp.");
      return;
    }
    await busy(byId("verify"), async () => {
      try {
        const res = await api.post("/api/v1/auth/verify", { phone_number: phone, code });
        session.save(res.access_token, res.phone_number ?? phone);
        byId("code").value = "";
        showApp();
      } catch (error) {
        setText(
          "code-error",
          error.status === 401 ? "That code is wrong or has expired. Try again." : error.message,
        );
      }
    });
  });

  byId("change-number").addEventListener("click", () => {
    codeForm.hidden = true;
    phoneForm.hidden = false;
    setText("code-error", "");
    byId("phone").focus();
  });

  byId("logout").addEventListener("click", async () => {
    try {
      await api.post("/api/v1/auth/logout");
    } catch {
      // The token is dropped locally either way.
    }
    signedOut(false);
    byId("phone").focus();
  });
}

async function start() {
  setupTabs();
  setupLogin();
  if (!session.token()) {
    showLogin();
    return;
  }
  showApp();
  try {
    const me = await api.get("/api/v1/auth/me");
    if (me?.phone_number && me.phone_number !== session.phone()) {
      session.save(session.token(), me.phone_number);
      setText("account-phone", me.phone_number);
    }
  } catch {
    // A 401 already sent us back to sign-in; other failures show in the views.
  }
}

start();

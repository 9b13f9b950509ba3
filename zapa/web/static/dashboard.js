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

/** "in 1 minute" / "in 42 minutes" from a 429's retry_after (seconds). */
function retryText(seconds) {
  const minutes = Math.max(1, Math.ceil(Number(seconds) / 60) || 60);
  return `Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
}

function setupLogin() {
  const phoneForm = byId("phone-form");
  const codeForm = byId("code-form");
  const resend = byId("resend-code");
  let phone = "";
  let resendTimer;

  function showCodeForm(notice, warn = false) {
    setText("code-sent", notice);
    byId("code-sent").classList.toggle("warn", warn);
    phoneForm.hidden = true;
    codeForm.hidden = false;
    byId("code").focus();
  }

  /** Over the hourly limit: a code sent earlier is still valid, so keep the code form. */
  function limited(error) {
    const retryAfter = error.body?.retry_after;
    showCodeForm(
      `Too many code requests for ${phone}. ${retryText(retryAfter)}. ` +
        "A code already sent to you still works for 5 minutes: enter it below.",
      true,
    );
    resend.disabled = true;
    clearTimeout(resendTimer);
    resendTimer = setTimeout(() => {
      resend.disabled = false;
    }, Math.max(1, Number(retryAfter) || 60) * 1000);
  }

  /** Asks for a code; `again` words the notice for "Resend code". */
  async function requestCode(again) {
    try {
      const res = await api.post("/api/v1/auth/request-code", { phone_number: phone });
      phone = res.phone_number ?? phone;
      showCodeForm(`${again ? "New code sent" : "Code sent"} to ${phone}`);
    } catch (error) {
      if (error.status === 429) return limited(error);
      const message = error.status === 422
        ? "Enter the number in international format, e.g. +14155550123."
        : error.message;
      if (again) setText("code-error", message);
      else setText("phone-error", message);
    }
  }

  phoneForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setText("phone-error", "");
    const input = byId("phone").value.trim();
    if (!input) {
      setText("phone-error", "Enter your WhatsApp number.");
      return;
    }
    phone = input;
    await busy(byId("send-code"), () => requestCode(false));
  });

  resend.addEventListener("click", async () => {
    setText("code-error", "");
    // busy() would re-enable the button even when the limit disabled it.
    resend.disabled = true;
    await requestCode(true);
    if (!/Too many/.test(byId("code-sent").textContent ?? "")) resend.disabled = false;
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
    clearTimeout(resendTimer);
    resend.disabled = false;
    codeForm.hidden = true;
    phoneForm.hidden = false;
    setText("code-error", "");
    byId("phone").focus();
  });

  // Logout ends the session for good, so the first click only asks ("Confirm logout", 5 s).
  let logoutTimer;
  byId("logout").addEventListener("click", async () => {
    const button = byId("logout");
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = "Confirm logout";
      clearTimeout(logoutTimer);
      logoutTimer = setTimeout(() => {
        button.dataset.confirm = "";
        button.textContent = "Logout";
      }, 5000);
      return;
    }
    clearTimeout(logoutTimer);
    button.dataset.confirm = "";
    button.textContent = "Logout";
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

// The admin console (R-UI-3): sign-in, then Dashboard, Users, Sessions and Queue views
// chosen by the URL hash. The admin token lives in sessionStorage; any 401 returns to sign-in.
import { apiClient, busy, byId, setText } from "./common.js";
import { createDashboardView } from "./adm_dashboard.js";
import { createUsersView } from "./adm_users.js";
import { createSessionsView } from "./adm_sessions.js";
import { createQueueView } from "./adm_queue.js";
import { createTraceView } from "./adm_trace.js";

const TOKEN_KEY = "zapa.admin.token";
const NAME_KEY = "zapa.admin.name";

const token = () => sessionStorage.getItem(TOKEN_KEY);
const api = apiClient({ token, onUnauthorized: () => signedOut(true) });
const views = {
  dashboard: createDashboardView(api),
  users: createUsersView(api),
  sessions: createSessionsView(api),
  queue: createQueueView(api),
  trace: createTraceView(api),
};
let active = null;

function route() {
  const [name, ...rest] = location.hash.slice(1).split("/");
  return { name: name in views ? name : "dashboard", arg: rest.join("/") };
}

function showView() {
  if (!token()) return;
  const { name, arg } = route();
  for (const link of document.querySelectorAll(".topnav-link")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const [id, view] of Object.entries(views)) {
    byId(`view-${id}`).hidden = id !== name;
    if (id !== name) view.hide();
  }
  active = name;
  views[name].show(arg);
}

function showLogin(message) {
  for (const view of Object.values(views)) view.hide();
  active = null;
  byId("app-view").hidden = true;
  byId("admin-nav").hidden = true;
  byId("account").hidden = true;
  byId("login-view").hidden = false;
  setText("login-error", message ?? "");
}

function showApp() {
  byId("login-view").hidden = true;
  byId("app-view").hidden = false;
  byId("admin-nav").hidden = false;
  byId("account").hidden = false;
  setText("account-name", sessionStorage.getItem(NAME_KEY) ?? "admin");
  showView();
}

function signedOut(expired) {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(NAME_KEY);
  showLogin(expired ? "Your session has ended. Please sign in again." : "");
}

byId("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  setText("login-error", "");
  const username = byId("username").value.trim();
  const password = byId("password").value;
  if (!username || !password) {
    setText("login-error", "Enter the username and the password.");
    return;
  }
  await busy(byId("sign-in"), async () => {
    try {
      const res = await api.post("/api/v1/auth/login", { username, password });
      sessionStorage.setItem(TOKEN_KEY, res.access_token);
      sessionStorage.setItem(NAME_KEY, username);
      byId("password").value = "";
      showApp();
    } catch (error) {
      setText("login-error", error.status === 401 ? "Wrong username or password." : error.message);
    }
  });
});

byId("logout").addEventListener("click", async () => {
  try {
    await api.post("/api/v1/auth/logout");
  } catch {
    // Dropped locally either way.
  }
  signedOut(false);
  byId("username").focus();
});

addEventListener("hashchange", () => {
  if (active !== null || token()) showView();
});

if (token()) showApp();
else showLogin();

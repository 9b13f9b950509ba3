/**
 * The admin console (R-UI-3): sign-in, a dashboard of dependency cards and stats,
 * users with a detail view, WhatsApp sessions with a live QR code, and the queue with its
 * dead letters. Rendered once here; `/static/admin.js` fills it from the admin API.
 */
import { Brand, Layout } from "./layout.tsx";

function HealthCard(props: { id: string; title: string }) {
  return (
    <article id={`card-${props.id}`} class="card health-card" data-status="unknown">
      <header class="health-head">
        <span class="dot" aria-hidden="true"></span>
        <h3>{props.title}</h3>
        <span id={`card-${props.id}-status`} class="badge">Checking…</span>
      </header>
      <dl id={`card-${props.id}-figures`} class="figures"></dl>
    </article>
  );
}

function Stat(props: { id: string; label: string }) {
  return (
    <div class="stat">
      <span class="stat-label">{props.label}</span>
      <span id={props.id} class="stat-value">—</span>
    </div>
  );
}

function LoginView() {
  return (
    <section id="login-view" class="login-wrap" aria-labelledby="login-title">
      <div class="card login-card">
        <h1 id="login-title">Zapa admin</h1>
        <p class="muted">Sign in with the operator account.</p>
        <form id="login-form" class="stack" novalidate>
          <div class="field">
            <label for="username">Username</label>
            <input id="username" name="username" autocomplete="username" required />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
            />
          </div>
          <p id="login-error" class="error" role="alert"></p>
          <button id="sign-in" type="submit" class="btn primary">Sign in</button>
        </form>
      </div>
    </section>
  );
}

function DashboardView() {
  return (
    <section id="view-dashboard" class="view" aria-labelledby="h-dashboard">
      <div class="view-head">
        <h1 id="h-dashboard">System</h1>
        <p id="overall" class="badge" data-status="unknown">Checking…</p>
      </div>
      <div class="health-grid">
        <HealthCard id="bridge" title="WhatsApp Bridge" />
        <HealthCard id="queue" title="Message Queue" />
        <HealthCard id="database" title="Database" />
        <HealthCard id="redis" title="Redis" />
      </div>
      <h2>Activity</h2>
      <div class="stats-grid">
        <Stat id="s-total-users" label="Users" />
        <Stat id="s-active-users" label="Active users" />
        <Stat id="s-total-messages" label="Messages" />
        <Stat id="s-messages-today" label="Messages today" />
        <Stat id="s-response" label="Avg. response (24 h)" />
        <Stat id="s-providers" label="Replies by provider (24 h)" />
      </div>
      <p id="dashboard-updated" class="footer-line" aria-live="polite">&nbsp;</p>
    </section>
  );
}

function UsersView() {
  return (
    <section id="view-users" class="view" aria-labelledby="h-users" hidden>
      <div class="view-head">
        <h1 id="h-users">Users</h1>
      </div>
      <div id="users-list-panel">
        <form id="users-filter" class="toolbar" role="search">
          <div class="field grow">
            <label for="user-search">Search by phone or name</label>
            <input id="user-search" type="search" autocomplete="off" />
          </div>
          <div class="field">
            <label for="user-status">Status</label>
            <select id="user-status">
              <option value="all">All</option>
              <option value="active">Active</option>
              <option value="inactive">Inactive</option>
            </select>
          </div>
        </form>
        <div class="table-wrap card">
          <table id="users-table" class="table">
            <thead>
              <tr>
                <th scope="col">Phone Number</th>
                <th scope="col">ID</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Messages</th>
                <th scope="col">LLM Provider</th>
                <th scope="col">Last Active</th>
                <th scope="col">View</th>
                <th scope="col">Activate/Deactivate</th>
              </tr>
            </thead>
            <tbody id="users-body"></tbody>
          </table>
          <p id="users-state" class="empty" role="status">Loading users…</p>
        </div>
        <nav class="pager" aria-label="Pages">
          <button id="users-prev" type="button" class="btn small">Previous</button>
          <span id="users-page" class="pager-label">&nbsp;</span>
          <button id="users-next" type="button" class="btn small">Next</button>
        </nav>
      </div>
      <div id="user-detail" class="detail" hidden>
        <div class="row">
          <button id="detail-back" type="button" class="btn small">← All users</button>
        </div>
        <article class="card stack">
          <div class="detail-head">
            <h2 id="detail-title">User</h2>
            <span id="detail-status" class="badge"></span>
            <button id="detail-toggle" type="button" class="btn small">Deactivate</button>
          </div>
          <dl id="detail-fields" class="figures wide"></dl>
        </article>
        <article class="card stack">
          <h3>Recent conversation</h3>
          <ol id="detail-messages" class="bubbles compact"></ol>
          <p id="detail-messages-state" class="empty" role="status"></p>
        </article>
      </div>
    </section>
  );
}

function SessionsView() {
  return (
    <section id="view-sessions" class="view" aria-labelledby="h-sessions" hidden>
      <div class="view-head">
        <h1 id="h-sessions">WhatsApp sessions</h1>
        <button id="create-session" type="button" class="btn primary">Create main session</button>
      </div>
      <div class="table-wrap card">
        <table id="sessions-table" class="table">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Status</th>
              <th scope="col">Phone Number</th>
              <th scope="col">Connected</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody id="sessions-body"></tbody>
        </table>
        <p id="sessions-state" class="empty" role="status">Loading sessions…</p>
      </div>
      <article id="qr-panel" class="card qr-panel" hidden>
        <h2>Link WhatsApp</h2>
        <p id="qr-status" class="muted" role="status">Waiting for the QR code…</p>
        <div class="qr-frame">
          <img id="qr-image" alt="QR code to link WhatsApp" width="264" height="264" hidden />
        </div>
        <p class="hint">Open WhatsApp → Linked devices → Link a device, then scan this code.</p>
      </article>
      <p id="sessions-notice" class="status-line ok" role="status"></p>
      <p id="sessions-error" class="error" role="alert"></p>
    </section>
  );
}

function QueueView() {
  return (
    <section id="view-queue" class="view" aria-labelledby="h-queue" hidden>
      <div class="view-head">
        <h1 id="h-queue">Message queue</h1>
        <div class="row wrap">
          <button id="requeue-failed" type="button" class="btn primary">Requeue failed</button>
          <button id="clear-failed" type="button" class="btn danger">Clear failed</button>
        </div>
      </div>
      <div class="stats-grid">
        <Stat id="q-queued" label="Queued" />
        <Stat id="q-processing" label="Processing" />
        <Stat id="q-failed" label="Failed" />
        <Stat id="q-total" label="Total" />
        <Stat id="q-inbound" label="Inbound: queued / processing / failed" />
        <Stat id="q-outbound" label="Outbound: queued / processing / failed" />
      </div>
      <p id="queue-status" class="status-line" role="status">&nbsp;</p>
      <h2>Dead letters</h2>
      <div class="table-wrap card">
        <table id="dead-table" class="table">
          <thead>
            <tr>
              <th scope="col">Recipient</th>
              <th scope="col">Message</th>
              <th scope="col" class="num">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Failed</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody id="dead-body"></tbody>
        </table>
        <p id="dead-state" class="empty" role="status">Loading…</p>
      </div>
    </section>
  );
}

/** One message's journey (R-ADMIN-8), opened from a message's "trace" link or by its id. */
function TraceView() {
  return (
    <section id="view-trace" class="view" aria-labelledby="h-trace" hidden>
      <div class="view-head">
        <h1 id="h-trace">Message trace</h1>
      </div>
      <form id="trace-form" class="toolbar" role="search">
        <div class="field grow">
          <label for="trace-id">WhatsApp message id</label>
          <input id="trace-id" type="search" autocomplete="off" maxlength={255} />
        </div>
        <button type="submit" class="btn primary">Trace</button>
      </form>
      <article class="card stack">
        <h2 id="trace-title">Enter a WhatsApp message id</h2>
        <dl id="trace-fields" class="figures wide"></dl>
        <ol id="trace-hops" class="trace-hops"></ol>
        <p id="trace-state" class="empty" role="status"></p>
      </article>
    </section>
  );
}

const NAV = [
  ["dashboard", "Dashboard"],
  ["users", "Users"],
  ["sessions", "Sessions"],
  ["queue", "Queue"],
] as const;

export function AdminPage() {
  return (
    <Layout title="Zapa admin" script="admin.js" bodyClass="admin">
      <header class="topbar">
        <div class="topbar-inner">
          <Brand suffix="Admin" />
          <nav id="admin-nav" class="topnav" aria-label="Console" hidden>
            {NAV.map(([id, label]) => (
              <a href={`#${id}`} class="topnav-link" data-view={id}>{label}</a>
            ))}
          </nav>
          <div id="account" class="account" hidden>
            <span id="account-name" class="account-phone"></span>
            <button id="logout" type="button" class="btn small ghost-light">Logout</button>
          </div>
        </div>
      </header>
      <main class="container">
        <LoginView />
        <div id="app-view" hidden>
          <DashboardView />
          <UsersView />
          <SessionsView />
          <QueueView />
          <TraceView />
        </div>
      </main>
    </Layout>
  );
}

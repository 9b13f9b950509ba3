/**
 * The user dashboard (R-UI-1, R-UI-2): code sign-in, messages, stats, AI settings and export.
 * The server renders the whole frame; `/static/dashboard.js` fills it from the public API.
 * Every region that receives data has its size reserved in CSS, so nothing jumps.
 */
import { Brand, Layout } from "./layout.tsx";

function Field(
  props: { id: string; label: string; hint?: string; children: unknown },
) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <p class="hint" id={`${props.id}-hint`}>{props.hint}</p> : null}
    </div>
  );
}

function LoginView(props: { systemNumber: string }) {
  return (
    <section id="login-view" class="login-wrap" aria-labelledby="login-title">
      <div class="card login-card">
        <h1 id="login-title">Sign in to Zapa</h1>
        <p class="muted">
          We send a one-time code to your WhatsApp. Your assistant lives at{" "}
          <span class="nowrap">{props.systemNumber}</span>.
        </p>
        <form id="phone-form" class="stack" novalidate>
          <Field id="phone" label="WhatsApp number" hint="International format, e.g. +14155550123">
            <input
              id="phone"
              name="phone"
              type="tel"
              autocomplete="tel"
              inputmode="tel"
              placeholder="+14155550123"
              required
              aria-describedby="phone-hint phone-error"
            />
          </Field>
          <p id="phone-error" class="error" role="alert"></p>
          <button id="send-code" type="submit" class="btn primary">Send Code</button>
        </form>
        <form id="code-form" class="stack" novalidate hidden>
          <p id="code-sent" class="notice" role="status"></p>
          <Field id="code" label="6-digit code">
            <input
              id="code"
              name="code"
              type="text"
              inputmode="numeric"
              autocomplete="one-time-code"
              maxlength={6}
              pattern="[0-9]{6}"
              required
              aria-describedby="code-error"
            />
          </Field>
          <p id="code-error" class="error" role="alert"></p>
          <div class="row wrap">
            <button id="verify" type="submit" class="btn primary">Verify</button>
            <button id="resend-code" type="button" class="btn">Resend code</button>
            <button id="change-number" type="button" class="btn ghost">Use another number</button>
          </div>
        </form>
      </div>
    </section>
  );
}

function MessagesTab() {
  return (
    <section id="tab-messages" class="tab-panel" role="tabpanel" aria-labelledby="tab-btn-messages">
      <div class="toolbar">
        <div class="field grow">
          <label for="message-search">Search messages</label>
          <input id="message-search" type="search" autocomplete="off" placeholder="Search" />
        </div>
      </div>
      <div id="message-scroll" class="chat" tabindex={0} aria-label="Conversation">
        <div class="chat-top">
          <button id="load-older" type="button" class="btn small" hidden>Load older</button>
        </div>
        <p id="messages-state" class="empty" role="status">Loading messages…</p>
        <ol id="message-list" class="bubbles"></ol>
      </div>
      <p id="message-footer" class="footer-line" aria-live="polite">&nbsp;</p>
    </section>
  );
}

function StatCard(props: { id: string; label: string }) {
  return (
    <div class="stat">
      <span class="stat-label">{props.label}</span>
      <span id={props.id} class="stat-value">—</span>
    </div>
  );
}

function StatsTab() {
  return (
    <section
      id="tab-stats"
      class="tab-panel"
      role="tabpanel"
      aria-labelledby="tab-btn-stats"
      hidden
    >
      <div class="stats-grid">
        <StatCard id="stat-total" label="Total messages" />
        <StatCard id="stat-sent" label="Sent by you" />
        <StatCard id="stat-received" label="Replies received" />
        <StatCard id="stat-average" label="Average per day" />
        <StatCard id="stat-provider" label="AI provider" />
      </div>
      <figure class="card chart-card">
        <figcaption>Messages per day, last 30 days</figcaption>
        <div
          id="chart"
          class="chart"
          role="img"
          aria-label="Messages per day over the last 30 days"
        >
        </div>
      </figure>
      <p id="stats-error" class="error" role="alert"></p>
    </section>
  );
}

function ProviderFields(props: { prefix: string; legend: string }) {
  const p = props.prefix;
  return (
    <div class="grid-2">
      <Field id={`${p}-provider`} label="Provider">
        <select id={`${p}-provider`} name="provider" required></select>
      </Field>
      <Field id={`${p}-model`} label="Model">
        <input id={`${p}-model`} name="model" list={`${p}-models`} required autocomplete="off" />
        <datalist id={`${p}-models`}></datalist>
      </Field>
      <Field id={`${p}-key`} label="API key" hint="No key saved yet.">
        <input
          id={`${p}-key`}
          name="api_key"
          type="password"
          autocomplete="off"
          maxlength={500}
          aria-describedby={`${p}-key-hint`}
        />
      </Field>
    </div>
  );
}

function SettingsTab() {
  return (
    <section
      id="tab-settings"
      class="tab-panel"
      role="tabpanel"
      aria-labelledby="tab-btn-settings"
      hidden
    >
      <form id="settings-form" class="card stack" novalidate>
        <h2>AI provider</h2>
        <p class="muted">Your assistant answers with this provider from the next message on.</p>
        <ProviderFields prefix="primary" legend="Primary provider" />
        <div class="grid-2">
          <Field id="temperature" label="Temperature" hint="0 = focused, 2 = creative">
            <input id="temperature" name="temperature" type="number" min="0" max="2" step="0.1" />
          </Field>
          <Field id="max-tokens" label="Max tokens" hint="1 – 8192">
            <input id="max-tokens" name="max_tokens" type="number" min="1" max="8192" step="1" />
          </Field>
        </div>
        <Field id="instructions" label="Custom instructions" hint="Up to 2000 characters">
          <textarea id="instructions" name="custom_instructions" rows={4} maxlength={2000}>
          </textarea>
        </Field>
        <div class="check">
          <input id="use-fallback" type="checkbox" />
          <label for="use-fallback">Use a fallback provider when the primary fails</label>
        </div>
        <fieldset id="fallback-fields" class="fallback" hidden>
          <legend>Fallback provider</legend>
          <ProviderFields prefix="fallback" legend="Fallback provider" />
        </fieldset>
        <p id="settings-status" class="status-line" role="status">&nbsp;</p>
        <p id="test-status" class="status-line" role="status"></p>
        <div class="row wrap">
          <button id="save-settings" type="submit" class="btn primary">Save</button>
          <button id="test-settings" type="button" class="btn">Test connection</button>
          <button id="delete-settings" type="button" class="btn danger">Delete</button>
        </div>
      </form>
    </section>
  );
}

function ExportTab() {
  return (
    <section
      id="tab-export"
      class="tab-panel"
      role="tabpanel"
      aria-labelledby="tab-btn-export"
      hidden
    >
      <div class="card stack">
        <h2>Export your messages</h2>
        <p class="muted">Download your whole conversation history.</p>
        <div class="row wrap">
          <button id="export-json" type="button" class="btn primary">Download JSON</button>
          <button id="export-csv" type="button" class="btn">Download CSV</button>
        </div>
        <p id="export-status" class="status-line" role="status">&nbsp;</p>
      </div>
    </section>
  );
}

const TABS = [
  ["messages", "Messages"],
  ["stats", "Stats"],
  ["settings", "AI settings"],
  ["export", "Export"],
] as const;

export function DashboardPage(props: { systemNumber: string }) {
  return (
    <Layout title="Zapa — your WhatsApp assistant" script="dashboard.js" bodyClass="dashboard">
      <header class="topbar">
        <div class="topbar-inner">
          <Brand />
          <div id="account" class="account" hidden>
            <span id="account-phone" class="account-phone"></span>
            <button id="logout" type="button" class="btn small ghost-light">Logout</button>
          </div>
        </div>
      </header>
      <main class="container">
        <LoginView systemNumber={props.systemNumber} />
        <div id="app-view" hidden>
          <nav class="tabs" role="tablist" aria-label="Dashboard sections">
            {TABS.map(([id, label], i) => (
              <button
                id={`tab-btn-${id}`}
                type="button"
                role="tab"
                class="tab"
                data-tab={id}
                aria-controls={`tab-${id}`}
                aria-selected={i === 0 ? "true" : "false"}
              >
                {label}
              </button>
            ))}
          </nav>
          <MessagesTab />
          <StatsTab />
          <SettingsTab />
          <ExportTab />
        </div>
      </main>
    </Layout>
  );
}

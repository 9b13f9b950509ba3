// Control page of the mock WhatsApp bridge (`/__mock/`): fault switches and settings posted
// to /__mock/faults, the bridge's status from /__mock/state, reset, and the live journals
// (control_journals.js). Served on the control port, which stays up while the API port is
// offline, and on the API port.
import { clearJournals, followJournals, getJson, render, setFilter } from "./control_journals.js";

const $ = (id) => document.getElementById(id);
const STATE_MS = 1000;
const SWITCHES = ["offline", "disconnect_session", "duplicate_webhooks"];
/** Bumped by every change made here: a state read started before it is stale, not shown. */
let changes = 0;

function say(text, kind) {
  const line = $("faults-status");
  line.textContent = text;
  line.dataset.kind = kind ?? "";
}

function badge(id, status, text) {
  $(id).dataset.status = status;
  $(id).textContent = text;
}

/** Switches always follow the bridge; the form's fields only when asked (not while typing). */
function showFaults(faults, { fields = false } = {}) {
  for (const name of SWITCHES) $(`fault-${name}`).checked = Boolean(faults[name]);
  if (fields) {
    $("send-fail-times").value = faults.send_fail_times ?? "";
    const status = faults.send_status === null ? "" : String(faults.send_status);
    if (![...$("send-status").options].some((o) => o.value === status)) {
      const option = document.createElement("option");
      option.value = status;
      option.textContent = status;
      $("send-status").append(option);
    }
    $("send-status").value = status;
    $("send-fail-to").value = faults.send_fail_to ? `+${faults.send_fail_to}` : "";
    $("latency-ms").value = String(faults.latency_ms ?? 0);
  }
  const active = [];
  if (faults.offline) active.push("offline");
  if (faults.disconnect_session) active.push("session disconnected");
  if (faults.duplicate_webhooks) active.push("duplicate webhooks");
  if (faults.send_fail_times !== null) {
    active.push(`next ${faults.send_fail_times} sends fail (${faults.send_status ?? 503})`);
  } else if (faults.send_status !== null) active.push(`every send fails (${faults.send_status})`);
  if (faults.send_fail_to && active.some((a) => a.includes("send"))) {
    active.push(`only to +${faults.send_fail_to}`);
  }
  if (faults.latency_ms) active.push(`latency ${faults.latency_ms} ms`);
  $("faults-summary").textContent = active.length
    ? `Active: ${active.join(" · ")}`
    : "No fault active: the bridge behaves like zapw.";
}

async function patchFaults(patch) {
  changes++;
  const faults = await getJson("/__mock/faults", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(patch),
  });
  showFaults(faults);
  return faults;
}

function showState(state) {
  const main = state.sessions.find((s) => s.id === state.settings.session_id);
  if (state.faults.offline) badge("api-status", "offline", "API port: offline (closed)");
  else badge("api-status", "online", "API port: online");
  const session = main ? main.status : "not created";
  badge(
    "session-status",
    main?.status === "connected" ? "online" : "offline",
    `Session ${state.settings.session_id}: ${session}`,
  );
  showFaults(state.faults);
  if (state.settings.control_port) {
    const link = $("control-link");
    link.href = `${location.protocol}//${location.hostname}:${state.settings.control_port}/__mock/`;
  }
}

async function stateLoop() {
  for (;;) {
    try {
      const mine = changes;
      const state = await getJson("/__mock/state");
      if (mine === changes) showState(state);
      $("offline-banner").hidden = true;
    } catch {
      // Opened on the API port, which the offline fault closes: say where to go instead.
      badge("api-status", "offline", "API port: unreachable");
      $("offline-banner").hidden = !$("control-link").getAttribute("href");
    }
    await new Promise((r) => setTimeout(r, STATE_MS));
  }
}

function optionalInt(value) {
  return value.trim() === "" ? null : Number(value);
}

function setupFaults() {
  for (const name of SWITCHES) {
    const input = $(`fault-${name}`);
    input.addEventListener("change", async () => {
      input.disabled = true;
      try {
        await patchFaults({ [name]: input.checked });
        say(`${name} ${input.checked ? "on" : "off"}.`, "ok");
      } catch (error) {
        input.checked = !input.checked;
        say(`Not changed: ${error.message}`, "fail");
      } finally {
        input.disabled = false;
      }
    });
  }
  $("faults-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const to = $("send-fail-to").value.trim();
    try {
      const faults = await patchFaults({
        send_fail_times: optionalInt($("send-fail-times").value),
        send_status: optionalInt($("send-status").value),
        send_fail_to: to === "" ? null : to,
        latency_ms: optionalInt($("latency-ms").value) ?? 0,
      });
      showFaults(faults, { fields: true });
      say("Applied.", "ok");
    } catch (error) {
      say(`Not applied: ${error.message}`, "fail");
    }
  });
  $("clear-send-faults").addEventListener("click", async () => {
    try {
      const patch = { send_fail_times: null, send_status: null, send_fail_to: null };
      showFaults(await patchFaults(patch), { fields: true });
      say("Sends succeed again.", "ok");
    } catch (error) {
      say(`Not changed: ${error.message}`, "fail");
    }
  });
}

function setupReset() {
  const button = $("reset");
  let timer;
  button.addEventListener("click", async () => {
    // Reset wipes what other clients may be reading: the first click only arms it.
    if (button.dataset.armed !== "yes") {
      button.dataset.armed = "yes";
      button.textContent = "Confirm reset";
      timer = setTimeout(() => {
        button.dataset.armed = "";
        button.textContent = "Reset bridge";
      }, 5000);
      return;
    }
    clearTimeout(timer);
    button.dataset.armed = "";
    button.textContent = "Reset bridge";
    try {
      changes++;
      const res = await getJson("/__mock/reset", { method: "POST" });
      clearJournals();
      showFaults(res.faults, { fields: true });
      say("Reset: journals and faults cleared.", "ok");
    } catch (error) {
      say(`Not reset: ${error.message}`, "fail");
    }
  });
}

async function main() {
  setupFaults();
  setupReset();
  $("journal-filter").addEventListener("input", (e) => setFilter(e.target.value));
  render();
  let seqs;
  try {
    const state = await getJson("/__mock/state");
    showState(state);
    showFaults(state.faults, { fields: true });
    seqs = state.seqs;
  } catch (error) {
    say(`Bridge unreachable: ${error.message}`, "fail");
  }
  followJournals(seqs, () => {});
  stateLoop();
}

main();

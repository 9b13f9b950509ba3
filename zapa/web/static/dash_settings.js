// AI settings tab: primary provider (key, model, temperature, max tokens, instructions),
// an optional fallback, and Save / Test connection / Delete against /api/v1/llm-config.
// The saved key is never shown: only its last four characters (key_hint), as text.
import { busy, byId, clear, el, setText } from "./common.js";
import { loadProviders, providerLabel } from "./providers.js";

/** Writes a status line; saving and testing have their own, so one never hides the other. */
function statusIn(id, text, kind) {
  const line = byId(id);
  line.textContent = text || (id === "settings-status" ? "\u00a0" : "");
  line.classList.toggle("ok", kind === "ok");
  line.classList.toggle("fail", kind === "fail");
}

const status = (text, kind) => statusIn("settings-status", text, kind);
const testStatus = (text, kind) => statusIn("test-status", text, kind);

export function createSettingsView(api) {
  let providers = [];
  let saved = { primary: null, fallback: null };
  let ready = false;
  // Set by any edit: a late answer from the server must not overwrite what the user typed.
  let dirty = false;
  let confirmTimer;

  function fillProviders(prefix) {
    const select = byId(`${prefix}-provider`);
    clear(select);
    for (const p of providers) {
      const option = el("option", { text: p.name });
      option.value = p.value;
      select.append(option);
    }
    select.addEventListener("change", () => {
      fillModels(prefix);
      const model = byId(`${prefix}-model`);
      const known = providers.flatMap((p) => p.models.map((m) => m.value));
      if (!model.value || known.includes(model.value)) {
        model.value = current(prefix)?.default_model ?? "";
      }
    });
  }

  function current(prefix) {
    return providers.find((p) => p.value === byId(`${prefix}-provider`).value);
  }

  function fillModels(prefix) {
    const list = byId(`${prefix}-models`);
    clear(list);
    for (const m of current(prefix)?.models ?? []) {
      const option = el("option", { text: m.name });
      option.value = m.value;
      list.append(option);
    }
  }

  function showConfig(prefix, config) {
    const select = byId(`${prefix}-provider`);
    select.value = config?.provider ?? providers[0]?.value ?? "";
    fillModels(prefix);
    byId(`${prefix}-model`).value = config?.model_settings?.model ??
      current(prefix)?.default_model ?? "";
    byId(`${prefix}-key`).value = "";
    const keep = prefix === "fallback"
      ? "leave empty to keep it"
      : "enter it again to save changes";
    setText(
      `${prefix}-key-hint`,
      config?.key_hint
        ? `Saved key ends in ${config.key_hint}. Stored encrypted; ${keep}.`
        : "No key saved yet.",
    );
  }

  function showSaved() {
    const p = saved.primary;
    showConfig("primary", p);
    byId("temperature").value = String(p?.model_settings?.temperature ?? 0.7);
    byId("max-tokens").value = String(p?.model_settings?.max_tokens ?? 1000);
    byId("instructions").value = p?.model_settings?.custom_instructions ?? "";
    showConfig("fallback", saved.fallback);
    byId("use-fallback").checked = Boolean(saved.fallback);
    byId("fallback-fields").hidden = !saved.fallback;
  }

  async function load() {
    try {
      if (!ready) {
        providers = await loadProviders(api);
        fillProviders("primary");
        fillProviders("fallback");
        ready = true;
      }
      saved = await api.get("/api/v1/llm-config");
      if (!dirty) showSaved();
      byId("settings-form").dataset.loaded = "true";
    } catch (error) {
      if (error.status !== 401) status(`Could not load your settings: ${error.message}`, "fail");
    }
  }

  function modelSettings(prefix) {
    const settings = { model: byId(`${prefix}-model`).value.trim() };
    if (prefix === "primary") {
      const temperature = byId("temperature").value;
      const maxTokens = byId("max-tokens").value;
      if (temperature !== "") settings.temperature = Number(temperature);
      if (maxTokens !== "") settings.max_tokens = Number(maxTokens);
      settings.custom_instructions = byId("instructions").value;
    }
    return settings;
  }

  function section(prefix) {
    return {
      provider: byId(`${prefix}-provider`).value,
      api_key: byId(`${prefix}-key`).value.trim(),
      model_settings: modelSettings(prefix),
    };
  }

  /**
   * The saved fallback, unchanged but for an empty key field: the request leaves `fallback`
   * out, which keeps it as it is (R-LLMCFG-2), so its key need not be typed again.
   */
  function keepsSavedFallback(body) {
    const f = saved.fallback;
    return Boolean(
      f && !body.api_key && body.provider === f.provider &&
        body.model_settings.model === f.model_settings?.model,
    );
  }

  /** Checks what the API would refuse, so the message is specific and inline. */
  function problem(prefix, body, name) {
    if (!body.model_settings.model) return `Choose a model for the ${name} provider.`;
    if (!body.api_key && prefix === "fallback" && saved.fallback) {
      return "Enter the fallback API key to change the fallback provider or model.";
    }
    if (!body.api_key) return `Enter the ${name} API key (it is needed again to save).`;
    if (prefix === "primary") {
      const t = body.model_settings.temperature;
      const n = body.model_settings.max_tokens;
      if (t !== undefined && !(t >= 0 && t <= 2)) return "Temperature must be between 0 and 2.";
      if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 8192)) {
        return "Max tokens must be a whole number from 1 to 8192.";
      }
    }
    return null;
  }

  async function save(event) {
    event.preventDefault();
    const body = section("primary");
    const issue = problem("primary", body, "primary");
    if (issue) return status(issue, "fail");
    if (byId("use-fallback").checked) {
      const fallback = section("fallback");
      if (!keepsSavedFallback(fallback)) {
        const fallbackIssue = problem("fallback", fallback, "fallback");
        if (fallbackIssue) return status(fallbackIssue, "fail");
        body.fallback = fallback;
      }
    } else if (saved.fallback) {
      body.fallback = null;
    }
    await busy(byId("save-settings"), async () => {
      try {
        saved = await api.post("/api/v1/llm-config", body);
        dirty = false;
        showSaved();
        status(
          `Saved. Your next message will be answered by ${
            providerLabel(providers, saved.primary?.provider)
          }.`,
          "ok",
        );
      } catch (error) {
        if (error.status !== 401) status(`Not saved: ${error.message}`, "fail");
      }
    });
  }

  /** Tests the typed key when there is one, else the saved primary; says which it was. */
  async function test() {
    const body = section("primary");
    const withKey = body.api_key !== "";
    const which = withKey
      ? "the key you typed (not saved yet)"
      : saved.primary?.key_hint
      ? `the saved key ending in ${saved.primary.key_hint}`
      : "the saved configuration";
    testStatus(`Testing ${which}…`);
    await busy(byId("test-settings"), async () => {
      try {
        const res = await api.post("/api/v1/llm-config/test", withKey ? body : undefined);
        const where = `${providerLabel(providers, res.provider)} · ${res.model}`;
        if (res.success) {
          testStatus(
            `Connection works with ${which}: ${where} answered in ${res.response_time_ms} ms.`,
            "ok",
          );
        } else {
          testStatus(
            `Connection failed with ${which} (${res.response_time_ms} ms): ${res.message}`,
            "fail",
          );
        }
      } catch (error) {
        if (error.status === 404) {
          testStatus("Nothing to test yet: enter an API key or save a configuration.", "fail");
        } else if (error.status !== 401) testStatus(`Test failed: ${error.message}`, "fail");
      }
    });
  }

  async function remove() {
    const button = byId("delete-settings");
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = "Confirm delete";
      status("Press “Confirm delete” to remove your AI settings.");
      clearTimeout(confirmTimer);
      confirmTimer = setTimeout(() => {
        button.dataset.confirm = "";
        button.textContent = "Delete";
      }, 5000);
      return;
    }
    clearTimeout(confirmTimer);
    button.dataset.confirm = "";
    button.textContent = "Delete";
    await busy(button, async () => {
      try {
        await api.del("/api/v1/llm-config");
        saved = { primary: null, fallback: null };
        dirty = false;
        showSaved();
        status("Your AI settings were deleted.", "ok");
      } catch (error) {
        if (error.status === 404) status("There are no saved settings to delete.", "fail");
        else if (error.status !== 401) status(`Not deleted: ${error.message}`, "fail");
      }
    });
  }

  byId("settings-form").addEventListener("submit", save);
  for (const type of ["input", "change"]) {
    byId("settings-form").addEventListener(type, () => {
      dirty = true;
    });
  }
  byId("test-settings").addEventListener("click", test);
  byId("delete-settings").addEventListener("click", remove);
  byId("use-fallback").addEventListener("change", (event) => {
    byId("fallback-fields").hidden = !event.target.checked;
  });

  return {
    show: load,
    hide() {},
    reset() {
      saved = { primary: null, fallback: null };
      dirty = false;
      delete byId("settings-form").dataset.loaded;
      status("");
      testStatus("");
      if (ready) showSaved();
    },
  };
}

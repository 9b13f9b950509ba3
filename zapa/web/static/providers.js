// The provider catalogue from GET /api/v1/llm-config/providers, loaded once per page.
let cached = null;

export async function loadProviders(api) {
  if (cached) return cached;
  const res = await api.get("/api/v1/llm-config/providers");
  cached = Array.isArray(res?.providers) ? res.providers : [];
  return cached;
}

/** "OpenAI" for "openai" when the catalogue knows it; the raw value otherwise. */
export function providerLabel(catalogue, value) {
  const list = Array.isArray(catalogue?.providers) ? catalogue.providers : catalogue;
  const match = Array.isArray(list) ? list.find((p) => p.value === value) : null;
  return match?.name ?? value ?? "";
}

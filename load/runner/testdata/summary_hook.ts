// A k6 script with handleSummary(): the runner must print and write what it returns.
import http from "k6/http";
import type { Options } from "k6/options";

export const options: Options = { vus: 1, iterations: 3 };

export default async function (): Promise<void> {
  await http.asyncRequest("GET", `${__ENV.TARGET}/hello?vu=${__VU}`);
}

export function handleSummary(
  data: { metrics: Record<string, { values: Record<string, number> }> },
) {
  return {
    stdout: `custom summary: ${data.metrics.iterations?.values.count} iterations\n`,
    [`${__ENV.OUT}/custom.json`]: JSON.stringify(data),
  };
}

/** Launch specs that run the fake service in place of the real Deno services (harness tests). */

import {
  DENO_SERVICE_SPECS,
  DENO_SERVICES,
  type DenoServiceName,
  type DenoServiceSpec,
} from "../services.ts";

export const FAKE_ENTRY = "lib/stack/testdata/fake_service.ts";

export function fakeSpecs(unhealthyFile = ""): Record<DenoServiceName, DenoServiceSpec> {
  const specs = {} as Record<DenoServiceName, DenoServiceSpec>;
  for (const name of DENO_SERVICES) {
    const real = DENO_SERVICE_SPECS[name];
    specs[name] = {
      ...real,
      entry: FAKE_ENTRY,
      flags: ["--allow-net=127.0.0.1", "--allow-env", "--allow-read"],
      env: (wiring) => ({
        PORT: String(wiring.ports[real.port]),
        FAKE_UNHEALTHY_FILE: unhealthyFile,
      }),
    };
  }
  return specs;
}

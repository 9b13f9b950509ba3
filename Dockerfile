# One image for every part of the Zapa test stack; compose.test.yaml builds one target per
# service. The run flags of each target are those of lib/stack/services.ts (checked by
# lib/stack/compose_test.ts).
FROM denoland/deno:debian-2.9.6 AS base
WORKDIR /app
ENV DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 RUST_BACKTRACE=0
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
ENTRYPOINT ["deno"]

FROM base AS mock-bridge
EXPOSE 3000 3099
CMD ["run", "--allow-net", "--allow-env=PORT,API_KEY,WEBHOOK_*,ENABLE_WEBHOOK,MOCK_*,NODE_ENV,ZAPA_ENV", "--allow-read=mock_bridge", "mock_bridge/main.ts"]

FROM base AS mock-llm
EXPOSE 4000
CMD ["run", "--allow-net", "--allow-env=PORT,HOST,MOCK_JOURNAL_LIMIT,MOCK_LOG_REQUESTS", "--unstable-no-legacy-abort", "mock_llm/main.ts"]

FROM base AS zapa-private
EXPOSE 8001
CMD ["run", "--allow-net", "--allow-env", "--allow-read=zapa", "--allow-sys", "zapa/private_main.ts"]

FROM base AS zapa-public
EXPOSE 8002
CMD ["run", "--allow-net", "--allow-env", "--allow-read=zapa", "--allow-sys", "zapa/public_main.ts"]

# The suites against the compose services (an external target; unit tests run on the host).
# Chromium for the browser group, wrk for load runs.
FROM base AS test-runner
RUN apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium wrk procps \
  && rm -rf /var/lib/apt/lists/*
CMD ["task", "test", "--group=integration,e2e,llm,security,perf,frontend,load,failure"]

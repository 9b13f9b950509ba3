#!/usr/bin/env bash
# Judges the upstream Zapa backend (github.com/tonylampada/zapa, Python/FastAPI) with our suites:
# boots PostgreSQL, Redis and the doubles (`deno task up --doubles-only`), the upstream backend's
# two entrypoints beside them in a virtualenv, then runs suite groups with ZAPA_STACK=external
# and prints the conformance map. Run by hand (it is not part of ./run test):
#
#   flock -o /tmp/zapa-stack.lock targets/upstream/run.sh /path/to/upstream-checkout [groups]
#
# groups: comma-separated (default security,e2e,integration,llm,conformance). Needs python3.11
# and pip. UPSTREAM_COMMIT names the commit when the checkout is not a git work tree (an archive).
# Stand-ins (targets/upstream/standins/, each says so in its first lines) are copied into a
# working copy of the checkout's backend/ — the checkout itself is not touched:
#   - app/private/main.py: upstream has the private routers but no app module mounting them;
#   - jose/: python-jose over PyJWT (python-jose is not on this machine's package index);
#   - agents/: one chat-completions call instead of the OpenAI Agents SDK (not on the index).
# Also: the schema is created from upstream's own models (SQLAlchemy create_all), and a login
# code reader (code_reader.py) reads upstream's auth_code table, because upstream sends its code
# without the bridge API key and the bridge refuses it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
checkout=$(cd "${1:?usage: $0 <upstream checkout> [groups]}" && pwd)
groups=${2:-security,e2e,integration,llm,conformance}
base=${UPSTREAM_PORT_BASE:-23100}
bridge=$base control=$((base + 1)) llm=$((base + 2)) private=$((base + 3)) public=$((base + 4))
reader=$((base + 5))
work=$here/.work
venv=${UPSTREAM_VENV:-$here/.venv}
state=.zapa/upstream
# Deno as ./run installs it, when it is not on PATH already.
[ -d "$root/.tools/deno/node_modules/.bin" ] && export PATH="$root/.tools/deno/node_modules/.bin:$PATH"
command -v deno > /dev/null || { echo "deno not found: run ./run once (it installs Deno)" >&2; exit 2; }
[ -d "$checkout/backend/app" ] || { echo "$checkout/backend/app not found: not an upstream checkout" >&2; exit 2; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  # Wait until they are gone: a survivor would hold ports (and an inherited flock) forever.
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 -- "-$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

echo "== virtualenv ($venv)"
[ -x "$venv/bin/python" ] || "${PYTHON:-python3.11}" -m venv "$venv"
"$venv/bin/pip" install -q "fastapi>=0.109" "uvicorn[standard]>=0.27" "pydantic>=2.5" \
  "pydantic-settings>=2.1" "sqlalchemy[asyncio]>=2.0.23" psycopg2-binary asyncpg "httpx>=0.26" \
  cryptography "passlib[bcrypt]" python-multipart python-dotenv psutil "redis>=5" pyjwt openai

echo "== working copy of $checkout/backend with the stand-ins"
rm -rf "$work/backend"
mkdir -p "$work"
cp -r "$checkout/backend" "$work/backend"
cp -r "$here/standins/." "$work/backend/"
echo "${UPSTREAM_COMMIT:-$(cd "$checkout" && git rev-parse --short HEAD 2>/dev/null || echo unknown)}" \
  > "$work/commit"

echo "== the doubles, PostgreSQL and Redis (no Zapa of ours)"
cd "$root"
mkdir -p "$state"
rm -f "$state/doubles.json"
ZAPA_STACK_FILE=$state/stack.json ZAPA_BRIDGE_PORT=$bridge ZAPA_BRIDGE_CONTROL_PORT=$control \
  ZAPA_LLM_PORT=$llm ZAPA_PRIVATE_PORT=$private ZAPA_PUBLIC_PORT=$public \
  setsid deno task up --doubles-only > "$work/doubles.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do [ -s "$state/doubles.json" ] && break; sleep 0.5; done
[ -s "$state/doubles.json" ] || { cat "$work/doubles.log"; exit 1; }
field() { "$venv/bin/python" -c "import json,sys; print(json.load(open('$state/doubles.json'))$1)"; }
pg=$(field "['database_url']")
redis=$(field "['redis_url']")
api_key=$(field "['bridge_api_key']")

echo "== upstream's schema from its own models"
db=${pg/postgres:\/\//postgresql+psycopg2:\/\/}
(cd "$work/backend" && DATABASE_URL=$db "$venv/bin/python" -c \
  "import app.models; from app.models import Base; from sqlalchemy import create_engine; \
Base.metadata.create_all(create_engine('$db'))")

echo "== upstream private :$private and public :$public"
export DATABASE_URL=$db REDIS_URL=$redis ENVIRONMENT=test
export WHATSAPP_API_URL=http://127.0.0.1:$bridge WHATSAPP_BRIDGE_URL=http://127.0.0.1:$bridge
export WHATSAPP_SYSTEM_NUMBER=+1234567890 OPENAI_BASE_URL=http://127.0.0.1:$llm/v1
export SECRET_KEY=$(head -c 32 /dev/urandom | base64) ADMIN_TOKEN_SECRET=$(head -c 48 /dev/urandom | base64)
export ENCRYPTION_KEY=$(head -c 32 /dev/urandom | base64)
for entry in "private $private" "public $public"; do
  set -- $entry
  # `exec setsid`: the background process is its own process-group leader, so cleanup's
  # `kill -- -pid` reaches it and everything it starts (and none keeps the caller's lock file).
  (cd "$work/backend" && exec setsid "$venv/bin/python" -m uvicorn "app.$1.main:app" \
    --host 127.0.0.1 --port "$2" > "$work/$1.log" 2>&1) &
  pids+=($!)
done
(DATABASE_URL=${pg/postgres:\/\//postgresql:\/\/} exec setsid "$venv/bin/python" \
  "$here/code_reader.py" "$reader" > "$work/reader.log" 2>&1) &
pids+=($!)
for port in $private $public; do
  for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$port/health" > /dev/null || { tail -n 40 "$work"/*.log; exit 1; }
done

echo "== the bridge's webhook to upstream's path"
# Upstream checks no webhook secret; the bridge sends one anyway and the suites know it, so the
# webhook tests run and the secret checks judge upstream (rather than being ignored).
hook_secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
curl -sf -X POST "http://127.0.0.1:$control/__mock/webhook" \
  -d "{\"url\":\"http://127.0.0.1:$private/api/v1/webhooks/whatsapp\",\"secret\":\"$hook_secret\"}"
echo

echo "== suites: $groups"
# Upstream's own values, none of ours assumed: its hard-coded development admin, the system
# number and JWT secrets it was given above, the bridge's only session; codes from the reader.
status=0
ZAPA_STACK=external ZAPA_REPORTS_DIR=reports/upstream \
  ZAPA_PUBLIC_URL=http://127.0.0.1:$public ZAPA_PRIVATE_URL=http://127.0.0.1:$private \
  ZAPA_BRIDGE_URL=http://127.0.0.1:$bridge ZAPA_BRIDGE_CONTROL_URL=http://127.0.0.1:$control \
  ZAPA_LLM_URL=http://127.0.0.1:$llm ZAPA_BRIDGE_API_KEY=$api_key ZAPA_WEBHOOK_SECRET=$hook_secret \
  ZAPA_JWT_SECRET=$SECRET_KEY ZAPA_ADMIN_JWT_SECRET=$ADMIN_TOKEN_SECRET \
  ZAPA_ADMIN_USERNAME=admin ZAPA_ADMIN_PASSWORD=admin123 \
  ZAPA_SYSTEM_NUMBER=+1234567890 ZAPA_SESSION_ID=main \
  ZAPA_LOGIN_CODE_FROM="http://127.0.0.1:$reader/code?phone={phone}" \
  ZAPA_TARGET_NAME="upstream tonylampada/zapa@$(cat "$work/commit")" \
  deno task test --group="$groups" --target-report || status=$?
echo "upstream logs: $work/*.log; map: reports/upstream/conformance-map.json"
exit $status

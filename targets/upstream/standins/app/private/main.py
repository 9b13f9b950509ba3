"""STAND-IN for the private app module the upstream backend does not have (app/private/ holds
only its routers at this commit).

It mounts upstream's own routers — admin auth, admin users / system / LLM config, integration,
and the bridge webhook — under /api/v1, as upstream's public app mounts its routers, plus
GET /health. No behaviour of its own. Not part of upstream; used only by targets/upstream/run.sh.
"""

from fastapi import FastAPI

from app.private.api.v1 import auth, webhooks
from app.private.api.v1.admin import integration, llm_config, system, users

app = FastAPI(title="Zapa Private API (upstream routers, stand-in app)")
for module in (auth, webhooks, users, system, llm_config):
    app.include_router(module.router, prefix="/api/v1")
app.include_router(integration.router, prefix="/api/v1/admin/integration")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "healthy", "service": "zapa-private"}

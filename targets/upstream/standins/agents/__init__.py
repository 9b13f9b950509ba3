"""STAND-IN for the OpenAI Agents SDK (`openai-agents`), which this machine's package index does
not carry.

Minimal on purpose: `Runner.run` makes ONE chat-completions call (the agent's instructions as the
system message, the user's text) through the official `openai` client at the provider's base URL,
and returns its text as `result.data`. Tools are accepted and NOT offered to the model, so tool
rounds cannot happen. Not part of upstream; used only by targets/upstream/run.sh.
"""

import os
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from openai import AsyncOpenAI

T = TypeVar("T")


def function_tool(fn):
    return fn


class RunContextWrapper(Generic[T]):
    def __init__(self, context: T):
        self.context = context


@dataclass
class ModelSettings:
    temperature: float | None = None


@dataclass
class OpenAIProvider:
    api_key: str | None = None
    base_url: str | None = None


@dataclass
class RunConfig:
    model_provider: OpenAIProvider | None = None


@dataclass
class Agent:
    name: str
    instructions: str
    model: str = "gpt-4o-mini"
    model_settings: ModelSettings = field(default_factory=ModelSettings)
    tools: list[Any] = field(default_factory=list)


@dataclass
class RunResult:
    data: str


class Runner:
    @staticmethod
    async def run(agent: Agent, message: str, context=None, run_config=None) -> RunResult:
        provider = (run_config.model_provider if run_config else None) or OpenAIProvider()
        client = AsyncOpenAI(
            api_key=provider.api_key or os.environ.get("OPENAI_API_KEY", "none"),
            base_url=provider.base_url or os.environ.get("OPENAI_BASE_URL"),
        )
        answer = await client.chat.completions.create(
            model=agent.model,
            temperature=agent.model_settings.temperature,
            messages=[
                {"role": "system", "content": agent.instructions},
                {"role": "user", "content": message},
            ],
        )
        return RunResult(data=answer.choices[0].message.content or "")

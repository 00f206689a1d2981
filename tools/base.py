"""The tool contract: a typed function (pydantic in -> pydantic out) whose docstring is
its description. A refusal or error goes back to the caller as a typed `Failed`, never
up the stack, so an agent can explain it and the API can turn it into a clear 4xx."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Literal, TypeVar

from pydantic import BaseModel

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)


class Failed(BaseModel):
    ok: Literal[False] = False
    error: str
    code: str = "refused"  # refused | not_found | forbidden | invalid | unavailable


class Success(BaseModel, Generic[Out]):
    ok: Literal[True] = True
    result: Any


@dataclass
class ToolContext:
    """Who is calling and with which dependencies.

    `acting_user_id` is the authenticated customer a write or lookup acts for; None for
    store staff (operator/admin/scheduler), who may act on any customer's order.
    """

    deps: Any
    role: str = "operator"
    acting_user_id: str | None = None
    audit: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Tool(Generic[In, Out]):
    name: str
    fn: Callable[[ToolContext, Any], Any]
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    write: bool = False
    agents: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return inspect.getdoc(self.fn) or self.name

    def schema(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "write": self.write,
            "agents": list(self.agents),
            "input_schema": self.input_model.model_json_schema(),
            "output_schema": self.output_model.model_json_schema(),
        }


class ToolFailure(Exception):
    """Raised inside a tool body to return a typed Failed with a code."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


def tool(name: str, input_model: type[BaseModel], output_model: type[BaseModel], *,
         write: bool = False, agents: tuple[str, ...] = ()) -> Callable[[Callable], Tool]:
    def wrap(fn: Callable) -> Tool:
        return Tool(name=name, fn=fn, input_model=input_model, output_model=output_model,
                    write=write, agents=agents)
    return wrap


def trained_model(ctx: ToolContext, name: str) -> Any:
    """The trained model `name` (ml.trained); a missing one is the tool's `unavailable`
    failure (HTTP 503) that names the command building it."""
    import ml

    try:
        return ml.trained(ctx.deps, name)
    except ml.NotTrained as e:
        raise ToolFailure(str(e), "unavailable") from None

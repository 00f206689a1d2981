"""The one tool registry. Every tool an agent or the API can call is listed here."""
from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError

from store import ActionRefused
from tools.base import Failed, Success, Tool, ToolContext, ToolFailure
from tools.store_tools import STORE_TOOLS

REGISTRY: dict[str, Tool] = {t.name: t for t in STORE_TOOLS}
# the store's refusal codes -> the tool layer's (which api/ maps to HTTP statuses)
REFUSAL_CODES = {"not_found": "not_found", "not_owner": "forbidden", "bad_argument": "invalid"}


def get_tool(name: str) -> Tool | None:
    return REGISTRY.get(name)


def call_tool(name: str, ctx: ToolContext, args: dict[str, Any]) -> Success | Failed:
    """Validate args, run the tool, and return Success or a typed Failed (never raises
    for bad input or refusals). Every call is appended to ctx.audit."""
    started = time.perf_counter()
    tool = REGISTRY.get(name)
    if tool is None:
        outcome: Success | Failed = Failed(error=f"Unknown tool '{name}'.", code="not_found")
    else:
        try:
            parsed = tool.input_model.model_validate(args)
            outcome = Success(result=tool.fn(ctx, parsed).model_dump())
        except ValidationError as e:
            outcome = Failed(error=_validation_message(e), code="invalid")
        except ToolFailure as e:
            outcome = Failed(error=e.message, code=e.code)
        except ActionRefused as e:
            outcome = Failed(error=str(e), code=REFUSAL_CODES.get(getattr(e, "code", ""), "refused"))
    ctx.audit.append({"tool": name, "args": args, "ok": outcome.ok,
                      "result": outcome.result if outcome.ok else {"error": outcome.error, "code": outcome.code},
                      "ms": round((time.perf_counter() - started) * 1000, 2)})
    return outcome


def _validation_message(e: ValidationError) -> str:
    parts = [f"{'.'.join(str(x) for x in err['loc']) or 'input'}: {err['msg']}" for err in e.errors()[:5]]
    return "Invalid input: " + "; ".join(parts)


__all__ = ["REGISTRY", "call_tool", "get_tool", "Tool", "ToolContext", "Success", "Failed"]

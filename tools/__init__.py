"""The one tool registry. Every tool an agent or the API can call is listed here."""
from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError

from chuhai.logs import get_logger
from store import ActionRefused
from tools.base import Failed, Success, Tool, ToolContext, ToolFailure
from tools.chargeback_tools import CHARGEBACK_TOOLS
from tools.compliance_tools import COMPLIANCE_TOOLS
from tools.copy_tools import COPY_TOOLS
from tools.kb_tools import KB_TOOLS
from tools.ml_tools import ML_TOOLS
from tools.store_tools import STORE_TOOLS
from tools.selection_tools import SELECTION_TOOLS
from tools.pricing_tools import PRICING_TOOLS
from tools.text_ml_tools import TEXT_ML_TOOLS

REGISTRY: dict[str, Tool] = {t.name: t for t in (*STORE_TOOLS, *KB_TOOLS, *TEXT_ML_TOOLS, *ML_TOOLS, *CHARGEBACK_TOOLS, *COMPLIANCE_TOOLS,
                                                *COPY_TOOLS)}
REGISTRY.update({t.name: t for t in SELECTION_TOOLS})
REGISTRY.update({t.name: t for t in PRICING_TOOLS})
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
    _audit_log(ctx, name, args, outcome)
    return outcome


def _audit_log(ctx: ToolContext, name: str, args: dict[str, Any], outcome: Success | Failed) -> None:
    """One row in the store's append-only audit log (store/audit.py: pseudonyms, no
    arguments). Deps without a store audit log (unit-test fakes) skip it; a failed write
    is logged loudly and does not undo or hide the call's result."""
    audit = getattr(getattr(ctx.deps, "store", None), "audit", None)
    if audit is None:
        return
    try:
        audit.record_tool_call(ctx.role, name, acting_user_id=ctx.acting_user_id, args=args,
                               result=outcome.result if outcome.ok else None,
                               outcome="ok" if outcome.ok else outcome.code)
    except Exception as e:  # noqa: BLE001 - the audit must never turn a done call into a crash
        get_logger("chuhai.audit").error("audit_write_failed", tool=name, error=repr(e)[:300])


def _validation_message(e: ValidationError) -> str:
    parts = [f"{'.'.join(str(x) for x in err['loc']) or 'input'}: {err['msg']}" for err in e.errors()[:5]]
    return "Invalid input: " + "; ".join(parts)


__all__ = ["REGISTRY", "call_tool", "get_tool", "Tool", "ToolContext", "Success", "Failed"]

"""Store export and reset (admin)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.auth import require, role_for

router = APIRouter(prefix="/v1/store", tags=["store"])


@router.get("/export")
def export(request: Request, role: str = Depends(role_for)) -> dict:
    require(role, "admin")
    store = request.app.state.deps.store
    out = store.export()
    store.audit.record(role, "store.export")  # every customer's data left: store/audit.py
    return out


@router.post("/reset")
def reset(request: Request, role: str = Depends(role_for)) -> dict:
    require(role, "admin")
    deps = request.app.state.deps
    counts = deps.store.reset(deps.settings.shared_data_dir / "retail")
    deps.store.audit.record(role, "store.reset")
    return {"reset": True, "counts": counts}

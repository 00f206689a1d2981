"""API keys and roles: admin, operator, scheduler, customer:<user_id>.

Keys come from CHUHAI_API_KEYS (JSON {"key": "role"}). With none set, the first start
creates an admin key in CHUHAI_DATA_DIR/api_keys.json (mode 0600) so the service works
on embedded defaults without leaving the API open.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from pathlib import Path

from fastapi import Request

from api.errors import APIError

ROLE_RE = re.compile(r"^(admin|operator|scheduler|customer:[A-Za-z0-9_.-]+)$")


def load_keys(settings) -> dict[str, str]:
    keys = dict(settings.api_keys)
    if not keys:
        path = Path(settings.state_dir) / "api_keys.json"
        if not path.exists():
            path.write_text(json.dumps({"ck_admin_" + secrets.token_urlsafe(24): "admin"}, indent=2))
            os.chmod(path, 0o600)
        keys = json.loads(path.read_text())
    bad = [r for r in keys.values() if not ROLE_RE.match(r)]
    if bad:
        raise ValueError(f"CHUHAI_API_KEYS has invalid roles {bad}; use admin, operator, scheduler or "
                         "customer:<user_id>.")
    return keys


async def role_for(request: Request) -> str:
    """The caller's role. Async on purpose: FastAPI runs a sync dependency on its thread
    pool, a thread hand-off per request for a dictionary lookup."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise APIError(401, "unauthorized", "Missing API key: send 'Authorization: Bearer <key>'.")
    role = request.app.state.api_keys.get(key_digest(header[7:].strip()))
    if role is None:
        raise APIError(401, "unauthorized", "Unknown API key.")
    return role


def key_digest(key: str) -> str:
    """Keys are looked up by their SHA-256: one dict lookup whatever the number of keys
    (one per customer is normal), and no timing signal from comparing the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


def index_keys(keys: dict[str, str]) -> dict[str, str]:
    return {key_digest(k): role for k, role in keys.items()}


def require(role: str, *allowed: str) -> None:
    kind = "customer" if role.startswith("customer:") else role
    if kind not in allowed:
        raise APIError(403, "forbidden", f"The '{kind}' role cannot do this; it needs one of: {', '.join(allowed)}.")

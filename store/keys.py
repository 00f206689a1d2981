"""Where the store's keys come from, and the key file of the embedded default.

Three keys, each 32 random bytes written in base64:
- ``CHUHAI_STORE_KEY``: AES-256-GCM key of the personal columns (rotates; the retired ones
  go to ``CHUHAI_STORE_OLD_KEYS`` until ``chuhai store rotate-key`` has re-sealed everything);
- ``CHUHAI_STORE_INDEX_KEY``: HMAC key of the blind indexes (e-mail, name + zip look-ups);
- ``CHUHAI_PSEUDONYM_KEY``: HMAC key of the pseudonyms (audit log, analytics exports).

A key not set in the settings comes from ``CHUHAI_DATA_DIR/store_keys.json`` (mode 0600),
generated on first use, which keeps the embedded default working with nothing to set. A
store that is not embedded SQLite (Postgres, shared by several machines) refuses to fall
back to a file: every process must use the same keys, so they must be set.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from .crypto import KEY_BYTES, Keyring, key_id

KEY_FILE = "store_keys.json"
FIELDS = {"store_key": "CHUHAI_STORE_KEY", "store_index_key": "CHUHAI_STORE_INDEX_KEY",
          "pseudonym_key": "CHUHAI_PSEUDONYM_KEY"}
RETIRED = "retired_store_keys"
NEW_KEY_HINT = "python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())'"


class KeyConfigError(ValueError):
    """Keys missing or malformed; the message names the setting and the fix."""


def new_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def decode_key(text: str, name: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"{name} is not base64; make one with: {NEW_KEY_HINT}") from None
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"{name} is {len(raw)} bytes, not {KEY_BYTES}; make one with: {NEW_KEY_HINT}")
    return raw


def key_file(settings) -> Path:
    return Path(settings.state_dir) / KEY_FILE


def _secret(value) -> str | None:
    if value is None:
        return None
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def uses_key_file(settings) -> bool:
    return any(_secret(getattr(settings, f, None)) is None for f in FIELDS)


def load_keyring(settings, store_url: str | None = None) -> Keyring:
    """The keyring for a store at store_url (default: the settings' store)."""
    url = store_url or settings.store_db_url
    configured = {f: _secret(getattr(settings, f, None)) for f in FIELDS}
    file_keys: dict = {}
    if any(v is None for v in configured.values()):
        if make_url(url).get_backend_name() != "sqlite":
            unset = ", ".join(FIELDS[f] for f, v in configured.items() if v is None)
            raise KeyConfigError(f"{unset} must be set for a store that is not embedded SQLite "
                                 f"({make_url(url).render_as_string(hide_password=True)}): every process "
                                 f"needs the same keys. Make each with: {NEW_KEY_HINT}")
        file_keys = read_or_create_key_file(key_file(settings))

    def pick(field: str) -> bytes:
        if configured[field] is not None:
            return decode_key(configured[field], FIELDS[field])
        return decode_key(file_keys[field], f"{field} in {key_file(settings)}")

    old = [decode_key(_secret(k), "CHUHAI_STORE_OLD_KEYS entry") for k in getattr(settings, "store_old_keys", [])]
    old += [decode_key(k, f"{RETIRED} in {key_file(settings)}") for k in file_keys.get(RETIRED, [])]
    return Keyring(pick("store_key"), pick("store_index_key"), pick("pseudonym_key"), old)


def _write_private(path: Path, data: dict) -> Path:
    """Write data to a new 0600 file beside path; returns the temporary file's path."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def read_or_create_key_file(path: Path) -> dict:
    """The key file's keys; the first caller creates it (several processes may race: the
    file appears whole, by a hard link, and the losers read the winner's)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _write_private(path, {**{f: new_key() for f in FIELDS}, RETIRED: []})
        try:
            os.link(tmp, path)
            from chuhai.logs import get_logger

            get_logger("chuhai.store").warning(
                "store_keys_generated", path=str(path),
                note="no CHUHAI_STORE_KEY/CHUHAI_STORE_INDEX_KEY/CHUHAI_PSEUDONYM_KEY set: generated once into "
                     "this 0600 file; back it up apart from the data (without it the store cannot be read)")
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    data = json.loads(path.read_text(encoding="utf-8"))
    missing = [f for f in FIELDS if f not in data]
    if missing:
        raise KeyConfigError(f"{path} lacks {', '.join(missing)}")
    return data


def rotate_file_key(settings) -> tuple[str, str]:
    """Key-file mode: a new current data key, the old one retired (still readable).
    Returns (new key id, retired key id)."""
    if _secret(getattr(settings, "store_key", None)) is not None:
        raise KeyConfigError("CHUHAI_STORE_KEY is set, so the data key is not in the key file: put the new key "
                             "in CHUHAI_STORE_KEY and the old one in CHUHAI_STORE_OLD_KEYS (docs/DATA_SECURITY.md)")
    path = key_file(settings)
    data = read_or_create_key_file(path)
    old = data["store_key"]
    data[RETIRED] = [*data.get(RETIRED, []), old]
    data["store_key"] = new_key()
    os.replace(_write_private(path, data), path)
    return key_id(decode_key(data["store_key"], "store_key")), key_id(decode_key(old, "store_key"))


def drop_retired_file_keys(settings, still_used: set[str]) -> list[str]:
    """Remove retired keys from the key file unless a stored value still uses them;
    returns the ids dropped."""
    path = key_file(settings)
    data = read_or_create_key_file(path)
    keep, dropped = [], []
    for k in data.get(RETIRED, []):
        kid = key_id(decode_key(k, RETIRED))
        (keep if kid in still_used else dropped).append(k if kid in still_used else kid)
    if dropped:
        data[RETIRED] = keep
        os.replace(_write_private(path, data), path)
    return dropped

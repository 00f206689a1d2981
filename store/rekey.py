"""Re-sealing the encrypted columns: key rotation, and the one-time migration of a store
written before encryption.

``reencrypt`` reads every sealed value as stored (no decryption on the way out of SQL),
opens the ones not under the current key with whichever configured key sealed them,
seals them again with the current key, and recomputes the users' blind indexes (so a new
index key takes effect too). Values already under the current key are left alone, so a
run that was interrupted can simply be run again. Each table is one write transaction:
writers wait for it (a few hundred ms for the seed store), readers do not (WAL).
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import Table, bindparam, inspect, select, update
from sqlalchemy.sql import type_coerce
from sqlalchemy.types import Text

from .crypto import Encrypted, Keyring, is_sealed, sealed_key_id
from .models import Base, User

BLIND_INDEX_COLUMNS = ("email_bidx", "name_zip_bidx")


def encrypted_columns() -> dict[Table, list]:
    out: dict[Table, list] = {}
    for table in Base.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, Encrypted)]
        if cols:
            out[table] = cols
    return out


def needs_migration(conn) -> bool:
    """True for a store created before encryption (a users table without blind indexes)."""
    insp = inspect(conn)
    if not insp.has_table(User.__tablename__):
        return False
    return "email_bidx" not in {c["name"] for c in insp.get_columns(User.__tablename__)}


def add_index_columns(conn) -> None:
    for name in BLIND_INDEX_COLUMNS:
        conn.exec_driver_sql(f"ALTER TABLE users ADD COLUMN {name} VARCHAR(64)")
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_users_{name} ON users ({name})")


def key_usage(tx) -> Counter:
    """How many stored values each key id sealed ("plaintext" for unsealed ones)."""
    usage: Counter = Counter()
    with tx() as conn:
        for table, cols in encrypted_columns().items():
            for row in conn.execute(select(*(type_coerce(c, Text()) for c in cols))):
                for v in row:
                    if v is not None:
                        usage[sealed_key_id(v) or "plaintext"] += 1
    return usage


def reencrypt(tx, keyring: Keyring, *, legacy_plaintext: bool = False) -> dict[str, int]:
    """Re-seal under the current key; returns rows rewritten per table and blind indexes
    updated. ``legacy_plaintext`` accepts unsealed values (the pre-encryption migration);
    otherwise an unsealed value is an error (DecryptionError names the column)."""
    counts: dict[str, int] = {}
    for table, cols in encrypted_columns().items():
        with tx(write=True) as conn:
            counts[table.name] = _reseal_table(conn, table, cols, keyring, legacy_plaintext)
    with tx(write=True) as conn:
        counts["blind_indexes"] = refresh_blind_indexes(conn, keyring)
    return counts


def _reseal_table(conn, table: Table, cols: list, keyring: Keyring, legacy: bool) -> int:
    pk = list(table.primary_key.columns)
    raw = [type_coerce(c, Text()).label(f"raw_{c.name}") for c in cols]
    updates = []
    for row in conn.execute(select(*pk, *raw)):
        values = row[len(pk):]
        if all(v is None or sealed_key_id(v) == keyring.current for v in values):
            continue
        plain = {f"v_{c.name}": _plain(v, c.type.label, keyring, legacy) for c, v in zip(cols, values)}
        updates.append({**{f"k_{c.name}": row[i] for i, c in enumerate(pk)}, **plain})
    if updates:
        stmt = update(table).where(*(c == bindparam(f"k_{c.name}") for c in pk)) \
            .values({c.name: bindparam(f"v_{c.name}", type_=c.type) for c in cols})
        conn.execute(stmt, updates)
    return len(updates)


def _plain(value: str | None, label: str, keyring: Keyring, legacy: bool) -> str | None:
    if value is None or (legacy and not is_sealed(value)):
        return value
    return keyring.open(value, label)


def refresh_blind_indexes(conn, keyring: Keyring, user_ids: list[str] | None = None) -> int:
    """Recompute the users' blind indexes (all users, or those given); returns how many changed."""
    stmt = select(User.id, User.first_name, User.last_name, User.email, User.zip, User.email_bidx,
                  User.name_zip_bidx)
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(user_ids))
    changed = []
    for uid, first, last, email, zip_code, e_idx, nz_idx in conn.execute(stmt):
        new = (keyring.email_index(email), keyring.name_zip_index(first, last, zip_code))
        if new != (e_idx, nz_idx):
            changed.append({"k_id": uid, "v_e": new[0], "v_nz": new[1]})
    if changed:
        conn.execute(update(User).where(User.id == bindparam("k_id"))
                     .values(email_bidx=bindparam("v_e"), name_zip_bidx=bindparam("v_nz")), changed)
    return len(changed)

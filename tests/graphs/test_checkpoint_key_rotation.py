"""What docs/DATA_SECURITY.md says about checkpoints and key rotation, checked on the real
SqliteSaver with the store's keyring: sealed at rest under the current key, still read
after a rotation while the old key is configured, unreadable without it, and invisible
to the store's own key usage count (what `chuhai store drop-old-keys` goes by)."""
from __future__ import annotations

import os
import sqlite3

import pytest
from langgraph.checkpoint.base import empty_checkpoint

from graphs.supervisor import sqlite_checkpointer
from store.crypto import DecryptionError, Keyring

SECRET = "omar.johnson6791@example.com, 12 Elm Street"


def keyring(data_key: bytes, old=()) -> Keyring:
    return Keyring(data_key, b"i" * 32, b"p" * 32, old)


def save(path, ring, thread_id: str) -> None:
    saver = sqlite_checkpointer(path, ring)
    cp = empty_checkpoint()
    cp["channel_values"] = {"transcript": [{"role": "user", "content": SECRET}]}
    saver.put({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}, cp, {"source": "input", "step": 0}, {})
    saver.conn.close()


def load(path, ring, thread_id: str) -> dict:
    saver = sqlite_checkpointer(path, ring)
    try:
        return saver.get_tuple({"configurable": {"thread_id": thread_id}}).checkpoint["channel_values"]
    finally:
        saver.conn.close()


def test_checkpoints_follow_the_data_keys(tmp_path):
    path = tmp_path / "checkpoints.db"
    old_key, new_key = os.urandom(32), os.urandom(32)
    old_ring = keyring(old_key)
    save(path, old_ring, "t_before")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT type FROM checkpoints").fetchall() == [(f"msgpack+aesgcm-{old_ring.current}",)]
        assert db.execute("SELECT metadata FROM checkpoints").fetchone()[0].startswith(b'{"source"')
    wal = path.with_name(path.name + "-wal")
    assert b"omar.johnson6791" not in path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    rotated = keyring(new_key, [old_key])  # new current key, the old one retired but configured
    assert load(path, rotated, "t_before")["transcript"][0]["content"] == SECRET
    save(path, rotated, "t_after")
    with sqlite3.connect(path) as db:
        types = dict(db.execute("SELECT thread_id, type FROM checkpoints").fetchall())
    assert types == {"t_before": f"msgpack+aesgcm-{old_ring.current}", "t_after": f"msgpack+aesgcm-{rotated.current}"}

    dropped = keyring(new_key)  # the old key forgotten: the earlier thread no longer opens
    assert load(path, dropped, "t_after")["transcript"][0]["content"] == SECRET
    with pytest.raises(DecryptionError, match="not configured"):
        load(path, dropped, "t_before")


def test_drop_old_keys_goes_by_the_store_alone(tmp_path, shared_data):
    """The hazard the document warns of: after a key-file rotation and a re-seal of the
    store, `drop-old-keys` finds the old key unused and drops it; the checkpoint sealed
    with it then no longer opens."""
    from chuhai.settings import Settings
    from store import Store
    from store.keys import drop_retired_file_keys, load_keyring, rotate_file_key

    settings = Settings(data_dir=tmp_path / "var", shared_data_dir=shared_data)
    first = load_keyring(settings)  # the embedded default: generated into the key file
    Store(settings.store_db_url, keyring=first).reset(shared_data / "retail")
    save(settings.checkpoint_path, first, "t_1")

    rotate_file_key(settings)
    rotated = load_keyring(settings)
    store = Store(settings.store_db_url, keyring=rotated)
    store.reencrypt()
    assert set(store.key_usage()) == {rotated.current}
    assert load(settings.checkpoint_path, rotated, "t_1")["transcript"]  # retired, still read

    assert drop_retired_file_keys(settings, set(store.key_usage())) == [first.current]
    with pytest.raises(DecryptionError, match="not configured"):
        load(settings.checkpoint_path, load_keyring(settings), "t_1")
    store.close()

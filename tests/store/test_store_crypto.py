"""Encryption at rest of the store's personal columns: nothing readable in the SQLite
file, the export unchanged, look-ups by blind index, key rotation, wrong keys and
altered values refused, the pre-encryption migration, and where keys come from."""
from __future__ import annotations

import base64
import json
import os
import sqlite3
import stat

import pytest
from sqlalchemy import select

from chuhai.settings import Settings
from store import ActionRefused, Store
from store.crypto import DecryptionError, Keyring, key_id
from store.keys import KEY_FILE, KeyConfigError, load_keyring
from store.models import User
from store.pseudonyms import Pseudonymizer, pseudonymized_export
from store.rekey import encrypted_columns

OMAR = "omar_johnson_2562"


def ring(seed: int, old: tuple[int, ...] = ()) -> Keyring:
    k = lambda n: bytes([n]) * 32  # noqa: E731
    return Keyring(k(seed), k(200), k(201), [k(o) for o in old])


def raw_bytes(db_path) -> bytes:
    return b"".join(p.read_bytes() for p in (db_path, db_path.with_name(db_path.name + "-wal")) if p.exists())


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store.db"


@pytest.fixture
def seeded(db, retail_dir):
    st = Store(f"sqlite:///{db}", keyring=ring(1))
    st.reset(retail_dir)
    yield st
    st.close()


def test_sqlite_file_holds_no_personal_value_in_clear(seeded, db, seed_data):
    seeded.transfer_to_human_agents("Customer omar.johnson6791@example.com wants a call back", user_id=OMAR)
    raw = raw_bytes(db)
    users = list(seed_data["users"].values())
    assert len(users) == 500
    for u in users[:50]:
        for value in (u["email"], u["address"]["address1"], u["name"]["last_name"] + "\x00"):
            assert value.encode() not in raw
        assert f"{u['address']['address1']}".encode() not in raw
    assert b"omar.johnson6791@example.com" not in raw and b"wants a call back" not in raw
    # what is there instead: sealed values naming the key
    con = sqlite3.connect(db)
    email, addr = con.execute("SELECT email, address1 FROM users WHERE id = ?", (OMAR,)).fetchone()
    con.close()
    assert email.startswith(f"enc1:{key_id(bytes([1]) * 32)}:") and addr.startswith("enc1:")


def test_export_and_reads_unchanged(seeded, seed_data):
    assert seeded.export() == seed_data
    assert seeded.get_user_details(OMAR) == seed_data["users"][OMAR]
    assert seeded.get_order_details("#W2809253") == seed_data["orders"]["#W2809253"]


def test_lookups_go_through_blind_indexes(seeded):
    assert seeded.find_user_id_by_email("  Omar.Johnson6791@EXAMPLE.com ") == OMAR
    assert seeded.find_user_id_by_name_zip("omar", "JOHNSON", " 32228") == OMAR
    with pytest.raises(ActionRefused):
        seeded.find_user_id_by_name_zip("Omar", "Johnson", "32229")
    # a new address moves the name + zip index with it
    seeded.modify_user_address(OMAR, "1 Main St", "", "Boston", "MA", "USA", "02134")
    assert seeded.find_user_id_by_name_zip("Omar", "Johnson", "02134") == OMAR
    with pytest.raises(ActionRefused):
        seeded.find_user_id_by_name_zip("Omar", "Johnson", "32228")
    # a dry run of the same write leaves the index where it was
    assert seeded.check_action("modify_user_address", {"user_id": OMAR, "address1": "2 Main St", "address2": "",
                                                       "city": "Boston", "state": "MA", "country": "USA",
                                                       "zip": "99999"}) is None
    assert seeded.find_user_id_by_name_zip("Omar", "Johnson", "02134") == OMAR


def test_wrong_key_and_altered_values_do_not_open(seeded, db):
    seeded.close()
    other = Store(f"sqlite:///{db}", keyring=ring(2))
    with pytest.raises(DecryptionError, match="not configured"):
        other.get_user_details(OMAR)
    other.close()
    # a sealed value moved into another column does not open there (the label is bound in)
    con = sqlite3.connect(db)
    con.execute("UPDATE users SET address1 = (SELECT email FROM users WHERE id = ?) WHERE id = ?", (OMAR, OMAR))
    con.commit()
    con.close()
    same = Store(f"sqlite:///{db}", keyring=ring(1))
    with pytest.raises(DecryptionError, match="altered"):
        same.get_user_details(OMAR)
    same.close()


def test_rotation_reseals_everything_and_the_old_key_can_go(seeded, db, seed_data):
    old_kid, new_kid = key_id(bytes([1]) * 32), key_id(bytes([3]) * 32)
    before = seeded.key_usage()
    assert set(before) == {old_kid} and before[old_kid] > 500 * 9
    seeded.close()
    rotating = Store(f"sqlite:///{db}", keyring=ring(3, old=(1,)))
    assert rotating.export() == seed_data  # reads under both keys meanwhile
    counts = rotating.reencrypt()
    assert counts["users"] == 500 and counts["orders"] == len(seed_data["orders"])
    assert rotating.key_usage() == {new_kid: before[old_kid]}
    assert rotating.reencrypt()["users"] == 0  # idempotent: nothing left under the old key
    rotating.close()
    rotated = Store(f"sqlite:///{db}", keyring=ring(3))  # the old key is gone
    assert rotated.export() == seed_data
    assert rotated.find_user_id_by_email("omar.johnson6791@example.com") == OMAR
    rotated.close()


def test_store_from_before_encryption_is_sealed_on_open(seeded, db, seed_data):
    """Write every sealed column back in clear and drop the index columns: the layout of
    a store created before this change. Opening it migrates it."""
    with seeded.transaction() as conn:
        plain = {t: (cols, conn.execute(select(*t.primary_key.columns, *cols)).all())
                 for t, cols in encrypted_columns().items()}
    seeded.close()
    con = sqlite3.connect(db)
    for table, (cols, rows) in plain.items():
        pk = [c.name for c in table.primary_key.columns]
        sets = ", ".join(f"{c.name} = ?" for c in cols)
        where = " AND ".join(f"{k} = ?" for k in pk)
        for r in rows:
            vals = [None if v is None else json.dumps(v) if isinstance(v, dict) else v for v in r[len(pk):]]
            con.execute(f"UPDATE {table.name} SET {sets} WHERE {where}", (*vals, *r[:len(pk)]))
    for col in ("email_bidx", "name_zip_bidx"):
        con.execute(f"DROP INDEX ix_users_{col}")
        con.execute(f"ALTER TABLE users DROP COLUMN {col}")
    con.commit()
    assert b"omar.johnson6791@example.com" in raw_bytes(db)
    con.execute("VACUUM")
    con.close()
    st = Store(f"sqlite:///{db}", keyring=ring(1))
    assert st.export() == seed_data
    assert st.find_user_id_by_email("omar.johnson6791@example.com") == OMAR
    assert set(st.key_usage()) == {key_id(bytes([1]) * 32)}
    st.close()  # and nothing of the clear values is left in the file
    assert b"omar.johnson6791@example.com" not in raw_bytes(db)


def test_key_file_generated_once_private_and_reused(tmp_path):
    s = Settings(data_dir=tmp_path / "var")
    first = load_keyring(s)
    path = tmp_path / "var" / KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_keyring(s).current == first.current
    keys = json.loads(path.read_text())
    assert len(base64.b64decode(keys["store_key"])) == 32


def test_keys_from_settings_bad_keys_and_shared_engines(tmp_path):
    k = base64.b64encode(os.urandom(32)).decode()
    s = Settings(data_dir=tmp_path / "var", store_key=k, store_index_key=k, pseudonym_key=k)
    assert load_keyring(s).current == key_id(base64.b64decode(k))
    assert not (tmp_path / "var" / KEY_FILE).exists()
    with pytest.raises(KeyConfigError, match="not 32"):
        load_keyring(Settings(data_dir=tmp_path / "v2", store_key=base64.b64encode(b"short").decode()))
    with pytest.raises(KeyConfigError, match="not base64"):
        load_keyring(Settings(data_dir=tmp_path / "v3", store_key="not a key!"))
    with pytest.raises(KeyConfigError, match="CHUHAI_STORE_KEY.*must be set"):
        load_keyring(Settings(data_dir=tmp_path / "v4", store_url="postgresql://u:secret@db/chuhai"))


def test_pseudonyms_are_keyed_and_the_analytics_export_holds_no_identifiers(seeded, seed_data):
    p, q = Pseudonymizer(bytes([7]) * 32), Pseudonymizer(bytes([8]) * 32)
    assert p.user(OMAR) == p.user(OMAR) != q.user(OMAR) and p.user(OMAR).startswith("u_")
    assert p.email("A@B.com") == p.email(" a@b.com") != p.user("a@b.com")
    assert p.actor(f"customer:{OMAR}") == f"customer:{p.user(OMAR)}" and p.actor("operator") == "operator"
    out = pseudonymized_export(seeded.export(), seeded.pseudonyms)
    text = json.dumps(out)
    for uid, u in list(seed_data["users"].items())[:100]:
        for value in (uid, u["email"], u["address"]["address1"], u["address"]["zip"], u["name"]["last_name"]):
            assert f'"{value}"' not in text
    assert "#W2809253" not in text and len(out["users"]) == 500
    assert len(out["orders"]) == len(seed_data["orders"])
    mine = out["users"][seeded.pseudonyms.user(OMAR)]
    assert len(mine["orders"]) == 3 and mine["address"] == {"country": "USA", "state": "FL"}


def test_users_table_has_no_searchable_plaintext_index(seeded):
    cols = {c.name: c for c in User.__table__.columns}
    assert not cols["email"].index and cols["email_bidx"].index and cols["name_zip_bidx"].index


def test_rotate_key_procedure_through_the_cli(tmp_path, monkeypatch, retail_dir, seed_data):
    """Key-file mode, as docs/DATA_SECURITY.md describes it: rotate-key --new, rotate-key
    again after restarting servers, then drop-old-keys."""
    from typer.testing import CliRunner

    from chuhai.cli import app

    monkeypatch.setenv("CHUHAI_DATA_DIR", str(tmp_path / "var"))
    for name in ("CHUHAI_STORE_KEY", "CHUHAI_STORE_INDEX_KEY", "CHUHAI_PSEUDONYM_KEY", "CHUHAI_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    st = Store(settings.store_db_url)
    st.reset(retail_dir)
    old = st.keyring.current
    st.close()
    cli = CliRunner()
    res = cli.invoke(app, ["store", "rotate-key", "--new"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["current_key"] != old and list(out["values_per_key"]) == [out["current_key"]]
    assert out["resealed"]["users"] == 500
    res = cli.invoke(app, ["store", "drop-old-keys"])
    assert res.exit_code == 0 and json.loads(res.stdout)["dropped"] == [old]
    after = Store(settings.store_db_url)
    assert after.keyring.key_ids == [out["current_key"]] and after.export() == seed_data
    assert [e["action"] for e in after.audit.entries()] == ["store.rotate_key"]
    after.close()
    res = cli.invoke(app, ["store", "export", "--pseudonymized"])
    assert res.exit_code == 0 and OMAR not in res.stdout and "omar.johnson6791" not in res.stdout

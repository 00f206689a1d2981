"""Encryption at rest of the store's personal columns (AES-256-GCM) and keyed look-ups.

A sealed value is text: ``enc1:<key id>:<base64url(nonce | ciphertext | tag)>``, with a
fresh random 96-bit nonce per value and the column's label as associated data (a value
copied into another kind of column does not open). The key id (8 hex digits derived
from the key) says which key sealed it, so keys can rotate: the current key seals, any
configured key opens, and ``store.rekey`` re-seals what an old key sealed. The id in
clear also lets SQL count what is still under an old key (``LIKE 'enc1:<id>:%'``).

Encrypted columns cannot be searched; look-ups use *blind indexes*: a keyed HMAC-SHA256
of the normalised value in a column of its own (equal values give equal indexes, which
is all a look-up needs, and without the key the index says nothing about the value).

The key reaches the column types through the engine: ``Store`` sets
``engine.dialect.chuhai_keyring`` (one keyring per engine, no module global).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.types import Text, TypeDecorator

PREFIX = "enc1:"
KEY_BYTES = 32
NONCE_BYTES = 12
KEYRING_ATTR = "chuhai_keyring"


class DecryptionError(ValueError):
    """A stored value that does not open: a missing key, the wrong key, or altered data."""


def key_id(key: bytes) -> str:
    """A short public name of a key (not a secret: 32 bits of a hash of 256 random bits)."""
    return hashlib.sha256(b"chuhai store key id\x00" + key).hexdigest()[:8]


def is_sealed(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def sealed_key_id(value: str) -> str | None:
    """The id of the key that sealed value (None for anything that is not a sealed value)."""
    if not is_sealed(value):
        return None
    return value[len(PREFIX):].split(":", 1)[0]


class Keyring:
    """The data keys (one current, any number of retired ones still readable), the blind
    index key and the pseudonym key. Build one with store.keys.load_keyring()."""

    def __init__(self, data_key: bytes, index_key: bytes, pseudonym_key: bytes,
                 old_data_keys: Iterable[bytes] = ()):
        for name, k in (("data key", data_key), ("index key", index_key), ("pseudonym key", pseudonym_key),
                        *(("old data key", k) for k in old_data_keys)):
            if len(k) != KEY_BYTES:
                raise ValueError(f"the store's {name} must be {KEY_BYTES} bytes, got {len(k)}")
        self.current = key_id(data_key)
        self._aead = {key_id(k): AESGCM(k) for k in old_data_keys}
        self._aead[self.current] = AESGCM(data_key)
        self._index_key = index_key
        self.pseudonym_key = pseudonym_key

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._aead)

    def seal(self, plaintext: str, label: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        ct = self._aead[self.current].encrypt(nonce, plaintext.encode("utf-8"), label.encode("utf-8"))
        return f"{PREFIX}{self.current}:{base64.urlsafe_b64encode(nonce + ct).decode('ascii')}"

    def open(self, token: str, label: str) -> str:
        if not is_sealed(token):
            raise DecryptionError(f"{label}: a plaintext value in an encrypted column (a database from "
                                  "before encryption is migrated when the store opens; otherwise the row "
                                  "was written around the store)")
        kid, _, body = token[len(PREFIX):].partition(":")
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptionError(f"{label}: sealed with key {kid}, which is not configured (known: "
                                  f"{', '.join(self.key_ids)}); add it to CHUHAI_STORE_OLD_KEYS")
        try:
            raw = base64.urlsafe_b64decode(body)
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], label.encode("utf-8")).decode("utf-8")
        except (InvalidTag, ValueError) as e:
            raise DecryptionError(f"{label}: the value does not open with key {kid} (altered, or copied "
                                  "from another column)") from e

    def seal_bytes(self, data: bytes, label: str) -> tuple[str, bytes]:
        """(id of the key used, nonce | ciphertext | tag): bytes in, bytes out (checkpoints)."""
        nonce = os.urandom(NONCE_BYTES)
        return self.current, nonce + self._aead[self.current].encrypt(nonce, data, label.encode("utf-8"))

    def open_bytes(self, kid: str, blob: bytes, label: str) -> bytes:
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptionError(f"{label}: sealed with key {kid}, which is not configured (known: "
                                  f"{', '.join(self.key_ids)}); add it to CHUHAI_STORE_OLD_KEYS")
        try:
            return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], label.encode("utf-8"))
        except (InvalidTag, ValueError) as e:
            raise DecryptionError(f"{label}: the value does not open with key {kid} (altered)") from e

    def blind_index(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 (128 bits, hex) of an already normalised value, per purpose."""
        msg = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
        return hmac.new(self._index_key, msg, hashlib.sha256).hexdigest()[:32]

    def email_index(self, email: str) -> str:
        return self.blind_index("email", email.strip().lower())

    def name_zip_index(self, first_name: str, last_name: str, zip_code: str) -> str:
        return self.blind_index("name_zip", "\x1f".join((first_name.strip().lower(), last_name.strip().lower(),
                                                         zip_code.strip())))


def keyring_of(dialect) -> Keyring:
    ring = getattr(dialect, KEYRING_ATTR, None)
    if ring is None:
        raise RuntimeError("this engine has no store keyring: open the database through store.Store")
    return ring


class Encrypted(TypeDecorator):
    """A text column stored sealed; ``label`` is the associated data (the kind of value)."""

    impl = Text
    cache_ok = True

    def __init__(self, label: str):
        super().__init__()
        self.label = label

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring_of(dialect).seal(self.to_text(value), self.label)

    def process_result_value(self, value, dialect):
        return None if value is None else self.from_text(keyring_of(dialect).open(value, self.label))


class EncryptedJSON(Encrypted):
    """A JSON value stored sealed (the plaintext is its JSON text); Python None is SQL NULL."""

    cache_ok = True

    def to_text(self, value) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def from_text(self, text: str):
        return json.loads(text)

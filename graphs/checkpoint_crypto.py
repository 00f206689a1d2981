"""Checkpoints encrypted at rest with the store's AES-256-GCM keys.

A thread's checkpoints hold what the run needs to resume: the pending action's arguments
(a new street address), the agent's memory of the thread. Transcripts are redacted, but
those cannot be. LangGraph's EncryptedSerializer seals every checkpoint and pending write
blob with this cipher; the type tag records the key id (`msgpack+aesgcm-<key id>`), so a
rotated key keeps old checkpoints readable while it stays in CHUHAI_STORE_OLD_KEYS.
"""
from __future__ import annotations

from langgraph.checkpoint.serde.encrypted import EncryptedSerializer

PREFIX = "aesgcm-"
LABEL = "checkpoint"  # associated data: a sealed store column does not open as a checkpoint


class KeyringCipher:
    """langgraph's CipherProtocol over store.crypto.Keyring."""

    def __init__(self, keyring):
        self.keyring = keyring

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        kid, blob = self.keyring.seal_bytes(plaintext, LABEL)
        return PREFIX + kid, blob

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        if not ciphername.startswith(PREFIX):
            raise ValueError(f"unknown checkpoint cipher {ciphername!r}")
        return self.keyring.open_bytes(ciphername[len(PREFIX):], ciphertext, LABEL)


def encrypted_serde(keyring) -> EncryptedSerializer:
    return EncryptedSerializer(KeyringCipher(keyring))

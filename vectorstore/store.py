"""Chroma client factory: embedded by default, a Chroma server for scale-out.

Telemetry is always off (`anonymized_telemetry=False`, and chuhai/__init__.py sets the
env vars before chromadb loads). Collections are created with `embedding_function=None`:
we always pass our own vectors, so Chroma's default embedding function (which would
download an ONNX model on first use) is never instantiated.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import chuhai  # noqa: F401  (telemetry env vars before chromadb is imported)


def chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def make_client(kb_url: str | None = None, path: Path | None = None):
    """`HttpClient` for `kb_url` (http[s]://host:port), else `PersistentClient(path)`."""
    import chromadb

    if kb_url:
        u = urlparse(kb_url if "://" in kb_url else f"http://{kb_url}")
        if not u.hostname:
            raise ValueError(f"CHUHAI_KB_URL {kb_url!r} has no host (expected e.g. http://chroma:8000)")
        ssl = u.scheme == "https"
        return chromadb.HttpClient(host=u.hostname, port=u.port or (443 if ssl else 8000), ssl=ssl,
                                   settings=chroma_settings())
    if path is None:
        raise ValueError("an embedded knowledge base needs a path")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


def client_from_settings(settings):
    """The client for the app's settings: CHUHAI_KB_URL, else CHUHAI_DATA_DIR/kb."""
    return make_client(settings.kb_url, None if settings.kb_url else Path(settings.state_dir) / "kb")


def open_collection(client, name: str, embedder_name: str):
    """Get or create the collection (cosine HNSW). Refuses to mix vectors of another
    embedder: the stored name is compared and a mismatch is a clear error."""
    if len(name) < 3:
        raise ValueError(f"collection name {name!r}: Chroma needs at least 3 characters")
    col = client.get_or_create_collection(name, embedding_function=None,
                                          configuration={"hnsw": {"space": "cosine"}},
                                          metadata={"embedder": embedder_name, "generation": 0})
    stored = (col.metadata or {}).get("embedder")
    if stored and stored != embedder_name:
        raise EmbedderMismatch(f"collection {name!r} holds {stored!r} vectors, not {embedder_name!r}: "
                               f"run `chuhai kb ingest --rebuild` or use another CHUHAI_KB_COLLECTION")
    return col


class EmbedderMismatch(RuntimeError):
    pass

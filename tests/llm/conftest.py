"""Fixtures for tests/llm. `openai_server`: a tiny OpenAI-compatible server on 127.0.0.1 for tests: /v1/chat/completions, incl. SSE streams.

Each request takes the next action from ``server.actions`` (default: echo the last user message):
``{"content": str, "finish_reason": "stop"}``, ``{"status": 503}``, ``{"status": 400, "message": ...}``
or ``{"delay": seconds, ...}`` (waits first, unless the test releases it). Bodies go to
``server.requests``.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FakeOpenAIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.actions: deque[dict] = deque()
        self.requests: list[dict] = []
        self.release = threading.Event()  # set at shutdown to end pending delays
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def script(self, *actions: dict) -> None:
        self.actions.extend(actions)

    def __enter__(self) -> "FakeOpenAIServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server: FakeOpenAIServer

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append({"path": self.path, "body": body})
        if self.path != "/v1/chat/completions":
            return self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
        action = self.server.actions.popleft() if self.server.actions else {}
        if action.get("delay"):
            self.server.release.wait(action["delay"])
        if action.get("status", 200) != 200:
            return self._json(action["status"], {"error": {"message": action.get("message", "unavailable"),
                                                           "type": "server_error"}})
        content = action.get("content")
        if content is None:
            users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
            content = users[-1] if users else ""
        finish = action.get("finish_reason", "stop")
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        completion_tokens = len(content.split())
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens}
        model = body.get("model", "fake")
        if body.get("stream"):
            return self._sse(model, content, finish, usage,
                             (body.get("stream_options") or {}).get("include_usage", False))
        self._json(200, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": content}}],
            "usage": usage})

    def _json(self, status: int, obj: dict) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, model: str, content: str, finish: str, usage: dict, include_usage: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

        def chunk(delta: dict, finish_reason: str | None, **extra) -> None:
            obj = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                   "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
                   **extra}
            self.wfile.write(f"data: {json.dumps(obj)}\n\n".encode())
            self.wfile.flush()

        chunk({"role": "assistant", "content": ""}, None)
        for i, word in enumerate(content.split(" ")):
            chunk({"content": word if i == 0 else " " + word}, None)
        chunk({}, finish)
        if include_usage:
            obj = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                   "model": model, "choices": [], "usage": usage}
            self.wfile.write(f"data: {json.dumps(obj)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


@pytest.fixture
def openai_server():
    with FakeOpenAIServer() as server:
        yield server

"""A local fake of the Slack Web API (and of Socket Mode's WebSocket) on 127.0.0.1 that
records every call, for slack_sdk clients whose base_url points at it.

Web API: auth.test, chat.postMessage, chat.update, chat.postEphemeral,
usergroups.users.list, files.getUploadURLExternal, the upload URL it hands out,
files.completeUploadExternal, apps.connections.open (app token). Bodies are read as
JSON, form or query, like Slack does; a wrong token answers `invalid_auth`, and
`fail(method, error)` scripts an error answer. Socket Mode: apps.connections.open
returns ws://127.0.0.1:<port>/link; `send_envelope` pushes an envelope to the connected
client and the client's acks are recorded.

Tests wait on recorded state with `wait_for(predicate)` (a condition, not sleeps)."""
from __future__ import annotations

import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlparse

BOT_USER, BOT_ID, TEAM = "U0BOT", "B0BOT", "T0CHUHAI"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str = ""
    reply: dict[str, Any] = field(default_factory=dict)   # what the fake answered


@dataclass
class FakeSlack:
    bot_token: str = "xoxb-test-token"
    app_token: str = "xapp-1-test-token"
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    acks: list[dict] = field(default_factory=list)     # Socket Mode acks from the client

    def __post_init__(self):
        self.cond = threading.Condition()
        self.errors: dict[str, str] = {}
        self._ts = itertools.count(1)
        self._http = self._ws = None
        self._ws_conn = None

    # -- life --------------------------------------------------------------------------------
    def start(self) -> "FakeSlack":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._serve(self)

            def do_POST(self):
                fake._serve(self)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._ws is not None:
            self._ws.shutdown()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/api/"

    # -- what tests use ----------------------------------------------------------------------
    def fail(self, method: str, error: str) -> None:
        self.errors[method] = error

    def calls_to(self, method: str) -> list[Call]:
        with self.cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "state") -> Any:
        """Block until predicate() is truthy (re-checked on every recorded call); its value."""
        with self.cond:
            result = self.cond.wait_for(predicate, timeout)
        if not result:
            raise AssertionError(f"timed out waiting for {what}; calls: {[c.method for c in self.calls]}")
        return result

    def messages_in(self, channel: str, thread_ts: str) -> list[Call]:
        return [c for c in self.calls_to("chat.postMessage")
                if c.args.get("channel") == channel and c.args.get("thread_ts") == thread_ts]

    def updates_of(self, ts: str) -> list[Call]:
        return [c for c in self.calls_to("chat.update") if c.args.get("ts") == ts]

    # -- Web API -----------------------------------------------------------------------------
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        url = urlparse(req.path)
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        if url.path.startswith("/upload/"):
            return self._upload(req, url.path.rsplit("/", 1)[1], body)
        method = url.path.removeprefix("/api/")
        args = dict(parse_qsl(url.query))
        ctype = req.headers.get("Content-Type", "")
        if body and ctype.startswith("application/json"):
            args.update(json.loads(body))
        elif body:
            args.update(parse_qsl(body.decode()))
        token = (req.headers.get("Authorization") or "").removeprefix("Bearer ") or args.pop("token", "")
        with self.cond:
            answer = self._answer(method, args, token)
            self.calls.append(Call(method, args, token, answer))
            self.cond.notify_all()
        _reply(req, 200, json.dumps(answer).encode(), "application/json")

    def _answer(self, method: str, args: dict, token: str) -> dict:
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != wanted:
            return {"ok": False, "error": "invalid_auth"}
        if method in self.errors:
            return {"ok": False, "error": self.errors[method]}
        problems = block_problems(args.get("blocks")) if method.startswith("chat.") else []
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        ts = f"1700000{next(self._ts):03d}.000100"
        if method == "auth.test":
            return {"ok": True, "url": "https://chuhai-test.slack.com/", "team": "Chuhai test", "user": "chuhai",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            message = {k: args.get(k) for k in ("text", "blocks", "thread_ts") if args.get(k) is not None}
            return {"ok": True, "channel": args["channel"], "ts": ts, "message": {**message, "ts": ts,
                                                                                    "bot_id": BOT_ID}}
        if method == "chat.update":
            return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": args.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "usergroups.users.list":
            if args.get("usergroup") not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[args["usergroup"]]}
        if method == "files.getUploadURLExternal":
            file_id = "F" + uuid.uuid4().hex[:10].upper()
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url.removesuffix('/api/')}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(args.get("files") or "[]")
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self._ws_port()}/link"}
        return {"ok": False, "error": "unknown_method"}

    def _upload(self, req, file_id: str, body: bytes) -> None:
        with self.cond:
            self.uploads[file_id] = body
            self.cond.notify_all()
        _reply(req, 200, f"OK - {len(body)}".encode(), "text/plain")

    # -- Socket Mode -------------------------------------------------------------------------
    def _ws_port(self) -> int:
        if self._ws is None:
            from websockets.sync.server import serve

            self._ws = serve(self._socket, "127.0.0.1", 0)
            threading.Thread(target=self._ws.serve_forever, daemon=True).start()
        return self._ws.socket.getsockname()[1]

    def _socket(self, conn) -> None:
        with self.cond:
            self._ws_conn = conn
            self.cond.notify_all()
        conn.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0CHUHAI"},
                              "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
        from websockets.exceptions import ConnectionClosed

        try:
            for message in conn:
                with self.cond:
                    self.acks.append(json.loads(message))
                    self.cond.notify_all()
        except ConnectionClosed:   # the client went away (handler.close() sends no close frame)
            pass

    def send_envelope(self, kind: str, payload: dict, accepts_response_payload: bool = False) -> str:
        """Push an envelope ("events_api", "slash_commands", "interactive"); its envelope_id."""
        self.wait_for(lambda: self._ws_conn is not None, what="a Socket Mode connection")
        envelope_id = str(uuid.uuid4())
        self._ws_conn.send(json.dumps({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                       "accepts_response_payload": accepts_response_payload,
                                       "retry_attempt": 0, "retry_reason": ""}))
        return envelope_id


def block_problems(blocks) -> list[str]:
    """Block Kit limits Slack enforces (it answers invalid_blocks), checked like Slack would."""
    if blocks is None:
        return []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    problems = [] if len(blocks) <= 50 else [f"{len(blocks)} blocks (max 50)"]
    seen_blocks, seen_actions = set(), set()

    def text_of(obj, limit, where):
        text = (obj or {}).get("text")
        if not isinstance(text, str) or not text or len(text) > limit:
            problems.append(f"{where}: text missing or over {limit}")

    for i, b in enumerate(blocks):
        kind, bid = b.get("type"), b.get("block_id")
        if bid is not None:
            if len(bid) > 255 or bid in seen_blocks:
                problems.append(f"block {i}: block_id too long or repeated")
            seen_blocks.add(bid)
        if kind == "section":
            if "text" not in b and not b.get("fields"):
                problems.append(f"block {i}: section without text or fields")
            if "text" in b:
                text_of(b["text"], 3000, f"block {i}")
            for f in b.get("fields", []):
                text_of(f, 2000, f"block {i} field")
            if len(b.get("fields", [])) > 10:
                problems.append(f"block {i}: over 10 fields")
        elif kind == "context":
            if not 1 <= len(b.get("elements", [])) <= 10:
                problems.append(f"block {i}: context needs 1-10 elements")
            for e in b.get("elements", []):
                text_of(e, 3000, f"block {i} element")
        elif kind == "actions":
            if not 1 <= len(b.get("elements", [])) <= 25:
                problems.append(f"block {i}: actions needs 1-25 elements")
            for e in b.get("elements", []):
                text_of(e.get("text"), 75, f"block {i} button")
                aid = e.get("action_id", "")
                if not aid or len(aid) > 255 or aid in seen_actions or len(e.get("value", "")) > 2000:
                    problems.append(f"block {i}: bad action_id or value")
                seen_actions.add(aid)
                if "confirm" in e:
                    c = e["confirm"]
                    text_of(c.get("title"), 100, "confirm title")
                    text_of(c.get("text"), 300, "confirm text")
                    text_of(c.get("confirm"), 30, "confirm button")
                    text_of(c.get("deny"), 30, "deny button")
        elif kind not in ("divider", "header", "image", "rich_text"):
            problems.append(f"block {i}: unknown type {kind!r}")
    return problems


def _reply(req: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str) -> None:
    req.send_response(status)
    req.send_header("Content-Type", ctype)
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)

"""`chuhai serve` as a user starts it: with Slack tokens in the environment it connects
Socket Mode next to the API and the scheduler (one process); with a signing secret it mounts POST
/slack/events; with nothing it serves the API alone and says Slack is not configured.
Slow: the first start seeds the store and ingests the knowledge base."""
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import OPERATOR
from fake_slack import FakeSlack
from slack_payloads import SECRET, mention, signed_headers

pytestmark = pytest.mark.slow
CHUHAI = Path(sys.executable).parent / "chuhai"


class Server:
    def __init__(self, env: dict):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen([str(CHUHAI), "serve", "--port", str(self.port)], env=env,
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append(line.rstrip())
                self.cond.notify_all()
        with self.cond:
            self.lines.append("<exited>")
            self.cond.notify_all()

    def wait_line(self, prefix: str, timeout: float = 300) -> str:
        with self.cond:
            ok = self.cond.wait_for(lambda: any(x.startswith((prefix, "<exited>")) for x in self.lines), timeout)
            found = [x for x in self.lines if x.startswith(prefix)]
        assert ok and found, self.lines[-20:]
        return found[0]

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:   # polls the server's own readiness, not a fixed sleep
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, self.lines[-20:]
            time.sleep(0.2)
        raise AssertionError(f"server not ready: {self.lines[-20:]}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


@pytest.fixture
def serve_env(tmp_path, models_dir, shared_data):
    data = tmp_path / "var"
    shutil.copytree(models_dir, data / "models")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CHUHAI_", "SLACK_"))}
    return {**base, "CHUHAI_DATA_DIR": str(data), "CHUHAI_SHARED_DATA_DIR": str(shared_data),
            "CHUHAI_LLM_BACKEND": "none", "CHUHAI_API_KEYS": json.dumps({"op-key": "operator"})}


def test_serve_starts_slack_socket_mode_next_to_the_api(serve_env):
    fake = FakeSlack().start()
    server = Server({**serve_env, "CHUHAI_SLACK_BOT_TOKEN": fake.bot_token, "CHUHAI_SLACK_APP_TOKEN": fake.app_token,
                     "CHUHAI_SLACK_API_URL": fake.base_url})
    try:
        assert server.wait_line("Slack:") == "Slack: Socket Mode connected."
        assert server.wait_line("Scheduler:").startswith("Scheduler: on")   # all three ways in, one process
        server.wait_ready()
        assert httpx.post(server.url + "/slack/events", content=b"{}").status_code == 404   # no HTTP mode
        event = mention("where is order #W2611340?", OPERATOR)
        fake.send_envelope("events_api", event)
        answer = fake.wait_for(lambda: [u for u in fake.calls_to("chat.update") if "357962501027" in u.args["text"]],
                               what="the answer")
        assert answer[0].args["channel"] == "C0SALES"
        r = httpx.post(server.url + "/v1/runs", json={"input": "where is order #W2611340?"},
                       headers={"Authorization": "Bearer op-key"}, timeout=60)
        assert r.status_code == 200 and "357962501027" in r.json()["output"]["text"]
    finally:
        server.stop()
        fake.stop()

    # without Slack settings: the API alone, and a line that says so
    server = Server(serve_env)
    try:
        assert server.wait_line("Slack:").startswith("Slack: not configured")
        assert server.wait_line("Scheduler:").startswith("Scheduler: on")
        server.wait_ready()
        assert httpx.post(server.url + "/slack/events", content=b"{}").status_code == 404
    finally:
        server.stop()

    # HTTP mode: Slack's requests at POST /slack/events, signatures checked
    server = Server({**serve_env, "CHUHAI_SLACK_BOT_TOKEN": "xoxb-x", "CHUHAI_SLACK_SIGNING_SECRET": SECRET})
    try:
        assert server.wait_line("Slack:").startswith("Slack: HTTP mode")
        server.wait_ready()
        body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
        assert httpx.post(server.url + "/slack/events", content=body).status_code == 401
        r = httpx.post(server.url + "/slack/events", content=body, headers=signed_headers(body))
        assert r.status_code == 200 and r.json()["challenge"] == "c-123"
    finally:
        server.stop()

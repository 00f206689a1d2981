"""Slack path overhead (HTTP mode): what answering in Slack adds to a run.

For order-status mentions (a new Slack thread each), signed like Slack signs them, posted
to POST /slack/events of the API app (TestClient, in process), with the Web API a local
fake on loopback (tests/slack/fake_slack.py): the time to Slack's ack (the HTTP answer;
Slack wants it within 3 s), the time until the status message holds the answer, and the
Web API calls per request; next to the same messages through `Runner.run` directly.
The fake answers in well under a millisecond; real Slack adds its own round trips
(~3 calls a request: postMessage, 1-2 progress updates, the answer).

    .venv/bin/python benchmarks/slack_overhead.py [--runs 100]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "slack")]

from benchmarks.common import RESULTS, dist, finish, header  # noqa: E402
from benchmarks.support_path import SHARED, _runner, conversations  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--out", default=str(RESULTS / "slack_overhead.json"))
    args = ap.parse_args()
    from fastapi.testclient import TestClient

    from api.main import create_app
    from chuhai.logs import configure_logging
    from fake_slack import FakeSlack
    from graphs.result import RunRequest
    from slack_payloads import SECRET, mention, signed_headers

    configure_logging("WARNING")
    report = header("slack_overhead")
    orders = [c.orders[0] for c in conversations(args.runs + 10)]
    fake = FakeSlack(usergroups={"S0OPS": ["U0OPERATOR"]}).start()
    with tempfile.TemporaryDirectory() as tmp:
        runner = _runner(Path(tmp), graph=False)
        runner.deps.settings = runner.deps.settings.model_copy(update={
            "slack_bot_token": fake.bot_token, "slack_signing_secret": SECRET, "slack_api_url": fake.base_url,
            "slack_operator_group": "S0OPS", "shared_data_dir": SHARED})
        direct, ack, answered, calls, wrong = [], [], [], [], 0
        with TestClient(create_app(deps=runner.deps, runner=runner)) as client:
            for i, oid in enumerate(orders):
                text = f"where is order {oid}?"
                started = time.perf_counter()
                runner.run(RunRequest(input=text), "operator")
                direct.append((time.perf_counter() - started) * 1000)

                payload = mention(text, "U0OPERATOR")
                body = json.dumps(payload)
                before = len(fake.calls)
                started = time.perf_counter()
                assert client.post("/slack/events", content=body, headers=signed_headers(body)).status_code == 200
                acked = time.perf_counter()
                ts = payload["event"]["ts"]
                done = fake.wait_for(lambda: [u for u in fake.calls_to("chat.update")
                                              if u.args.get("ts") in {m.reply["ts"] for m in fake.messages_in("C0SALES", ts)}
                                              and "*Status*" in json.dumps(u.args.get("blocks"))], what="answer")
                finished = time.perf_counter()
                if i < 10:   # warm-up
                    continue
                ack.append((acked - started) * 1000)
                answered.append((finished - started) * 1000)
                calls.append(len(fake.calls) - before)
                wrong += oid not in done[-1].args["text"]
        runner.deps.store.close()
    fake.stop()
    report.update({"runs": len(ack), "direct_run_ms": dist(direct[10:], (50, 95)), "slack_ack_ms": dist(ack, (50, 95)),
                   "slack_answer_ms": dist(answered, (50, 95)), "web_api_calls_per_request": dist(calls, (50, 95)),
                   "wrong_answers": wrong})
    finish(report, args.out)


if __name__ == "__main__":
    main()

"""What the Slack app answers besides a plain run: charts uploaded as images, and errors
turned into short replies that say what to do (never silence)."""
import pytest
from conftest import OPERATOR
from slack_payloads import block_text, mention
from test_slack_http import answer_of, post_event

from graphs.runner import ApprovalError


def png(path, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [3, 1, 2])
    ax.set_title(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path.read_bytes()


def with_charts(runner, monkeypatch, charts):
    """The real run, with charts in its data as a specialist would put them."""
    real = runner.stream

    def stream(req, role, emit):
        result = real(req, role, emit)
        result.output.data["selection"] = {"charts": charts, "top_products": [
            {"sku": "85123A", "title": "White hanging heart", "units": 412, "margin": 0.31}]}
        return result

    monkeypatch.setattr(runner, "stream", stream)


def test_charts_are_uploaded_into_the_thread(slack, settings, monkeypatch, tmp_path):
    client, _, fake, runner = slack
    data = png(settings.state_dir / "charts" / "weekly.png", "Weekly units")
    (tmp_path / "outside.png").write_bytes(data)
    (settings.state_dir / "charts" / "fake.png").write_text("not a picture")
    with_charts(runner, monkeypatch, [{"title": "Weekly units", "path": "charts/weekly.png"},
                                      {"title": "Elsewhere", "path": str(tmp_path / "outside.png")},
                                      {"title": "Broken", "path": "charts/fake.png"}])
    payload = mention("where is order #W2611340?", OPERATOR)
    post_event(client, payload)
    thread_ts = payload["event"]["ts"]
    _, answer = answer_of(fake, "C0SALES", thread_ts)
    assert "selection · top products" in block_text(answer["blocks"])
    assert "85123A" in block_text(answer["blocks"]) and "White hanging heart" in block_text(answer["blocks"])

    done = fake.wait_for(lambda: fake.calls_to("files.completeUploadExternal"), what="the upload")[0]
    asked = fake.calls_to("files.getUploadURLExternal")
    assert [(a.args["filename"], int(a.args["length"])) for a in asked] == [("weekly.png", len(data))]
    assert list(fake.uploads.values()) == [data]
    assert done.args["channel_id"] == "C0SALES" and done.args["thread_ts"] == thread_ts
    assert "Weekly units" in done.args["files"]
    note = fake.wait_for(lambda: fake.messages_in("C0SALES", thread_ts)[1:], what="the chart note")[0]
    assert "“Elsewhere” from selection was not shared: its file is outside the data folder" in note.args["text"]
    assert "“Broken” from selection was not shared: its file is not a PNG image" in note.args["text"]


def test_an_upload_refused_by_slack_says_which_scope_to_add(slack, settings, monkeypatch):
    client, _, fake, runner = slack
    png(settings.state_dir / "charts" / "weekly.png", "Weekly units")
    with_charts(runner, monkeypatch, [{"title": "Weekly units", "path": "charts/weekly.png"}])
    fake.fail("files.getUploadURLExternal", "missing_scope")
    payload = mention("where is order #W2611340?", OPERATOR)
    post_event(client, payload)
    note = fake.wait_for(lambda: fake.messages_in("C0SALES", payload["event"]["ts"])[1:], what="the note")[0]
    assert "missing_scope" in note.args["text"] and "files:write" in note.args["text"]


@pytest.mark.parametrize("error, expected", [
    (RuntimeError("database is locked"), "Something went wrong on our side"),
    (ApprovalError("This thread belongs to another customer.", "forbidden"), "belongs to another customer"),
])
def test_a_failed_run_becomes_a_reply_that_says_what_to_do(slack, monkeypatch, error, expected):
    client, _, fake, runner = slack

    def failing(req, role, emit):
        raise error

    monkeypatch.setattr(runner, "stream", failing)
    payload = mention("where is order #W2611340?", OPERATOR)
    post_event(client, payload)
    _, answer = answer_of(fake, "C0SALES", payload["event"]["ts"])
    assert expected in answer["text"] and ":warning:" in block_text(answer["blocks"])
    if isinstance(error, RuntimeError):   # the thread to look for in the log; no internals shown
        assert payload["event"]["ts"] in answer["text"] and "database is locked" not in answer["text"]


def test_empty_and_too_long_messages_get_told_what_to_send(slack, settings):
    client, _, fake, _ = slack
    empty = mention("", OPERATOR)
    post_event(client, empty)
    help_reply = fake.wait_for(lambda: fake.messages_in("C0SALES", empty["event"]["ts"]), what="help")[0]
    assert "/chuhai" in help_reply.args["text"]
    long = mention("where is my order? " * 300, OPERATOR)
    post_event(client, long)
    limit = fake.wait_for(lambda: fake.messages_in("C0SALES", long["event"]["ts"]), what="the limit")[0]
    assert f"the limit is {settings.max_input_chars}" in limit.args["text"]
    assert not fake.calls_to("chat.update")   # neither was run

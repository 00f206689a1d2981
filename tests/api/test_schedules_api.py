"""GET /v1/schedules, POST /v1/schedules/{id}/run, GET /v1/schedule-runs and the inbox
endpoints on the real app (store, graph, scheduler records in the test's data dir)."""
from __future__ import annotations

OP = {"Authorization": "Bearer op-key"}
SCHED = {"Authorization": "Bearer sched-key"}
CUST = {"Authorization": "Bearer cust-key"}


def test_list_schedules(api):
    client, deps = api
    r = client.get("/v1/schedules", headers=SCHED)
    assert r.status_code == 200, r.text
    jobs = {s["job_id"]: s for s in r.json()["schedules"]}
    assert set(jobs) == {"repricing", "disputes", "selection_report", "compliance_sweep", "support_inbox"}
    rep = jobs["repricing"]
    assert rep["enabled"] is True and rep["schedule"] == "0 2 * * *" and rep["setting"] == "CHUHAI_SCHEDULE_REPRICING"
    assert rep["trigger"].startswith("cron[") and rep["last_run"] is None and rep["error"] is None
    assert rep["next_run_at"] is None  # no scheduler has run on this job store yet
    assert client.get("/v1/schedules", headers=CUST).status_code == 403
    assert client.get("/v1/schedules").status_code == 401


def test_a_bad_schedule_setting_shows_in_the_list(api):
    client, deps = api
    deps.settings.schedule_disputes = "every week"
    jobs = {s["job_id"]: s for s in client.get("/v1/schedules", headers=OP).json()["schedules"]}
    assert jobs["disputes"]["enabled"] is False and "CHUHAI_SCHEDULE_DISPUTES='every week'" in jobs["disputes"]["error"]


def test_run_now_and_list_runs(api):
    client, deps = api
    r = client.post("/v1/schedules/repricing/run", headers=OP)
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "completed" and run["trigger"] == "manual" and run["requested_by"] == "operator"
    assert run["artifacts"][0]["route"] == ["pricing"] and run["finished_at"] is not None
    second = client.post("/v1/schedules/compliance_sweep/run", headers=SCHED).json()
    assert second["artifacts"][0]["route"] == ["compliance"]

    runs = client.get("/v1/schedule-runs", headers=OP).json()
    assert [x["run_id"] for x in runs["runs"]][:2] == [second["run_id"], run["run_id"]]  # newest first
    only = client.get("/v1/schedule-runs", params={"job_id": "repricing"}, headers=OP).json()["runs"]
    assert [x["run_id"] for x in only] == [run["run_id"]]
    assert client.get("/v1/schedule-runs", params={"status": "skipped"}, headers=OP).json()["runs"] == []
    page = client.get("/v1/schedule-runs", params={"limit": 1}, headers=OP).json()
    assert len(page["runs"]) == 1 and page["next_cursor"]
    rest = client.get("/v1/schedule-runs", params={"limit": 1, "cursor": page["next_cursor"]}, headers=OP).json()
    assert rest["runs"][0]["run_id"] == run["run_id"] and rest["next_cursor"] is None
    jobs = {s["job_id"]: s for s in client.get("/v1/schedules", headers=OP).json()["schedules"]}
    assert jobs["repricing"]["last_run"]["run_id"] == run["run_id"]


def test_run_errors(api):
    client, deps = api
    r = client.post("/v1/schedules/nope/run", headers=OP)
    assert r.status_code == 404 and "repricing" in r.json()["error"]["message"]
    assert client.post("/v1/schedules/repricing/run", headers=CUST).status_code == 403
    assert client.get("/v1/schedule-runs", params={"cursor": "garbage"}, headers=OP).status_code == 400
    assert client.get("/v1/schedule-runs", params={"status": "odd"}, headers=OP).status_code == 422
    assert client.get("/v1/schedule-runs", params={"job_id": "nope"}, headers=OP).status_code == 404


def test_a_run_already_in_progress_answers_409_and_is_recorded(api):
    client, deps = api
    client.get("/v1/schedules", headers=OP)  # builds the app's Schedules
    # a run of the job in progress elsewhere (the scheduler process): its claim is in the database
    held = client.app.state.schedules.book.claim("repricing", "repricing@elsewhere", "scheduled", "scheduler",
                                                 None, deps.clock())
    r = client.post("/v1/schedules/repricing/run", headers=OP)
    assert r.status_code == 409 and r.json()["error"]["code"] == "overlap"
    assert held.run["run_id"] in r.json()["error"]["message"]
    skipped = client.get("/v1/schedule-runs", params={"status": "skipped"}, headers=OP).json()["runs"]
    assert len(skipped) == 1 and skipped[0]["detail"].startswith("overlap")


def test_inbox_tickets_api(api):
    client, deps = api
    r = client.post("/v1/inbox/tickets", headers=OP, json={"email": "james.li4495@example.com",
                                                           "subject": "Order", "body": "Where is #W2611340?"})
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["status"] == "new" and ticket["email"] == "james.li4495@example.com"
    bad = client.post("/v1/inbox/tickets", headers=OP, json={"email": "not-an-address", "body": "hi"})
    assert bad.status_code == 422 and "e-mail" in bad.json()["error"]["message"]
    assert client.post("/v1/inbox/tickets", headers=CUST, json={"email": "a@b.c", "body": "x"}).status_code == 403
    client.post("/v1/schedules/support_inbox/run", headers=OP)
    [listed] = client.get("/v1/inbox/tickets", headers=OP).json()["tickets"]
    assert listed["ticket_id"] == ticket["ticket_id"] and listed["status"] == "triaged"
    assert "357962501027" in listed["draft_reply"]
    assert client.get("/v1/inbox/tickets", params={"status": "new"}, headers=OP).json()["tickets"] == []

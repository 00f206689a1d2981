"""The thread index (graphs/threads.py) under two processes that share one SQLite file,
as two API workers do."""
import subprocess
import sys
import time
from pathlib import Path

from graphs.supervisor import sqlite_checkpointer
from graphs.threads import ThreadIndex

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys, time
from pathlib import Path
from graphs.supervisor import sqlite_checkpointer
from graphs.threads import ThreadIndex
path, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
index = ThreadIndex(sqlite_checkpointer(path))
Path(path + ".ready_" + me).touch()
while not Path(path + ".go").exists():  # both start writing together
    time.sleep(0.001)
for i in range(n):
    index.record(f"t_{me}_{i}", {"run_id": f"run_{me}_{i}", "role": "operator", "channel": "operator"},
                 "completed", [], '{"n": %d}' % i, checkpoint_id=f"{i:06d}")
    # both processes write one shared thread, checkpoint ids interleaved: the highest must win
    status = "awaiting_approval" if i == n - 1 and me == "b" else "completed"
    pending = [{"action_id": "act_last", "tool": "cancel_pending_order", "agent": "support", "args": {},
                "summary": "the last one"}] if status == "awaiting_approval" else []
    index.record("t_shared", {"run_id": f"run_{me}_{i}", "role": "operator", "channel": "operator"},
                 status, pending, None, checkpoint_id=f"{i:06d}-{me}")
"""


def test_two_processes_share_the_index(tmp_path):
    path = tmp_path / "checkpoints.db"
    ThreadIndex(sqlite_checkpointer(path))  # tables exist before the workers race
    n = 300
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), me, str(n)], cwd=ROOT,
                                stderr=subprocess.PIPE, text=True) for me in ("a", "b")]
    deadline = time.monotonic() + 120
    while not all(Path(f"{path}.ready_{me}").exists() for me in ("a", "b")) and time.monotonic() < deadline:
        assert all(w.poll() is None for w in workers), [w.stderr.read() for w in workers]
        time.sleep(0.01)
    Path(f"{path}.go").touch()
    for w in workers:
        assert w.wait(timeout=120) == 0, w.stderr.read()
    index = ThreadIndex(sqlite_checkpointer(path))
    rows, cursor = [], None
    while True:
        page, cursor = index.threads("admin", 100, cursor)
        rows += page
        if cursor is None:
            break
    assert len(rows) == 2 * n + 1 and len({r["thread_id"] for r in rows}) == 2 * n + 1
    shared = index.thread("t_shared")
    assert shared["last_run_id"] == f"run_b_{n - 1}" and shared["status"] == "awaiting_approval"
    assert [a["action_id"] for a in index.pending("operator", 10)[0]] == ["act_last"]
    assert [r["n"] for r in index.runs("t_a_7", 10)[0]] == [7]

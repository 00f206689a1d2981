"""A local history of eval runs (SQLite), so ``chuhai eval --compare last`` can say what
got better or worse: per-suite metrics and which cases flipped."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT, git_rev TEXT, system TEXT,
                                 model TEXT, k INTEGER, report TEXT);
CREATE TABLE IF NOT EXISTS metrics (run_id INTEGER, suite TEXT, name TEXT, value REAL);
CREATE TABLE IF NOT EXISTS cases (run_id INTEGER, suite TEXT, case_id TEXT, passed INTEGER);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id);
CREATE INDEX IF NOT EXISTS cases_run ON cases(run_id);
"""


class History:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as c:
            c.executescript(SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        return closing(sqlite3.connect(self.path))

    def record(self, results, *, git_rev: str, system: str, model: str, k: int, report: str) -> int:
        """Store one run (all suites) in one transaction; returns its id."""
        with self._conn() as c, c:
            cur = c.execute("INSERT INTO runs (started, git_rev, system, model, k, report) VALUES (?,?,?,?,?,?)",
                            (datetime.now(timezone.utc).isoformat(timespec="seconds"), git_rev, system, model,
                             k, report))
            run_id = cur.lastrowid
            for r in results:
                c.executemany("INSERT INTO metrics VALUES (?,?,?,?)",
                              [(run_id, r.suite, name, float(v)) for name, v in r.metrics.items()
                               if isinstance(v, (int, float)) and not isinstance(v, bool)])
                c.executemany("INSERT INTO cases VALUES (?,?,?,?)",
                              [(run_id, r.suite, cr.case.id, int(cr.passed)) for cr in r.cases])
        return run_id

    def previous(self, run_id: int, suites: list[str]) -> int | None:
        """The latest earlier run that measured at least one of ``suites``."""
        marks = ",".join("?" * len(suites))
        with self._conn() as c:
            row = c.execute(f"SELECT MAX(run_id) FROM metrics WHERE run_id < ? AND suite IN ({marks})",
                            (run_id, *suites)).fetchone()
        return row[0] if row and row[0] is not None else None

    def run_info(self, run_id: int) -> dict:
        with self._conn() as c:
            row = c.execute("SELECT id, started, git_rev, system, model, k FROM runs WHERE id = ?",
                            (run_id,)).fetchone()
        return dict(zip(("id", "started", "git_rev", "system", "model", "k"), row)) if row else {}

    def compare(self, run_id: int, other: int) -> dict:
        """{suite: {"metrics": {name: (before, after)}, "fixed": [...], "regressed": [...]}}."""
        with self._conn() as c:
            m = c.execute("SELECT run_id, suite, name, value FROM metrics WHERE run_id IN (?, ?)",
                          (run_id, other)).fetchall()
            cs = c.execute("SELECT run_id, suite, case_id, passed FROM cases WHERE run_id IN (?, ?)",
                           (run_id, other)).fetchall()
        out: dict[str, dict] = {}
        now = {(s, n): v for r, s, n, v in m if r == run_id}
        before = {(s, n): v for r, s, n, v in m if r == other}
        for (suite, name), value in now.items():
            if (suite, name) in before:
                out.setdefault(suite, {"metrics": {}, "fixed": [], "regressed": []})
                out[suite]["metrics"][name] = (before[(suite, name)], value)
        cases_now = {(s, cid): p for r, s, cid, p in cs if r == run_id}
        cases_before = {(s, cid): p for r, s, cid, p in cs if r == other}
        for (suite, cid), passed in sorted(cases_now.items()):
            was = cases_before.get((suite, cid))
            if was is None or suite not in out:
                continue
            if passed and not was:
                out[suite]["fixed"].append(cid)
            elif was and not passed:
                out[suite]["regressed"].append(cid)
        return out

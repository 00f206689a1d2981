"""Fresh seeded stores for eval cases: the retail seed is loaded once into a template
SQLite file, and each case that may write gets a byte copy of it (milliseconds, and
cases can then run in parallel). Reference end states are computed the way the retail
tasks define them: the reference actions applied to another fresh copy."""
from __future__ import annotations

import shutil
import threading
import uuid
from pathlib import Path

from store import Store


class StoreFactory:
    def __init__(self, retail_dir: Path, workdir: Path):
        self.retail_dir, self.workdir = Path(retail_dir), Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._template: Path | None = None
        self._seed_export: dict | None = None
        self._lock = threading.Lock()

    @property
    def template(self) -> Path:
        with self._lock:
            if self._template is None:
                path = self.workdir / "template.db"
                st = Store(f"sqlite:///{path}")
                st.reset(self.retail_dir)
                self._seed_export = st.export()
                st.close()
                self._template = path
        return self._template

    def fresh(self, name: str = "store") -> Store:
        """A new store in its own file, equal to the seed."""
        path = self.workdir / f"{name}-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, path)
        return Store(f"sqlite:///{path}")

    @property
    def seed_export(self) -> dict:
        self.template  # noqa: B018  (builds the template and its export)
        return self._seed_export

    def reference_export(self, actions: list[dict], acting_user_id: str | None) -> dict:
        """The whole store after the reference actions on a fresh copy. A reference
        action the store refuses is a broken case, so it raises."""
        if not actions:
            return self.seed_export
        st = self.fresh("reference")
        try:
            for a in actions:
                st.apply(a["name"], a["kwargs"], acting_user_id=acting_user_id)
            return st.export()
        finally:
            discard(st)


def discard(st: Store) -> None:
    """Close a store made by StoreFactory.fresh and delete its files."""
    st.close()
    if st.url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(st.url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)

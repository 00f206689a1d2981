"""Slack event ids already handled, shared by every process that answers Slack.

Slack delivers an event again when its ack was late (or the process died before acking);
with several API workers the retry can land on another process, so the "seen" set lives
in a table of the store database, not in memory. An id is claimed by inserting it: the
primary key makes exactly one process win. Ids older than `keep` are pruned (Slack
retries within minutes)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, Engine, String, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.engine import WRITE_OPTION

PRUNE_EVERY = 200  # claims between two prunes


class Base(DeclarativeBase):
    pass


class SlackDelivery(Base):
    __tablename__ = "slack_deliveries"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Deliveries:
    def __init__(self, engine: Engine, keep: timedelta = timedelta(hours=2)):
        self.engine, self.keep = engine, keep
        self._lock = threading.Lock()  # in-memory SQLite is one shared connection
        self._claims = 0
        Base.metadata.create_all(engine)

    def first(self, event_id: str, now: datetime | None = None) -> bool:
        """True for the first delivery of `event_id` across all processes."""
        now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
        with self._lock, self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                self._claims += 1
                if self._claims % PRUNE_EVERY == 0:
                    conn.execute(delete(SlackDelivery).where(SlackDelivery.seen_at < now - self.keep))
                try:
                    with conn.begin_nested():
                        conn.execute(insert(SlackDelivery).values(event_id=event_id[:64], seen_at=now))
                except IntegrityError:
                    return False
        return True

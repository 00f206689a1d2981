"""New messages through the supervisor's nodes without LangGraph's Pregel loop.

Measured on the order-status path: the nodes take ~4 ms, LangGraph's per-step machinery
(task preparation, callbacks, channel versions, a checkpoint object per step) another
~4 ms, and `update_state` on an existing thread ~2.5 ms (it also stores every write in
the writes table). Nodes are plain functions and a new message writes nothing before
approval, so here they are called in the graph's own order (supervisor.EDGES) on a dict
merged with the state's reducers, and the thread gets one checkpoint at the end, as
`invoke(durability="exit")` saves it: the same channel values, channel versions moved
on, nothing left to run. Later messages, thread reads, approvals and restarts go
through LangGraph and see the same state.

Only threads whose latest checkpoint is a finished run take this path (`Head.clean`);
a thread awaiting approval, or in any other state, goes through the graph. Approval
stays LangGraph's: when the run proposes writes, the state is saved as of the output
guard with `update_state` and the graph runs the approval step from there (interrupt,
auto-approval, resume). A node that raises saves nothing: the message is lost, as a
crash mid-run loses it, and the client sees the error.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, get_type_hints

from langgraph.checkpoint.base import Checkpoint, CheckpointTuple, empty_checkpoint
from langgraph.checkpoint.base.id import uuid6
from langgraph.graph import START

from graphs.nodes import needs_approval
from graphs.state import ChatState
from graphs.supervisor import next_node

APPROVAL = "approval"
_HINTS = get_type_hints(ChatState, include_extras=True)
CHANNELS = tuple(_HINTS)
# channels with a reducer (Annotated[type, reducer]); the others keep the last value
REDUCERS = {key: hint.__metadata__[0] for key, hint in _HINTS.items() if getattr(hint, "__metadata__", None)}


def merge(state: dict, update: dict) -> dict:
    """`state` with `update` applied as LangGraph applies a node's writes."""
    out = dict(state)
    for key, value in update.items():
        reducer = REDUCERS.get(key)
        out[key] = reducer(out[key], value) if reducer is not None and key in out else value
    return out


@dataclass
class Head:
    """A thread's latest checkpoint (None: a new thread) and whether it is a finished run:
    no pending writes (an interrupt, a step cut short) and not a bare `update_state`."""

    saved: CheckpointTuple | None

    @property
    def clean(self) -> bool:
        return self.saved is None or (not self.saved.pending_writes
                                      and self.saved.metadata.get("source") != "update")

    @property
    def values(self) -> dict:
        """The state values, as `graph.get_state(...).values` gives them for a finished run."""
        if self.saved is None:
            return {}
        stored = self.saved.checkpoint["channel_values"]
        return {k: stored[k] for k in CHANNELS if k in stored}


class DirectPath:
    def __init__(self, graph, nodes: dict[str, Any], durability: str):
        self.graph, self.nodes, self.durability = graph, nodes, durability
        self.saver = graph.checkpointer

    def head(self, config: dict) -> Head:
        return Head(self.saver.get_tuple(config))

    def invoke(self, state_in: dict, head: Head, config: dict) -> dict:
        """Run a new message on a thread with a clean head; return the final values as
        `graph.invoke` returns them."""
        state, delta = merge(head.values, state_in), dict(state_in)
        last, name = START, next_node(START, state)
        while name != APPROVAL:
            update = self.nodes[name](state) or {}
            state, delta = merge(state, update), merge(delta, update)
            last, name = name, next_node(name, state)
        if needs_approval(state):
            self.graph.update_state(config, delta, as_node=last)
            return self.graph.invoke(None, config, durability=self.durability)
        self._save(config, head.saved, state, delta)
        return state

    def _save(self, config: dict, saved: CheckpointTuple | None, state: dict, written: dict) -> None:
        """One checkpoint of the finished run on top of `saved`: the written channels
        get one new version (as a Pregel step gives them), the nodes' seen versions stay,
        so nothing is due to run."""
        base = saved.checkpoint if saved else empty_checkpoint()
        versions = base["channel_versions"]
        version = self.saver.get_next_version(max(versions.values()) if versions else None, None)
        new_versions = {k: version for k in written if k in _HINTS}
        step = (saved.metadata.get("step", -1) if saved else -1) + 1
        checkpoint = Checkpoint(v=base["v"], id=str(uuid6(clock_seq=step)), ts=datetime.now(timezone.utc).isoformat(),
                                channel_values={k: state[k] for k in CHANNELS if k in state},
                                channel_versions={**versions, **new_versions},
                                versions_seen=base["versions_seen"], updated_channels=None)
        parent = saved.config if saved else \
            {"configurable": {"thread_id": config["configurable"]["thread_id"], "checkpoint_ns": ""}}
        self.saver.put(parent, checkpoint, {"source": "loop", "step": step, "parents": {}}, new_versions)

"""Wiring of the supervisor StateGraph, compiled with a checkpointer.

The wiring is data (EDGES) so that graphs/direct.py walks exactly the graph's path."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph

from graphs.checkpoint_crypto import encrypted_serde
from graphs.nodes import make_nodes
from graphs.state import ChatState


def after_router(state: ChatState) -> str:
    return "specialists" if state["route"] else "output_guard"


# node -> the next node, or (chooser, the nodes it may choose)
EDGES: dict = {
    START: "input_guard",
    "input_guard": "router",
    "router": (after_router, ("specialists", "output_guard")),
    "specialists": "output_guard",
    # The reply (a proposal, or an answer) is guarded before approval may interrupt the run;
    # after approval the executed actions' replies pass the same guard.
    "output_guard": "approval",
    "approval": END,
}


def next_node(name: str, state: ChatState) -> str:
    edge = EDGES[name]
    return edge[0](state) if isinstance(edge, tuple) else edge


def build_graph(deps, checkpointer, nodes: dict | None = None):
    g = StateGraph(ChatState)
    for name, fn in (nodes if nodes is not None else make_nodes(deps)).items():
        g.add_node(name, fn)
    for source, edge in EDGES.items():
        if isinstance(edge, tuple):
            g.add_conditional_edges(source, edge[0], list(edge[1]))
        else:
            g.add_edge(source, edge)
    return g.compile(checkpointer=checkpointer)


def sqlite_checkpointer(path: str | Path, keyring=None) -> SqliteSaver:
    """SQLite checkpointer shared by all threads of the process (SqliteSaver locks internally).
    Several processes may share the file: WAL lets readers run beside the one writer, and
    a writer waits up to `timeout` seconds for the lock. With the store's `keyring`, every
    checkpoint is encrypted at rest (graphs/checkpoint_crypto.py)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    saver = SqliteSaver(conn, serde=encrypted_serde(keyring) if keyring is not None else None)
    saver.setup()
    return saver

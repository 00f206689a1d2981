"""Wiring of the supervisor StateGraph, compiled with a checkpointer."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph

from graphs.nodes import make_nodes
from graphs.state import ChatState


def build_graph(deps, checkpointer):
    nodes = make_nodes(deps)
    g = StateGraph(ChatState)
    for name, fn in nodes.items():
        g.add_node(name, fn)
    g.add_edge(START, "input_guard")
    g.add_edge("input_guard", "router")
    g.add_conditional_edges("router", lambda s: "specialists" if s["route"] else "output_guard",
                            ["specialists", "output_guard"])
    g.add_edge("specialists", "output_guard")
    # The reply (a proposal, or an answer) is guarded before approval may interrupt the run;
    # after approval the executed actions' replies pass the same guard.
    g.add_edge("output_guard", "approval")
    g.add_edge("approval", END)
    return g.compile(checkpointer=checkpointer)


def sqlite_checkpointer(path: str | Path) -> SqliteSaver:
    """SQLite checkpointer shared by all threads of the process (SqliteSaver locks internally)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    saver = SqliteSaver(conn)
    saver.setup()
    return saver

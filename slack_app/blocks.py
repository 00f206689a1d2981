"""Block Kit for Chuhai's Slack messages: the progress of a run, its RunResult (reply,
route and status fields, data rows as tables, citations, pending actions with Approve /
Reject buttons), the mark a decision leaves, and error replies.

Every builder returns (fallback text, blocks); Slack shows the text in notifications and
where blocks cannot be shown. Block Kit's limits are kept here: 3000 characters a
section, 10 fields, 10 context elements, 50 blocks a message."""
from __future__ import annotations

import json
from typing import Any

from graphs.result import RunResult
from slack_app.text import clip, escape

SECTION_MAX = 3000
MAX_BLOCKS = 50
TABLE_ROWS, TABLE_COLUMNS, CELL_WIDTH = 10, 6, 24
MAX_CITATIONS = 5
APPROVE, REJECT = "chuhai_approve", "chuhai_reject"
STATUS = {"completed": ":white_check_mark: Completed", "awaiting_approval": ":raised_hand: Awaiting approval",
          "blocked": ":no_entry: Blocked", "failed": ":x: Failed"}
SKIP_DATA = {"route_info", "executed"}   # shown by the reply text already
Blocks = tuple[str, list[dict]]


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}}


def context(*texts: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(t, SECTION_MAX)} for t in texts[:10]]}


def text_sections(text: str) -> list[dict]:
    """Long text split into sections at paragraph or line breaks."""
    pieces, rest = [], escape(text.strip()) or "_(no reply text)_"
    while len(rest) > SECTION_MAX:
        cut = max(rest.rfind("\n\n", 0, SECTION_MAX), rest.rfind("\n", 0, SECTION_MAX), rest.rfind(" ", 0, SECTION_MAX))
        cut = cut if cut > SECTION_MAX // 2 else SECTION_MAX
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip()
    return [section(p) for p in [*pieces, rest]]


def progress_blocks(lines: list[str]) -> Blocks:
    head = ":hourglass_flowing_sand: Working on it…"
    blocks = [section(head)]
    if lines:
        blocks.append(context("\n".join(lines[-8:])))
    return head, blocks


def error_blocks(message: str) -> Blocks:
    return escape(message), [section(f":warning: {escape(message)}")]


def notice_blocks(mrkdwn: str) -> Blocks:
    """A short reply written by Chuhai itself (may carry Slack mentions)."""
    return mrkdwn, [section(mrkdwn)]


def result_blocks(result: RunResult, operators: str) -> Blocks:
    """The answer message; `operators` names who may press the buttons (mrkdwn)."""
    blocks = text_sections(result.output.text)
    route = " → ".join(result.route) or "none (outside what Chuhai does)"
    tools = sorted({c.get("tool", "?") for c in result.tool_calls})
    fields = [f"*Route*\n{route}", f"*Status*\n{STATUS.get(result.status, result.status)}"]
    if tools:
        fields.append(f"*Tools*\n{clip(', '.join(tools), 1900)}")
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]})
    for title, columns, rows, more in tables(result.output.data):
        blocks.append(section(f"*{escape(title)}*\n```{table_text(columns, rows)}```"
                              + (f"\n_…and {more} more rows_" if more else "")))
    if result.citations:
        blocks.append(context(*citation_lines(result.citations)))
    for action in result.pending_actions:
        blocks.extend(pending_blocks(result.thread_id, action.action_id, action.summary, action.tool))
    if result.pending_actions:
        blocks.append(context(f"Only operators ({operators}) can approve or reject."))
    blocks = blocks[:MAX_BLOCKS - 1] + [context(f"run `{result.run_id}` · {result.timings_ms.get('total', 0):.0f} ms")]
    return clip(escape(result.output.text) or STATUS.get(result.status, result.status), SECTION_MAX), blocks


def pending_blocks(thread: str, action_id: str, summary: str, tool: str) -> list[dict]:
    value = json.dumps({"thread_id": thread, "action_id": action_id})
    confirm = {"title": {"type": "plain_text", "text": "Approve this action?"},
               "text": {"type": "mrkdwn", "text": clip(escape(summary), 300)},
               "confirm": {"type": "plain_text", "text": "Approve"}, "deny": {"type": "plain_text", "text": "Cancel"}}
    return [section(f":raised_hand: *Waiting for approval:* {escape(summary)}\n_{escape(tool)}_"),
            {"type": "actions", "block_id": f"pending:{action_id}", "elements": [
                {"type": "button", "action_id": f"{APPROVE}:{action_id}", "style": "primary", "value": value,
                 "text": {"type": "plain_text", "text": "Approve"}, "confirm": confirm},
                {"type": "button", "action_id": f"{REJECT}:{action_id}", "style": "danger", "value": value,
                 "text": {"type": "plain_text", "text": "Reject"}}]}]


def decided_blocks(blocks: list[dict], action_id: str, note: str) -> list[dict]:
    """The message's blocks with that action's buttons replaced by `note`."""
    return [context(note) if b.get("block_id") == f"pending:{action_id}" else b for b in blocks]


def citation_lines(citations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for c in citations[:MAX_CITATIONS]:
        title = escape(c.get("title") or c.get("doc_id") or c.get("source") or "source")
        url = c.get("url") or (c.get("source") if str(c.get("source", "")).startswith(("http://", "https://")) else "")
        label = f"<{url}|{title}>" if url else f"*{title}*"
        where = f" · {escape(c['section'])}" if c.get("section") else ""
        lines.append(f":page_facing_up: {label}{where}")
    if len(citations) > MAX_CITATIONS:
        lines.append(f"…and {len(citations) - MAX_CITATIONS} more sources")
    return lines


def tables(data: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], int]]:
    """(title, columns, rows, rows left out) for each list of flat records in an agent's data:
    `data[<agent>][<key>] = [{"col": value, ...}, ...]`, values numbers, text or booleans."""
    out = []
    for agent, payload in (data or {}).items():
        if agent in SKIP_DATA or not isinstance(payload, dict):
            continue
        for key, value in payload.items():
            if not _records(value):
                continue
            keys = list(dict.fromkeys(k for row in value for k in row))[:TABLE_COLUMNS]
            rows = [[_cell(row.get(k)) for k in keys] for row in value[:TABLE_ROWS]]
            out.append((f"{agent} · {key}".replace("_", " "), [_cell(k) for k in keys], rows,
                        max(0, len(value) - TABLE_ROWS)))
    return out


def table_text(columns: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _records(value) -> bool:
    return (isinstance(value, list) and bool(value) and all(isinstance(r, dict) and r for r in value)
            and all(isinstance(v, (str, int, float, bool)) or v is None for r in value for v in r.values()))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return escape(clip(str(value).replace("\n", " ").replace("`", "'"), CELL_WIDTH))

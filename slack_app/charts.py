"""Charts a run produced, uploaded as images into the Slack thread (files_upload_v2).

What a specialist puts in its data for a chart: `data["charts"] = [{"title": str,
"path": str}]`, `path` a PNG file inside CHUHAI_DATA_DIR (absolute, or relative to it).
Anything else (outside the data folder, missing, not a PNG, over 10 MB) is not uploaded;
the thread gets a short note saying why instead."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graphs.result import RunResult

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 10 * 1024 * 1024
MAX_CHARTS = 10


@dataclass
class Chart:
    title: str
    path: Path


def charts_of(result: RunResult, data_dir: Path) -> tuple[list[Chart], list[str]]:
    """(charts to upload, problems) from every agent's `charts` in the result's data."""
    root = Path(data_dir).resolve()
    charts, problems = [], []
    for agent, payload in (result.output.data or {}).items():
        entries = payload.get("charts") if isinstance(payload, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            title = str((entry or {}).get("title") or "chart") if isinstance(entry, dict) else "chart"
            raw = entry.get("path") if isinstance(entry, dict) else None
            problem = None if raw else "no file path given"
            path = (root / str(raw)).resolve() if raw else root
            if problem is None:
                problem = _check(path, root)
            if problem:
                problems.append(f"Chart “{title}” from {agent} was not shared: {problem}.")
            else:
                charts.append(Chart(title, path))
    return charts[:MAX_CHARTS], problems


def _check(path: Path, root: Path) -> str | None:
    if not path.is_relative_to(root):
        return "its file is outside the data folder"
    if not path.is_file():
        return "its file does not exist"
    if path.stat().st_size > MAX_BYTES:
        return "its file is over 10 MB"
    with path.open("rb") as f:
        if f.read(len(PNG_MAGIC)) != PNG_MAGIC:
            return "its file is not a PNG image"
    return None


def upload(client, channel: str, thread_ts: str, charts: list[Chart]) -> None:
    """One files_upload_v2 call for all charts (upload URL per file, one completion)."""
    if charts:
        client.files_upload_v2(channel=channel, thread_ts=thread_ts, file_uploads=[
            {"file": str(c.path), "filename": c.path.name, "title": c.title} for c in charts])

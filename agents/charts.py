"""Charts and Markdown reports the quantitative specialists write to disk.

A report lives in its own folder under CHUHAI_DATA_DIR/reports/<agent>/<report_id>/:
`report.md` plus PNG charts. Paths handed back in `data["charts"]` are relative to the
data folder (the form slack_app/charts.py uploads). matplotlib runs headless (Agg) and
keeps its cache inside the data folder, so nothing is written outside it.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
# pyplot keeps global state; one figure at a time per process.
_PLOT_LOCK = threading.Lock()


def report_dir(settings: Any, agent: str, report_id: str) -> Path:
    """A fresh folder for one report (the id is made file-name safe)."""
    safe = _SAFE.sub("-", report_id).strip("-.") or "report"
    path = Path(settings.state_dir) / "reports" / _SAFE.sub("-", agent) / safe
    path.mkdir(parents=True, exist_ok=True)
    return path


def relative_to_data(settings: Any, path: Path) -> str:
    return str(Path(path).resolve().relative_to(Path(settings.state_dir).resolve()))


def pyplot(settings: Any):
    """matplotlib.pyplot on the Agg backend, its config/cache folder inside the data folder."""
    os.environ.setdefault("MPLCONFIGDIR", str(Path(settings.state_dir) / "mplconfig"))
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save_chart(settings: Any, folder: Path, name: str, title: str, draw) -> dict:
    """Draw with `draw(fig, ax)`, save `<folder>/<name>.png`, close the figure; return the
    chart entry `{"title", "path"}` (path relative to the data folder)."""
    plt = pyplot(settings)
    path = Path(folder) / f"{_SAFE.sub('-', name)}.png"
    with _PLOT_LOCK:
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        try:
            draw(fig, ax)
            ax.set_title(title)
            fig.tight_layout()
            fig.savefig(path, format="png")
        finally:
            plt.close(fig)
    return {"title": title, "path": relative_to_data(settings, path)}


def write_markdown(settings: Any, folder: Path, markdown: str) -> str:
    """Write `report.md` in the report folder; return its path relative to the data folder."""
    path = Path(folder) / "report.md"
    path.write_text(markdown, encoding="utf-8")
    return relative_to_data(settings, path)


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)

"""Model cards: each training run writes ``<name>.card.json`` (everything, for tools)
and ``<name>.card.md`` (for people) next to its model."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path


def write_card_files(json_path: Path, md_path: Path, card: dict, lines: Iterable[str]) -> None:
    """Write ``card`` as JSON to ``json_path`` and ``lines`` as Markdown to ``md_path``."""
    for path in (json_path, md_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(json_path).write_text(json.dumps(card, ensure_ascii=False, indent=2), encoding="utf-8")
    Path(md_path).write_text("\n".join(lines), encoding="utf-8")


def md_table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table as lines: header, separator, one line a row (an empty cell is a space)."""

    def line(cells: Sequence[object]) -> str:
        return "|" + "|".join(f" {c} " if c != "" else " " for c in cells) + "|"

    return [line(header), "|" + "---|" * len(header), *(line(row) for row in rows)]

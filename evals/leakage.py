"""The harness refuses to score a case that a model was trained on: every turn long
enough to be a real request (short replies like "yes" are everywhere) is normalised and
looked up in the training texts of the models the suite exercises."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from evals.cases import Case

MIN_CHARS = 12


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


@lru_cache(maxsize=4)
def training_texts(model: str, shared: Path) -> frozenset[str]:
    """What ``model`` was trained on, normalised (the router also sees Bitext train)."""
    from ml.intents_eval import load_splits
    from ml.router_eval import bitext_examples, load_examples, split

    if model == "router":
        rows = split(load_examples(), "train") + bitext_examples(shared, "train", per_intent=None)
        texts = [r["text"] for r in rows]
    elif model == "intents":
        texts = list(load_splits(shared)[0]["instruction"])
    else:
        raise KeyError(f"no training set known for model {model!r}")
    return frozenset(normalise(t) for t in texts)


def leaked_cases(cases: list[Case], models: tuple[str, ...], shared: Path) -> list[tuple[str, str, str]]:
    """(case id, model, turn) for every turn found in a training set."""
    out = []
    for model in models:
        seen = training_texts(model, Path(shared))
        for case in cases:
            for turn in case.turns:
                norm = normalise(turn)
                if len(norm) >= MIN_CHARS and norm in seen:
                    out.append((case.id, model, turn))
    return out

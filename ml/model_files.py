"""Saving and loading a model object as a versioned joblib payload, and timing its
predict path; shared by the model modules (each names its class and format version)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import joblib
import sklearn

T = TypeVar("T")


def save_model(model: Any, path: Path, format_version: int, key: str = "model") -> None:
    """Write the versioned payload atomically (a temp file in the same folder, then
    rename): a server loading models while `chuhai models train` runs never reads half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format_version": format_version, "sklearn_version": sklearn.__version__, key: model}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        joblib.dump(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_model(cls: type[T], path: Path, format_version: int, what: str, key: str = "model") -> T:
    """The ``cls`` instance saved at ``path``; ValueError for any other file."""
    payload = joblib.load(Path(path))
    if not isinstance(payload, dict) or payload.get("format_version") != format_version:
        raise ValueError(f"{path} is not a {what} of format {format_version}")
    if not isinstance(payload.get(key), cls):
        raise ValueError(f"{path} does not hold a {cls.__name__}")
    return payload[key]


def mean_ms(fn: Callable[[Any], object], items: Iterable[Any]) -> float:
    """Mean milliseconds of ``fn(item)`` over ``items``, one call an item."""
    items = list(items)
    start = time.perf_counter()
    for item in items:
        fn(item)
    return round((time.perf_counter() - start) * 1000 / max(1, len(items)), 3)

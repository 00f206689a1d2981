"""The one error type the store raises on purpose."""
from __future__ import annotations


class ActionRefused(Exception):
    """A read or write the store will not do; nothing was changed.

    ``message`` is a sentence meant for the end user or the agent (it says why and, where
    there is one, what would work instead). ``code`` is a short machine-readable reason
    (``not_found``, ``not_owner``, ``bad_status``, ``bad_argument``, ``payment``,
    ``item``), for callers that branch on the kind of refusal.
    """

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"ActionRefused({self.message!r}, code={self.code!r})"

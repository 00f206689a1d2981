"""guardrails-ai custom validators over the plain guards, and the Guards built from them.

Validators (registered as ``chuhai/pii``, ``chuhai/injection``, ``chuhai/banned_claims``,
``chuhai/reply_policy``): PII fails with the redacted text as ``fix_value`` (use
``on_fail="fix"``), the others fail with no fix (``on_fail="exception"`` or ``"noop"`` and
read the summary). Nothing here downloads from the Hub or calls a remote validator.

Offline: guardrails-ai 0.11 sends usage traces to its own endpoint unless
``settings.rc.enable_metrics`` is False, and ``Guard()`` reloads that setting from
``~/.guardrailsrc`` (default: on) every time a guard is made. ``offline()`` sets the rc to
metrics off / no remote inference / tracing off, and ``OfflineGuard`` keeps it that way
whenever guardrails reloads it. ``chuhai/__init__.py`` also sets ``OTEL_SDK_DISABLED`` and
``GUARDRAILS_RUN_SYNC`` (validators run in this thread; no event loop of its own).

Importing this module imports guardrails (~4-5 s): import it lazily, off start-up paths.
"""
from __future__ import annotations

import os
from typing import Any

os.environ["GUARDRAILS_RUN_SYNC"] = "true"
os.environ.setdefault("OTEL_SDK_DISABLED", "true")

from guardrails import Guard, OnFailAction  # noqa: E402
from guardrails.classes.rc import RC  # noqa: E402
from guardrails.classes.validation.validation_result import ErrorSpan  # noqa: E402
from guardrails.settings import settings as gr_settings  # noqa: E402
from guardrails.validators import FailResult, PassResult, ValidationResult, Validator, register_validator  # noqa: E402

from guards.claims import find_claims  # noqa: E402
from guards.injection import check_injection  # noqa: E402
from guards.pii import ALL_KINDS, detect, redact  # noqa: E402
from guards.policy import find_promises  # noqa: E402


def offline() -> None:
    """guardrails-ai settings with no metrics, no remote inference and no tracing."""
    gr_settings.rc = RC(enable_metrics=False, use_remote_inferencing=False)
    gr_settings.disable_tracing = True
    gr_settings.use_server = False
    from guardrails.utils.hub_telemetry_utils import HubTelemetry

    HubTelemetry(enabled=False)._enabled = False


offline()


class OfflineGuard(Guard):
    """A Guard that never turns guardrails' metrics back on when it (re)loads its rc."""

    def _load_rc(self) -> None:
        offline()

    def configure(self, *, num_reasks=None, allow_metrics_collection=None):  # noqa: D102
        super().configure(num_reasks=num_reasks, allow_metrics_collection=False)


@register_validator(name="chuhai/pii", data_type="string")
class PIIValidator(Validator):
    """Fails when the text holds PII; the fix is the text with typed placeholders.
    ``metadata["keep"]`` (a set of values) are left as they are."""

    def __init__(self, kinds: list[str] | None = None, on_fail: Any = OnFailAction.FIX, **kwargs):
        super().__init__(on_fail=on_fail, kinds=kinds, **kwargs)
        self.kinds = frozenset(kinds) if kinds else ALL_KINDS

    def _validate(self, value: Any, metadata: dict) -> ValidationResult:
        keep = set(metadata.get("keep") or ())
        ents = [e for e in detect(value, self.kinds) if e.value not in keep]
        if not ents:
            return PassResult()
        red = redact(value, keep=keep, kinds=self.kinds)
        return FailResult(error_message="PII: " + ", ".join(red.kinds), fix_value=red.text,
                          error_spans=[ErrorSpan(start=e.start, end=e.end, reason=e.kind) for e in ents])


@register_validator(name="chuhai/injection", data_type="string")
class InjectionValidator(Validator):
    """Fails on a prompt-injection attempt (rules + the trained classifier when given)."""

    def __init__(self, model: Any = None, source: str = "user", on_fail: Any = OnFailAction.EXCEPTION, **kwargs):
        super().__init__(on_fail=on_fail, source=source, **kwargs)
        self.model = model
        self.source = source

    def _validate(self, value: Any, metadata: dict) -> ValidationResult:
        v = check_injection(value, self.model, source=self.source)
        if v.flagged:
            return FailResult(error_message=f"prompt injection ({v.detail})")
        return PassResult()


class _LanguageValidator(Validator):
    """A validator whose checks depend on the text's language (``metadata["language"]`` wins)."""

    def __init__(self, language: str | None = None, on_fail: Any = OnFailAction.EXCEPTION, **kwargs):
        super().__init__(on_fail=on_fail, language=language, **kwargs)
        self.language = language


@register_validator(name="chuhai/banned_claims", data_type="string")
class BannedClaimsValidator(_LanguageValidator):
    """Fails on banned marketing or health claims; ``metadata["language"]`` narrows the list."""

    def _validate(self, value: Any, metadata: dict) -> ValidationResult:
        claims = find_claims(value, metadata.get("language", self.language))
        if claims:
            return FailResult(error_message="banned claims: " + ", ".join(sorted({c.id for c in claims})),
                              error_spans=[ErrorSpan(start=c.start, end=c.end, reason=c.id) for c in claims])
        return PassResult()


@register_validator(name="chuhai/reply_policy", data_type="string")
class ReplyPolicyValidator(_LanguageValidator):
    """Fails on a reply that promises what the store policy does not allow."""

    def _validate(self, value: Any, metadata: dict) -> ValidationResult:
        found = find_promises(value, metadata.get("language", self.language))
        if found:
            return FailResult(error_message="policy promise: " + ", ".join(found))
        return PassResult()


def input_guard(injection_model: Any = None) -> OfflineGuard:
    """Injection check (noop: read the summary) then PII redaction (fix)."""
    # one use() call: in guardrails 0.11 a second use() on the same property replaces the first
    return OfflineGuard(name="chuhai-input").use(
        InjectionValidator(model=injection_model, on_fail=OnFailAction.NOOP),
        PIIValidator(on_fail=OnFailAction.FIX))


def output_guard() -> OfflineGuard:
    """Policy promises (noop: read the summary) then PII redaction (fix)."""
    return OfflineGuard(name="chuhai-output").use(
        ReplyPolicyValidator(on_fail=OnFailAction.NOOP),
        PIIValidator(on_fail=OnFailAction.FIX))


def listing_guard(language: str | None = None) -> OfflineGuard:
    """Banned claims in a listing (noop: read the summary)."""
    return OfflineGuard(name="chuhai-listing").use(BannedClaimsValidator(language=language, on_fail=OnFailAction.NOOP))


def failures(outcome) -> dict[str, str]:
    """validator name -> failure reason, from a ValidationOutcome."""
    return {s.validator_name: s.failure_reason or "" for s in (outcome.validation_summaries or [])
            if s.validator_status == "fail"}

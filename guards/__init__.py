"""Guards on every path in and out: PII, prompt injection, policy.

Plain functions (fast path, no guardrails-ai import):
- ``guards.pii``: ``detect``, ``redact(text, keep, kinds)``, ``redact_json``, ``restore``
  (EMAIL, PHONE, CARD, IBAN, US_SSN, CN_RESIDENT_ID, STREET_ADDRESS, PERSON; six languages).
- ``guards.injection``: ``check_injection``, ``filter_retrieved``, ``refusal`` (rules in
  ``guards.injection_rules`` + the classifier of ``ml/injection.py``).
- ``guards.policy``: ``check_tool_call``, ``check_reply``; ``guards.claims``: ``find_claims``.
- ``guards.screen``: ``screen_input`` / ``screen_output``, the input and output guards with
  their ``guardrails`` entries.

guardrails-ai validators and Guards (offline: no Hub, metrics and tracing off):
``guards.validators`` (imports guardrails: load it lazily). Measurements and the
integration notes: ``guards/GUARDS.md``.
"""

"""Guards on every path in and out. For now: regex PII redaction (guards.pii).

The full guardrails-ai validators (injection classifier, policy checks, more PII kinds)
arrive with the knowledge-base and guardrails issue; they plug in behind the same
`redact` / `GuardResult` shapes.
"""

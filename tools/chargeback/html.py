"""A dispute bundle as one self-contained HTML document (inline CSS, no scripts, no
external resources): printable to PDF from any browser. Every value is escaped."""
from __future__ import annotations

import json
from html import escape

from tools.chargeback.bundle import DisputeBundle, item_label

CSS = """body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ddd;padding:.3rem .5rem;vertical-align:top;text-align:left}
.held{color:#0a6b2d}.partial{color:#8a5a00}.not_held{color:#a11}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}
details pre{font-size:12px}.meter{font-weight:bold}"""


def _facts(facts: dict) -> str:
    if not facts:
        return ""
    text = json.dumps(facts, ensure_ascii=False, indent=1, default=str)
    return f"<details><summary>facts</summary><pre>{escape(text)}</pre></details>"


def render_html(bundle: DisputeBundle) -> str:
    d, c = bundle.dispute, bundle.completeness
    rows = "".join(
        f"<tr><td>{escape(item_label(i.item))}</td><td class='{i.status}'>{escape(i.status.replace('_', ' '))}</td>"
        f"<td>{i.weight:g}</td><td>{escape(i.why)}</td><td>{escape(i.note)}{_facts(i.facts)}</td></tr>"
        for i in bundle.evidence)
    missing = "".join(f"<li>{escape(item_label(m))}</li>" for m in c.missing) or "<li>nothing</li>"
    cites = "".join(f"<li>{escape(x['title'])}: <em>{escape(x['section'])}</em> ({escape(x['source'])})</li>"
                    for x in bundle.citations)
    risk = ""
    if bundle.fraud_risk:
        r = bundle.fraud_risk
        risk = (f"<h2>Fraud risk (internal, not sent)</h2><p>{escape(str(r['band']))}: probability "
                f"{r['probability']} (threshold {r['threshold']}). {escape(r['note'])}</p>")
    a = bundle.assessment
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dispute {escape(d['id'])}</title><style>{CSS}</style></head>
<body>
<h1>Dispute {escape(d['id'])}: {escape(d['network'])} {escape(d['reason_code'])} ({escape(d['reason'])})</h1>
<p>Order {escape(d['order_id'])}, {d['amount']:,.2f} {escape(d['currency'])}; opened {escape(d['opened_at'][:10])},
due {escape(d['due_at'][:10])}; status {escape(d['status'])}. Family: {escape(bundle.family_label)}.</p>
<p class="meter">Evidence completeness: {c.score * 100:.0f}%</p>
<p>Assessment: {escape(a.recommendation.replace('_', ' '))}.</p>
<h2>Missing evidence</h2><ul>{missing}</ul>
<h2>Evidence</h2>
<table><tr><th>item</th><th>status</th><th>weight</th><th>why it matters</th><th>note and facts</th></tr>{rows}</table>
{risk}
<h2>Rebuttal letter</h2><pre>{escape(bundle.letter)}</pre>
<h2>Sources</h2><ul>{cites}</ul>
<p><small>Bundle {escape(bundle.bundle_ref)}, generated {escape(bundle.generated_at)}.</small></p>
</body></html>
"""

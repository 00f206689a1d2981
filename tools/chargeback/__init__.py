"""Chargeback evidence: gathering per reason code (evidence.py, requirements in
agents/data/chargeback_evidence.yaml), customer threads from the checkpointer
(threads.py), the bundle (bundle.py), the rebuttal letter (letter.py) and its HTML
document (html.py). The typed tools over them are in tools/chargeback_tools.py."""

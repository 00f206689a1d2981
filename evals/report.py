"""Markdown and self-contained HTML reports of an eval run, written from one list of
blocks (heading, paragraph, table, image, preformatted) so the two never disagree.
Plots are PNGs: files next to the Markdown, base64 inside the HTML."""
from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path

from evals.runner import SuiteResult

SUMMARY_COLUMNS = [("cases", "cases"), ("success", "success"), ("pass^k", "pass^k"),
                   ("route_exact_rate", "route exact"), ("store_rate", "store end state"),
                   ("facts_rate", "facts"), ("pii_rate", "no PII leak"), ("latency_p50_s", "p50 s"),
                   ("latency_p95_s", "p95 s"), ("llm_calls_per_request", "LLM calls/req"),
                   ("excluded_as_trained_on", "excluded (trained on)")]
MAX_FAILURES_SHOWN = 40


@dataclass
class Block:
    kind: str          # h1 | h2 | h3 | p | table | image | pre
    text: str = ""
    rows: list | None = None
    png: bytes | None = None


def fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def build(results: list[SuiteResult], info: dict, comparison: dict | None = None) -> list[Block]:
    blocks = [Block("h1", "Chuhai eval report"),
              Block("p", " · ".join(f"{k}: {v}" for k, v in info.items()))]
    head = ["suite", "held-out"] + [label for _, label in SUMMARY_COLUMNS]
    rows = [head]
    for r in results:
        m = {**r.metrics, "pass^k": r.metrics.get(f"pass^{r.k}")}
        rows.append([r.suite, "yes" if r.heldout else "no"] + [fmt(m.get(key)) for key, _ in SUMMARY_COLUMNS])
    blocks += [Block("h2", "Summary"), Block("table", rows=rows)]
    blocks += [Block("p", f"{r.suite}: {r.metrics['headline']}")
               for r in results if r.metrics.get("headline")]
    if comparison is not None:
        blocks += comparison_blocks(comparison)
    plots = [p for p in (_accuracy_plot(results, "by_agent", "accuracy per agent (or label)"),
                         _accuracy_plot(results, "by_language", "accuracy per language"),
                         _latency_plot(results)) if p]
    if plots:
        blocks.append(Block("h2", "Plots"))
        blocks += [Block("image", text=title, png=png) for title, png in plots]
    for r in results:
        blocks += suite_blocks(r)
    return blocks


def comparison_blocks(comparison: dict) -> list[Block]:
    if not comparison.get("suites"):
        return [Block("h2", "Compared with the previous run"), Block("p", "No earlier run of these suites.")]
    out = [Block("h2", f"Compared with run {comparison['against']['id']} "
                       f"({comparison['against']['started']}, {comparison['against']['git_rev']})")]
    rows = [["suite", "metric", "before", "now", "change"]]
    for suite, d in comparison["suites"].items():
        for name, (before, now) in sorted(d["metrics"].items()):
            if before != now:
                rows.append([suite, name, fmt(before), fmt(now), f"{now - before:+.4f}"])
    out.append(Block("table", rows=rows) if len(rows) > 1 else Block("p", "No metric changed."))
    for suite, d in comparison["suites"].items():
        if d["regressed"]:
            out.append(Block("p", f"**{suite}: now failing** {', '.join(d['regressed'])}"))
        if d["fixed"]:
            out.append(Block("p", f"{suite}: now passing {', '.join(d['fixed'])}"))
    return out


def suite_blocks(r: SuiteResult) -> list[Block]:
    out = [Block("h2", f"Suite {r.suite}")]
    if r.skipped:
        return out + [Block("p", f"Skipped: {r.skipped}.")]
    out.append(Block("p", f"{len(r.cases)} cases, k={r.k}, {r.seconds} s; "
                          f"{r.metrics.get('excluded_as_trained_on', 0)} excluded because a model was trained on them."))
    for title, rows in (r.metrics.get("tables") or {}).items():  # a suite's own figures
        out += [Block("h3", title), Block("table", rows=rows)]
    for key in ("by_language", "by_agent"):
        if r.metrics.get(key):
            label = "label" if r.kind == "classification" and key == "by_agent" else key[3:]
            out.append(Block("table", rows=[[label, "accuracy"]] + [[k, fmt(v)] for k, v in r.metrics[key].items()]))
    fails = r.failures
    if fails:
        out.append(Block("h3", f"Failing cases ({len(fails)}" + (f", first {MAX_FAILURES_SHOWN} shown)"
                                                                if len(fails) > MAX_FAILURES_SHOWN else ")")))
        for cr in fails[:MAX_FAILURES_SHOWN]:
            out.append(Block("pre", text=failure_text(cr)))
    return out


def failure_text(cr) -> str:
    trial = next(t for t in cr.trials if not t.passed)
    lines = [f"{cr.case.id} [{cr.case.lang}] {cr.case.notes[:200]}".rstrip()]
    if trial.error:
        lines.append(f"error: {trial.error.strip()}")
    for check in trial.failed_checks:
        if check.name != "store":
            lines.append(f"✗ {check.name}: {check.detail}")
    for turn, reply in zip(cr.case.turns, trial.replies):
        lines.append(f"> {turn}")
        lines.append(f"< [{'/'.join(reply.route) or 'none'}] {reply.text}")
    store = trial.check("store")
    if store and not store.passed:
        lines.append("store diff (expected vs. got):")
        lines += [f"  {line}" for line in store.detail.splitlines()]
    return "\n".join(lines)


# -- plots --------------------------------------------------------------------------------
def _figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _accuracy_plot(results: list[SuiteResult], key: str, title: str):
    series = [(r.suite, r.metrics.get(key) or {}) for r in results
              if r.kind == "conversation" and len(r.metrics.get(key) or {}) > 1]
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.2), squeeze=False)
    for ax, (suite, values) in zip(axes[0], series):
        names = list(values)
        ax.bar(names, [values[n] or 0 for n in names], color="#3b7dd8")
        ax.set_ylim(0, 1.05)
        ax.set_title(suite, fontsize=10)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    fig.suptitle(title, fontsize=11)
    return title, _figure_png(fig)


def _latency_plot(results: list[SuiteResult]):
    data = [(r.suite, [rep.latency_s * 1000 for c in r.cases for t in c.trials for rep in t.replies])
            for r in results if r.kind == "conversation" and r.cases]
    if not data:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.boxplot([d for _, d in data], showfliers=True)
    ax.set_xticks(range(1, len(data) + 1), [s for s, _ in data])
    ax.set_yscale("log")
    ax.set_ylabel("ms per request (log)")
    ax.set_title("latency distribution per suite", fontsize=11)
    return "latency distribution", _figure_png(fig)


# -- rendering ----------------------------------------------------------------------------
def to_markdown(blocks: list[Block], image_dir: Path) -> str:
    out, n = [], 0
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + b.text)
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "table":
            head, *rows = b.rows
            out.append("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
            out[-1] += "".join("\n| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows)
        elif b.kind == "image":
            n += 1
            name = f"plot{n}.png"
            (image_dir / name).write_bytes(b.png)
            out.append(f"![{b.text}]({name})")
        elif b.kind == "pre":
            out.append("```\n" + b.text + "\n```")
    return "\n\n".join(out) + "\n"


CSS = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
       "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
       "th{background:#f2f2f2}pre{background:#f7f7f7;padding:8px;white-space:pre-wrap;font-size:12px}"
       "img{max-width:100%}")


def to_html(blocks: list[Block]) -> str:
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>Chuhai eval report</title>"
           f"<style>{CSS}</style></head><body>"]
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append(f"<{b.kind}>{html.escape(b.text)}</{b.kind}>")
        elif b.kind == "p":
            text = html.escape(b.text)
            out.append("<p>" + _bold(text) + "</p>")
        elif b.kind == "table":
            head, *rows = b.rows
            out.append("<table><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                                 for row in rows) + "</table>")
        elif b.kind == "image":
            data = base64.b64encode(b.png).decode()
            out.append(f"<figure><img alt='{html.escape(b.text)}' src='data:image/png;base64,{data}'></figure>")
        elif b.kind == "pre":
            out.append(f"<pre>{html.escape(b.text)}</pre>")
    return "\n".join(out) + "</body></html>\n"


def _bold(text: str) -> str:
    parts = text.split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))


def write(results: list[SuiteResult], info: dict, out_dir: Path, comparison: dict | None = None) -> dict[str, Path]:
    """Write report.md (+ plot PNGs), report.html and results.json into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = build(results, info, comparison)
    paths = {"markdown": out_dir / "report.md", "html": out_dir / "report.html", "json": out_dir / "results.json"}
    paths["markdown"].write_text(to_markdown(blocks, out_dir), encoding="utf-8")
    paths["html"].write_text(to_html(blocks), encoding="utf-8")
    paths["json"].write_text(json.dumps({"info": info, "suites": {r.suite: {**r.metrics, "skipped": r.skipped}
                                                                 for r in results},
                                         "failures": {r.suite: [c.case.id for c in r.failures] for r in results}},
                                        indent=2, ensure_ascii=False), encoding="utf-8")
    return paths

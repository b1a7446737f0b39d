"""A self-contained HTML report of a RAG evaluation: inline CSS and SVG, no scripts, no external assets.

It shows the mean of each metric, a histogram of each metric's scores (ten bins over [0, 1]) and, per
metric, the worst turns with what explains their score: the weakest claim of the output and its best
evidence (faithfulness), the reference claims the passages do not support (context coverage), the
relevance of each passage (context relevance).
"""

from __future__ import annotations

from html import escape

from evaluation.rag import METRICS, RagReport, TurnScores

WORST = 5
BINS = 10
TITLES = {
    "faithfulness": "Faithfulness",
    "answer_relevance": "Answer relevance",
    "context_relevance": "Context relevance",
    "context_coverage": "Context coverage",
}
EXPLAINED = {
    "faithfulness": "grounding score of the output in the retrieved passages",
    "answer_relevance": "relevance of the output to the prompt",
    "context_relevance": "mean relevance of the retrieved passages to the prompt",
    "context_coverage": "share of the reference responses' claims the passages support",
}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933;
padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d9e2ec}
.muted{color:#627d98}.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #d9e2ec;border-radius:6px;padding:.7rem 1rem;min-width:180px}
.card b{display:block;font-size:1.6rem}.hists{display:flex;gap:1.5rem;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border-top:1px solid #e4e7eb;
padding:.4rem .5rem;text-align:left;vertical-align:top}th{background:#f5f7fa}
.score{font-variant-numeric:tabular-nums;font-weight:600}.low{color:#b42318}.ok{color:#067647}
.claim{background:#fef3f2;padding:0 .2rem}.evidence{background:#ecfdf3;padding:0 .2rem}
"""


def render_report(report: RagReport) -> str:
    """The whole report as one HTML document."""
    means = report.means()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>RAG evaluation: {escape(report.dataset)}</title><style>{CSS}</style></head><body>",
        f"<h1>RAG evaluation</h1><p class=muted>{escape(report.dataset)} &middot; {len(report.turns)} turns "
        "&middot; scores in [0, 1], higher is better, computed by ragkb's grounding checker</p>",
        '<div class="cards">',
    ]
    for metric in METRICS:
        scored = sum(t.scores[metric] is not None for t in report.turns)
        mean = means[metric]
        shown = "&ndash;" if mean is None else f"{mean:.3f}"
        parts.append(
            f'<div class="card"><span class=muted>{TITLES[metric]}</span><b>{shown}</b>'
            f"<span class=muted>{scored} scored; {escape(EXPLAINED[metric])}</span></div>"
        )
    parts.append("</div><h2>Score distributions</h2><div class=hists>")
    for metric in METRICS:
        values = [s for t in report.turns if (s := t.scores[metric]) is not None]
        if values:
            parts.append(histogram(values, title=TITLES[metric]))
    parts.append("</div>")
    for metric in METRICS:
        scored_turns = [t for t in report.turns if t.scores[metric] is not None]
        if not scored_turns:
            continue
        worst = sorted(scored_turns, key=lambda t: t.scores[metric] or 0.0)[:WORST]
        parts.append(f"<h2>Worst examples: {TITLES[metric].lower()}</h2>")
        parts.append("<table><tr><th>Item</th><th>Score</th><th>Prompt and output</th><th>Why</th></tr>")
        parts.extend(_row(turn, metric) for turn in worst)
        parts.append("</table>")
    failed = [t for t in report.turns if t.error]
    if failed:
        parts.append("<h2>Not scored</h2><table><tr><th>Item</th><th>Reason</th></tr>")
        parts.extend(f"<tr><td>{escape(t.turn.id)}</td><td>{escape(t.error or '')}</td></tr>" for t in failed)
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def histogram(values: list[float], *, title: str, width: int = 250, height: int = 140) -> str:
    """An inline SVG bar chart of ``values`` in ten bins over [0, 1] (the last bin includes 1)."""
    counts = [0] * BINS
    for value in values:
        counts[min(int(max(value, 0.0) * BINS), BINS - 1)] += 1
    top = max(counts)
    plot_h, base = height - 40, height - 20
    bar_w = (width - 20) / BINS
    bars = []
    for i, count in enumerate(counts):
        h = plot_h * count / top if top else 0
        x = 10 + i * bar_w
        bars.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="#4c7bd9">'
            f"<title>{i / BINS:.1f}-{(i + 1) / BINS:.1f}: {count}</title></rect>"
        )
        if count:
            bars.append(f'<text x="{x + bar_w / 2 - 1:.1f}" y="{base - h - 3:.1f}" font-size="10" '
                        f'text-anchor="middle">{count}</text>')  # fmt: skip
    axis = (
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#9aa5b1"/>'
        f'<text x="10" y="{height - 5}" font-size="10">0</text>'
        f'<text x="{width / 2}" y="{height - 5}" font-size="10" text-anchor="middle">0.5</text>'
        f'<text x="{width - 10}" y="{height - 5}" font-size="10" text-anchor="end">1</text>'
    )
    return (
        f'<figure><svg width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)} histogram">{"".join(bars)}{axis}</svg>'
        f"<figcaption>{escape(title)} (n={len(values)})</figcaption></figure>"
    )


def _row(turn: TurnScores, metric: str) -> str:
    score = turn.scores[metric] or 0.0
    css = "low" if score < 0.5 else "ok"
    text = f"<b>Prompt:</b> {escape(turn.turn.prompt)}"
    if turn.turn.output is not None:
        text += f"<br><b>Output:</b> {escape(_cut(turn.turn.output))}"
    return (
        f"<tr><td>{escape(turn.turn.id)}</td><td class='score {css}'>{score:.3f}</td><td>{text}</td>"
        f"<td>{_why(turn, metric)}</td></tr>"
    )


def _why(turn: TurnScores, metric: str) -> str:
    if metric == "faithfulness" and turn.weakest_claim:
        claim = turn.weakest_claim
        return (
            f"Weakest claim ({claim['label']}, {claim['score']:.3f}): <span class=claim>{escape(claim['text'])}</span>"
            f"<br>Best evidence: <span class=evidence>{escape(_cut(claim['evidence']) or '(none)')}</span>"
        )
    if metric == "context_coverage" and turn.uncovered:
        items = "".join(f"<li>{escape(c)}</li>" for c in turn.uncovered[:5])
        return f"Reference claims not in the passages:<ul>{items}</ul>"
    if metric == "context_relevance" and turn.passage_relevance:
        listed = ", ".join(f"{r:.2f}" for r in turn.passage_relevance)
        return f"Relevance of each passage: {listed}"
    if metric == "answer_relevance":
        return "The output does not address the prompt well." if (turn.scores[metric] or 0) < 0.5 else ""
    return ""


def _cut(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"

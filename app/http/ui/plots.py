"""Charts of a human evaluation summary as inline SVG, drawn on the server: no chart library, no script."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from app.core.console.human_eval.summary import WinRate

PALETTE = ("#2454a6", "#d9822b", "#1f7a3a", "#8e44ad", "#a61b1b", "#16a085")


def distribution_chart(distributions: dict[str, dict[int, int]], *, labels: dict[int, str]) -> Markup:
    """Grouped bars: for each rating value, one bar per model (share of that model's ratings)."""
    models = list(distributions)
    values = list(labels)
    if not models:
        return Markup('<p class="muted">No ratings yet.</p>')
    width, height, left, bottom = 520, 220, 40, 40
    group = (width - left - 10) / len(values)
    bar = max(4.0, (group - 12) / len(models))
    plot = height - bottom - 10
    parts = [f'<svg role="img" aria-label="rating distribution" viewBox="0 0 {width} {height}" width="{width}">']
    for tick in (0, 0.5, 1):
        y = 10 + plot * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee8"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:.0%}</text>')
    for g, value in enumerate(values):
        x0 = left + g * group + 6
        for m, model in enumerate(models):
            counts = distributions[model]
            total = sum(counts.values()) or 1
            share = counts.get(value, 0) / total
            h = plot * share
            x = x0 + m * bar
            parts.append(
                f'<rect x="{x:.1f}" y="{10 + plot - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[m % len(PALETTE)]}"><title>{escape(model)}: {counts.get(value, 0)} '
                f"({share:.0%})</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + (group - 12) / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{escape(labels[value])}</text>"
        )
    parts.append(_legend(models, y=height - 8, left=left))
    parts.append("</svg>")
    return Markup("".join(parts))


def win_rate_chart(rates: Sequence[WinRate], *, what: str) -> Markup:
    """One horizontal bar per model with its 95 % Wilson interval as a whisker."""
    if not rates:
        return Markup('<p class="muted">No ratings yet.</p>')
    row, left, width = 30, 170, 520
    height = row * len(rates) + 30
    span = width - left - 20
    parts = [f'<svg role="img" aria-label="{escape(what)}" viewBox="0 0 {width} {height}" width="{width}">']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + span * tick
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - 20}" stroke="#d8dee8"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{tick:.0%}</text>')
    for i, rate in enumerate(rates):
        y = i * row + 6
        parts.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{escape(rate.model[:24])}</text>')
        parts.append(
            f'<rect x="{left}" y="{y}" width="{span * rate.rate:.1f}" height="18" fill="{PALETTE[i % len(PALETTE)]}">'
            f"<title>{rate.wins}/{rate.total} = {rate.rate:.0%} (95% CI {rate.low:.0%}-{rate.high:.0%})</title></rect>"
        )
        lo, hi = left + span * rate.low, left + span * rate.high
        parts.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + 9}" y2="{y + 9}" stroke="#111" stroke-width="2"/>')
        for x in (lo, hi):
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 3}" y2="{y + 15}" stroke="#111" stroke-width="2"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(models: Sequence[str], *, y: int, left: int) -> str:
    parts, x = [], left
    for m, model in enumerate(models):
        parts.append(f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{PALETTE[m % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}">{escape(model[:20])}</text>')
        x += 24 + 7 * min(len(model), 20)
    return "".join(parts)

"""Shared widgets: the prediction panel (browser hook `.st-key-prediction`) and the preprocessing steps."""

from __future__ import annotations

import io
from html import escape

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw

from explorer.plots import HIGHLIGHT, SECOND
from explorer.preprocess import BOX, Preprocessed
from explorer.ui import t

PREDICTION_KEY = "prediction"  # browser hook: .st-key-prediction [data-testid=stMetricValue]
BLANK = "–"  # the metric's value when nothing is drawn (architecture contract)
PANEL = 112  # px per preprocessing step: 28 x 4
GAP = 10
FIT_SCALE = 5  # 20 x 5 = 100 px, inside a 112 px panel
FRAME = (128, 128, 128, 255)


def prediction_panel(probs: np.ndarray | None) -> None:
    """The predicted digit as a metric (or '–'), the top 3 and a bar chart of all ten probabilities."""
    with st.container(key=PREDICTION_KEY):
        if probs is None:
            st.metric(t("pred.label"), BLANK)
            st.caption(t("pred.blank"))
            return
        probs = np.asarray(probs, dtype=float).reshape(10)
        order = np.argsort(-probs, kind="stable")
        best = int(order[0])
        st.metric(t("pred.label"), str(best))
        top3 = ", ".join(f"{int(d)} ({probs[d]:.1%})" for d in order[:3])
        st.caption(f"{t('pred.confidence', p=probs[best])} · {t('pred.top3', items=top3)}")
        st.html(probability_bars(probs, best))


# Ten bars in plain HTML and CSS (a constant stylesheet; every value in the markup is a number we format). A
# Vega-Lite chart here cost ~20 ms of the browser's work between a stroke and the prediction shown (measured with
# benchmarks/browser_latency.py: 104 -> 85 ms without it), and tablets have no hover for its tooltips: each bar
# carries its percentage as text instead.
BARS_CSS = """
.pbars { font-family: var(--st-font); font-size: 0.8rem; color: inherit; }
.pbars .cols { display: grid; grid-template-columns: repeat(10, minmax(0, 1fr)); gap: 0.3rem; align-items: end;
               height: 9rem; border-bottom: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.3)); }
.pbars .col { display: flex; flex-direction: column; justify-content: flex-end; align-items: center; height: 100%; }
.pbars .bar { width: 100%; min-height: 1px; border-radius: 2px 2px 0 0; }
.pbars .v { font-variant-numeric: tabular-nums; white-space: nowrap; line-height: 1.3; }
.pbars .digits { display: grid; grid-template-columns: repeat(10, minmax(0, 1fr)); gap: 0.3rem; text-align: center;
                 font-weight: 600; padding-top: 0.15rem; }
.pbars .axis { text-align: center; opacity: 0.7; }
"""


def probability_bars(probs: np.ndarray, best: int) -> str:
    """The ten probabilities as bars (HTML): the `best` digit highlighted, each bar's percentage above it."""
    cols, digits = [], []
    for d, p in enumerate(np.asarray(probs, dtype=float)):
        label = f"{p:.0%}" if p >= 0.005 else ""
        colour = HIGHLIGHT if d == best else SECOND
        cols.append(
            f'<div class="col" data-digit="{d}" data-p="{p:.9f}" title="{d}: {p:.1%}">'
            f'<span class="v">{label}</span>'
            f'<div class="bar" style="height: {100 * p:.2f}%; background: {colour}"></div></div>'
        )
        digits.append(f"<span>{d}</span>")
    summary = escape(f"{t('pred.chart_title')} — " + ", ".join(f"{d}: {p:.1%}" for d, p in enumerate(probs)))
    return (
        f'<div class="pbars" role="img" aria-label="{summary}"><style>{BARS_CSS}</style>'
        f'<div class="cols">{"".join(cols)}</div><div class="digits">{"".join(digits)}</div>'
        f'<div class="axis">{escape(t("pred.chart_digit"))}</div></div>'
    )


# The network's stages as cards that wrap (a markdown table of twelve columns ran off the page at 1400 px and on
# tablets). Constant stylesheet; every text in the markup is escaped.
PIPELINE_CSS = """
.pipe { display: flex; flex-wrap: wrap; align-items: stretch; gap: 0.35rem; font-family: var(--st-font);
        font-size: 0.9rem; margin-bottom: 0.5rem; }
.pipe > div { display: flex; flex-direction: column; justify-content: center; align-items: center; gap: 0.1rem;
              padding: 0.35rem 0.6rem; border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
              border-radius: 0.5rem; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pipe > div.legend { border-style: dashed; align-items: flex-start; opacity: 0.8; }
.pipe > span { align-self: center; opacity: 0.6; }
"""


def pipeline_html(stages: list[tuple[str, str, str]], labels: tuple[str, str, str]) -> str:
    """The forward pass as a row of cards that wraps: `stages` = (name, shape, parameters) texts in order, `labels`
    = what the three lines of every card are (the first card, dashed, says so)."""
    legend = '<div class="legend">' + "".join(f"<span>{escape(text)}</span>" for text in labels) + "</div>"
    cards = [
        f'<div data-stage="{escape(name)}"><b>{escape(name)}</b><span>{escape(shape)}</span>'
        f"<span>{escape(params)}</span></div>"
        for name, shape, params in stages
    ]
    return f'<div class="pipe"><style>{PIPELINE_CSS}</style>{legend}{"<span>→</span>".join(cards)}</div>'


def preprocessing_steps(pre: Preprocessed | None, source: str | None = None) -> None:
    """What the network sees: ink map with its bounding box, the 20x20 fit and the centred 28x28, in one image."""
    if pre is None or pre.digit is None:
        return
    caption = t("steps.caption")
    st.image(
        steps_png(pre),
        caption=f"{source} — {caption}" if source else caption,
        alt=t("steps.alt"),
        output_format="PNG",
    )


def steps_png(pre: Preprocessed) -> bytes:
    """The three preprocessing steps side by side as one RGBA PNG (one media file per rerun, not three)."""
    # compose in one grayscale channel (white ink on black, MNIST's own look), colour only the two outlines
    gray = Image.new("L", (3 * PANEL + 2 * GAP, PANEL), 0)
    alpha = Image.new("L", gray.size, 0)  # transparent gaps between the panels
    for i in range(3):
        alpha.paste(255, (i * (PANEL + GAP), 0, i * (PANEL + GAP) + PANEL, PANEL))
    h, w = pre.ink.shape
    scale = PANEL / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    left, top = (PANEL - size[0]) // 2, (PANEL - size[1]) // 2
    gray.paste(_gray(pre.ink).resize(size, Image.Resampling.BILINEAR), (left, top))
    side = BOX * FIT_SCALE
    offset = (PANEL - side) // 2
    if pre.fit is not None:
        gray.paste(
            _gray(pre.fit).resize((side, side), Image.Resampling.NEAREST), (PANEL + GAP + offset, offset)
        )
    gray.paste(_gray(pre.digit).resize((PANEL, PANEL), Image.Resampling.NEAREST), (2 * (PANEL + GAP), 0))
    out = Image.merge("RGBA", (gray, gray, gray, alpha))
    draw = ImageDraw.Draw(out)
    if pre.bbox is not None:
        y0, x0, y1, x1 = pre.bbox
        draw.rectangle(
            [left + x0 * scale, top + y0 * scale, left + x1 * scale - 1, top + y1 * scale - 1],
            outline=HIGHLIGHT,
            width=2,
        )
    x = PANEL + GAP + offset
    draw.rectangle([x - 1, offset - 1, x + side, offset + side], outline=FRAME)  # the 20x20 box
    buf = io.BytesIO()
    out.save(buf, format="PNG", compress_level=1)  # per stroke: speed over a few hundred bytes
    return buf.getvalue()


def _gray(a: np.ndarray) -> Image.Image:
    """A [0, 1] array as an 8-bit grayscale image."""
    return Image.fromarray((np.clip(a, 0, 1) * 255).round().astype(np.uint8), "L")

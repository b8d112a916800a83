"""Shared widgets: the prediction panel (browser hook `.st-key-prediction`) and the preprocessing steps."""

from __future__ import annotations

import io

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
        import pyarrow as pa  # not on the first page's path: nothing is drawn yet

        # a pyarrow table skips Streamlit's pandas conversion of inline data (~2 ms instead of ~18 ms a call)
        data = pa.table({"digit": [str(d) for d in range(10)], "p": probs.astype(np.float32)})
        st.vega_lite_chart(data, probability_spec(best), height=190, alt=t("pred.chart_title"))


def probability_spec(best: int) -> dict:
    """Vega-Lite bars for the columns `digit` (text) and `p` (probability), digit `best` highlighted."""
    return {
        "mark": {"type": "bar", "cornerRadiusTopLeft": 2, "cornerRadiusTopRight": 2},
        "encoding": {
            "x": {
                "field": "digit",
                "type": "ordinal",
                "title": t("pred.chart_digit"),
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "p",
                "type": "quantitative",
                "title": t("pred.chart_prob"),
                "scale": {"domain": [0, 1]},
                "axis": {"format": "%", "tickCount": 5},
            },
            "color": {
                "condition": {"test": f"datum.digit === '{best}'", "value": HIGHLIGHT},
                "value": SECOND,
            },
            "tooltip": [
                {"field": "digit", "type": "ordinal", "title": t("pred.chart_digit")},
                {"field": "p", "type": "quantitative", "title": t("pred.chart_prob"), "format": ".1%"},
            ],
        },
    }


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

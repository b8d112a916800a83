"""FigureSpec: a plotly figure handed to st.plotly_chart as the JSON it already is (imports plotly)."""

from __future__ import annotations

import plotly.graph_objects as go


class FigureSpec(go.Figure):
    """A figure already in plotly's JSON form ({"data": [...], "layout": {...}}).

    st.plotly_chart (like plotly.io) serialises a Figure through .to_dict(); this returns the prepared dict as is,
    skipping plotly's object model (validation and deep copies). It holds nothing else: use .figure() for a
    regular go.Figure (its properties, update methods, repr).
    """

    def __init__(self, spec: dict):  # not go.Figure.__init__: even an empty one costs ~0.5 ms
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec

    def figure(self) -> go.Figure:
        """The same figure as a validated go.Figure."""
        return go.Figure(self._spec)

    def __repr__(self) -> str:
        return f"FigureSpec({len(self._spec.get('data') or [])} traces)"

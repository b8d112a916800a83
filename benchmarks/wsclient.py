"""A minimal Streamlit client speaking the browser's websocket protocol (asyncio + `websockets`).

The browser opens ws://host/_stcore/stream with the subprotocol "streamlit", then sends BackMsg protobufs
(rerun_script = ClientState: query string, page hash/name, every widget's state, the fragment to rerun) and
receives ForwardMsg protobufs (new_session, navigation, deltas, page_profile, script_finished, ...). A rerun is
over when a `script_finished` arrives. This client keeps, like the browser, the latest widget states, so a
widget change is "the recorded states with one value replaced".
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok-fragment",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "stopped-for-rerun",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile-error",
}


@dataclass
class Run:
    """Everything received for one rerun request."""

    sent: float
    finished: float | None = None
    status: str | None = None
    messages: list[ForwardMsg] = field(default_factory=list)
    exec_ms: float | None = None  # page_profile.exec_time (sent when browser.gatherUsageStats is true)
    prep_ms: float | None = None
    nbytes: int = 0

    @property
    def latency_ms(self) -> float | None:
        return None if self.finished is None else (self.finished - self.sent) * 1e3

    def elements(self, kind: str | None = None):
        """(delta, element) pairs of the new elements in this run, optionally of one kind ('metric', ...)."""
        for m in self.messages:
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element":
                el = m.delta.new_element
                if kind is None or el.WhichOneof("type") == kind:
                    yield m.delta, el

    def exceptions(self) -> list[str]:
        """Messages of the exception elements shown in this run."""
        return [f"{el.exception.type}: {el.exception.message}" for _, el in self.elements("exception")]


class ProtocolError(RuntimeError):
    """The server closed the connection or answered something unexpected."""


class Session:
    """One browser-like session on one websocket."""

    def __init__(self, ws_url: str, origin: str | None = None) -> None:
        self.ws_url = ws_url
        self.origin = origin
        self.ws = None
        self.session_id: str | None = None
        self.pages: dict[str, str] = {}  # url_pathname -> page_script_hash
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}  # what the browser would send: latest value per widget id
        self.context_info = None
        self._run: Run | None = None
        self._done: asyncio.Event | None = None
        self._reader: asyncio.Task | None = None
        self.closed_reason: str | None = None
        self.received_bytes = 0

    async def connect(self, timeout: float = 60) -> None:
        """Open the websocket (no rerun yet)."""
        self.ws = await asyncio.wait_for(
            websockets.connect(
                self.ws_url,
                subprotocols=["streamlit"],
                max_size=None,
                origin=self.origin,
                open_timeout=timeout,
                ping_interval=None,
                compression=None,  # the browser does permessage-deflate; the server doesn't require it
            ),
            timeout,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Close the websocket and stop reading."""
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if isinstance(frame, str):
                    continue
                self.received_bytes += len(frame)
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                self._on_message(msg, len(frame))
        except websockets.ConnectionClosed as e:
            self.closed_reason = f"closed: {e}"
        finally:
            self.closed_reason = self.closed_reason or "closed"
            if self._done is not None:
                self._done.set()

    def _on_message(self, msg: ForwardMsg, size: int) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self.page_hash = msg.new_session.page_script_hash or self.page_hash
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        run = self._run
        if run is None:
            return
        run.messages.append(msg)
        run.nbytes += size
        if kind == "page_profile":
            run.exec_ms = msg.page_profile.exec_time / 1e3
            run.prep_ms = msg.page_profile.prep_time / 1e3
        elif kind == "script_finished":
            run.status = FINISHED.get(msg.script_finished, str(msg.script_finished))
            if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                run.finished = time.perf_counter()
                self._done.set()

    def client_state(
        self,
        query_string: str = "",
        page_hash: str | None = None,
        page_name: str = "",
        fragment_id: str = "",
        widgets: list[WidgetState] | None = None,
    ) -> ClientState:
        """A ClientState as the browser builds it: every known widget state (or `widgets`)."""
        cs = ClientState(
            query_string=query_string,
            page_script_hash=self.page_hash if page_hash is None else page_hash,
            page_name=page_name,
            fragment_id=fragment_id,
        )
        cs.widget_states.widgets.extend(self.widgets.values() if widgets is None else widgets)
        if self.context_info is not None:
            cs.context_info.CopyFrom(self.context_info)
        return cs

    async def rerun(self, state: ClientState, timeout: float = 60) -> Run:
        """Send rerun_script and wait for its script_finished; returns the Run (status None on timeout)."""
        if self.closed_reason:
            raise ProtocolError(self.closed_reason)
        msg = BackMsg()
        msg.rerun_script.CopyFrom(state)
        run = Run(sent=time.perf_counter())
        self._run, self._done = run, asyncio.Event()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self._done.wait(), timeout)
        except TimeoutError:
            run.status = "timeout"
        finally:
            self._run = None
        if run.finished is None and run.status != "timeout":
            raise ProtocolError(self.closed_reason or "no script_finished")
        self.learn(run)
        return run

    def learn(self, run: Run) -> None:
        """Track the widgets the run showed, as the browser's widget manager does for keyed widgets we set."""
        self.seen_ids = getattr(self, "seen_ids", set())
        for _, el in run.elements():
            kind = el.WhichOneof("type")
            wid = getattr(getattr(el, kind), "id", None) if kind else None
            if isinstance(wid, str) and wid:
                self.seen_ids.add(wid)


# ---------------------------------------------------------------------------------------------------------
# recordings


@dataclass
class Recording:
    """The BackMsgs a real browser sent (benchmarks/record_session.py)."""

    frames: list[dict]
    slider_page: str

    @classmethod
    def load(cls, path: Path) -> Recording:
        data = json.loads(Path(path).read_text())
        return cls(frames=data["frames"], slider_page=data["slider_page"])

    def reruns(self, step: str) -> list[ClientState]:
        """The rerun_script ClientStates sent during one step ('load', 'stroke', 'navigate', 'slider')."""
        out = []
        for f in self.frames:
            if f["step"] != step or f["type"] != "rerun_script":
                continue
            msg = BackMsg()
            msg.ParseFromString(base64.b64decode(f["b64"]))
            out.append(msg.rerun_script)
        return out


def widget_key(widget_id: str) -> str | None:
    """The user key at the end of a keyed widget id ('$$ID-<hash>-<key>'), else None."""
    if widget_id.startswith("$$ID-"):
        parts = widget_id.split("-", 2)
        if len(parts) == 3 and parts[2] and parts[2] != "None":
            return parts[2]
    return None

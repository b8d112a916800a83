"""Record what a real browser sends over Streamlit's websocket: open the app in Chromium, draw one stroke on the
canvas, go to another page through the sidebar and move a slider there. Every BackMsg frame the page sends is
saved (base64 protobuf + a readable dump) to benchmarks/recorded/session.json; load_test.py replays them.

    .venv/bin/python -m benchmarks.record_session [--slider-page pooling] [--out benchmarks/recorded/session.json]
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from pathlib import Path

from benchmarks.common import (
    CANVAS,
    CHROMIUM_ARGS,
    CONNECTED,
    IDLE,
    PREDICTION,
    chromium_path,
    streamlit_server,
)

OUT = Path(__file__).resolve().parent / "recorded" / "session.json"
TIMEOUT = 400_000  # ms: the machine may be very busy


def _progress(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)


def _wait_idle(page) -> None:
    page.wait_for_timeout(250)
    page.locator(CONNECTED).wait_for(state="attached", timeout=TIMEOUT)
    page.locator(IDLE).wait_for(state="attached", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stSkeleton]').length === 0", timeout=TIMEOUT
    )


def record(slider_page: str, out: Path) -> dict:
    """Drive one browser session and return {"steps": [...], "frames": [...]}."""
    from playwright.sync_api import sync_playwright
    from streamlit.proto.BackMsg_pb2 import BackMsg

    frames: list[dict] = []
    step = {"name": "load"}

    def on_frame(payload) -> None:
        if isinstance(payload, str):
            return
        msg = BackMsg()
        msg.ParseFromString(payload)
        frames.append(
            {
                "step": step["name"],
                "t": time.time(),
                "type": msg.WhichOneof("type"),
                "b64": base64.b64encode(payload).decode(),
                "text": str(msg)[:4000],
            }
        )

    with streamlit_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT)
        page.on("websocket", lambda ws: ws.on("framesent", on_frame))
        _progress(f"server healthy after {server.healthy_after:.1f} s")
        page.goto(server.url + "/")
        page.locator(CANVAS + "[data-ready]").wait_for(timeout=TIMEOUT)
        _wait_idle(page)

        _progress("canvas ready")
        step["name"] = "stroke"
        canvas = page.locator(CANVAS)
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        sx, sy = box["width"] / 280, box["height"] / 280
        page.mouse.move(box["x"] + 150 * sx, box["y"] + 50 * sy)
        page.mouse.down()
        page.mouse.move(box["x"] + 150 * sx, box["y"] + 230 * sy, steps=10)
        page.mouse.up()
        page.wait_for_function(
            f"() => {{ const el = document.querySelector({PREDICTION!r}); return el && el.innerText.trim() !== '–'; }}",
            timeout=TIMEOUT,
        )
        _wait_idle(page)
        prediction = page.locator(PREDICTION).first.inner_text().strip()

        step["name"] = "navigate"
        _progress(f"drawn (prediction {prediction}); going to {slider_page}")
        page.locator(f'[data-testid=stSidebarNav] a[href*="/{slider_page}"]').first.click()
        page.wait_for_url(f"**/{slider_page}**", timeout=TIMEOUT)
        _wait_idle(page)

        step["name"] = "slider"
        _progress("on the slider page")
        slider = page.locator("[data-testid=stSlider]").first.get_by_role("slider").first
        slider.wait_for(timeout=TIMEOUT)
        label = page.locator("[data-testid=stSlider]").first.inner_text().split("\n")[0]
        slider.focus()
        page.keyboard.press("ArrowRight")
        _wait_idle(page)
        page.wait_for_timeout(500)
        _progress("slider moved")
        browser.close()

    result = {
        "recorded": time.strftime("%Y-%m-%d %H:%M"),
        "slider_page": slider_page,
        "slider_label": label,
        "browser_prediction": prediction,
        "frames": frames,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return result


def main(argv: list[str] | None = None) -> int:
    """Record a session and print a summary of the frames."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.record_session", description=__doc__)
    parser.add_argument(
        "--slider-page", default="pooling", help="url_path of the page whose first slider moves"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    result = record(args.slider_page, args.out)
    print(
        f"recorded {len(result['frames'])} frames to {args.out} (prediction shown: {result['browser_prediction']})"
    )
    for f in result["frames"]:
        first = f["text"].replace("\n", " ")[:160]
        print(f"  {f['step']:8} {f['type']:14} {len(base64.b64decode(f['b64'])):7d} B  {first}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

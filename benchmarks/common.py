"""Shared by the benchmark scripts (and the browser tests' fixtures): a `streamlit run app.py` on a free port, machine load, digits drawn as the
canvas draws them, and plain-text tables. Run the scripts from the repository root: `python -m benchmarks.<name>`."""

from __future__ import annotations

import base64
import io
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("EXPLORER_DATA_ROOT", ROOT.parent / "shared" / "data"))
SERVER_FLAGS = [
    "--server.address", "127.0.0.1",
    "--server.headless", "true",
    "--global.developmentMode", "false",
    "--browser.gatherUsageStats", "false",
    "--server.fileWatcherType", "none",  # other people's edits must not rerun the app mid-benchmark
]  # fmt: skip
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CANVAS = ".st-key-digit_canvas canvas"
PREDICTION = ".st-key-prediction [data-testid=stMetricValue]"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
SIDE = 280  # the canvas bitmap
INK = (49, 51, 63)  # the light theme's text colour, which the canvas draws with (ink itself is the alpha)


# ---------------------------------------------------------------------------------------------------------
# machine and load


def loadavg() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    return os.getloadavg()


def training_running() -> bool:
    """True while `python -m explorer train` runs (CPU figures are then pessimistic)."""
    out = subprocess.run(["pgrep", "-f", "explorer train"], capture_output=True, text=True)
    return bool(out.stdout.strip())


class CpuMeter:
    """Busy fraction of all CPUs between start() and stop(), from /proc/stat (1.0 = every core busy)."""

    @staticmethod
    def _read() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields), idle

    def start(self) -> CpuMeter:
        self._t0 = self._read()
        return self

    def stop(self) -> float:
        total, idle = self._read()
        dt = total - self._t0[0]
        return 0.0 if dt <= 0 else 1.0 - (idle - self._t0[1]) / dt


def machine_line() -> str:
    """One line: date, CPU count, Python, load averages, and whether training is running."""
    one, five, _ = loadavg()
    train = "yes" if training_running() else "no"
    nice = f" · benchmark processes at nice {priority():+d}" if priority() else ""
    return (
        f"{datetime.now():%Y-%m-%d %H:%M} · {os.cpu_count()} CPUs · {platform.python_version()} · "
        f"load avg 1/5 min {one:.1f}/{five:.1f} · model training running: {train}{nice}"
    )


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """VmRSS of a process in MB (/proc/<pid>/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


# ---------------------------------------------------------------------------------------------------------
# server


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, extra: list[str] | None = None) -> list[str]:
    """`streamlit run app.py` from the project's venv on `port`."""
    exe = ROOT / ".venv" / "bin" / "streamlit"
    start = [str(exe)] if exe.exists() else [sys.executable, "-m", "streamlit"]
    return [*start, "run", "app.py", "--server.port", str(port), *SERVER_FLAGS, *(extra or [])]


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 90.0) -> float:
    """Poll /_stcore/health until it answers 'ok'; returns the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{url} not healthy after {timeout:.0f} s")


@dataclass
class Server:
    """A running `streamlit run app.py`."""

    proc: subprocess.Popen
    url: str
    port: int
    started: float  # perf_counter() just before Popen
    healthy_after: float  # seconds from Popen to health OK
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"


def priority() -> int:
    """The nice increment for benchmark processes (env BENCH_NICE, e.g. -10; 0 = unchanged).

    On a machine shared with other work, a negative value gives the server and the load client a larger CPU
    share, which approximates a dedicated host (needs root; every thread inherits it)."""
    return int(os.environ.get("BENCH_NICE", "0"))


def apply_priority() -> None:
    """Set the current process' niceness to BENCH_NICE (absolute, so children don't add it twice; call before
    the process starts threads, which inherit it)."""
    if priority():
        os.setpriority(os.PRIO_PROCESS, 0, priority())


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a process we started by its PID: SIGTERM, then SIGKILL after `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def streamlit_server(log_path: Path | None = None, extra: list[str] | None = None):
    """Start the app on a free port, yield a Server once healthy, stop it by PID afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = log_path or Path(f"/tmp/bench-streamlit-{port}.log")
    with open(log_path, "w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            streamlit_command(port, extra),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=apply_priority if priority() else None,
        )
        try:
            healthy = wait_healthy(url, proc)
            yield Server(proc, url, port, started, healthy, log_path)
        finally:
            stop(proc)


def find_chromium() -> str | None:
    """Debian's chromium (never a `playwright install` download), or None."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def chromium_path() -> str:
    """find_chromium(), or exit with a message."""
    found = find_chromium()
    if not found:
        raise SystemExit("chromium not found")
    return found


# ---------------------------------------------------------------------------------------------------------
# digits


def mnist_test_digits(n: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` MNIST test images (n, 28, 28) float32 in [0, 1] and their labels; the bundled samples (and shifted
    copies of them) when the MNIST files are not available."""
    raw = DATA_ROOT / "MNIST" / "raw"
    images_path, labels_path = raw / "t10k-images-idx3-ubyte", raw / "t10k-labels-idx1-ubyte"
    if images_path.exists() and labels_path.exists():
        images = np.frombuffer(images_path.read_bytes(), np.uint8, offset=16).reshape(-1, 28, 28)
        labels = np.frombuffer(labels_path.read_bytes(), np.uint8, offset=8)
        idx = np.arange(start, start + n) % len(labels)
        return images[idx].astype(np.float32) / 255.0, labels[idx].astype(np.int64)
    from explorer.samples import load_samples

    s = load_samples()
    out, labels = [], []
    for k in range(start, start + n):
        i, shift = k % len(s), k // len(s)
        img = np.roll(s.images[i], (shift % 3 - 1, (shift // 3) % 3 - 1), axis=(0, 1))
        out.append(img.astype(np.float32) / 255.0)
        labels.append(int(s.labels[i]))
    return np.stack(out), np.asarray(labels)


def canvas_png(digit: np.ndarray) -> bytes:
    """A 28x28 digit as the canvas would send it: 280x280 RGBA, ink in alpha on a transparent background."""
    from PIL import Image

    alpha = Image.fromarray((np.clip(digit, 0, 1) * 255).round().astype(np.uint8), "L")
    alpha = alpha.resize((SIDE, SIDE), Image.Resampling.BILINEAR)
    img = Image.new("RGBA", (SIDE, SIDE), (*INK, 0))
    img.putalpha(alpha)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def data_url(png: bytes) -> str:
    """A PNG as the data URL the canvas sends."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


# ---------------------------------------------------------------------------------------------------------
# figures and tables


def pct(values, q: float) -> float:
    """The q-th percentile (0..100) of `values`, linear interpolation; nan when empty."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def median(values) -> float:
    """Median, nan when empty."""
    return float(statistics.median(values)) if len(values) else float("nan")


def table(headers: list[str], rows: list[list], title: str | None = None) -> str:
    """A GitHub-markdown table (also readable as plain text)."""

    def cell(v) -> str:
        if isinstance(v, float):
            return "–" if v != v else f"{v:.1f}"
        return str(v)

    cells = [[cell(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = [f"### {title}", ""] if title else []
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    return "\n".join(lines)


def verdict(value: float, budget: float) -> str:
    """'ok' or 'OVER' against an upper budget."""
    return "ok" if value <= budget else "OVER"

"""Parse, validate and encode URL query-parameter values (no Streamlit): shareable links for the classroom.

Every codec has `decode(text) -> value` (InvalidParam for anything unusable, never another exception),
`encode(value) -> str` (the inverse: decode(encode(v)) == v) and `same(a, b)` (is `a` the default `b`?).
Parsing is strict and ASCII-only: "1e400", "nan", "inf", "٣" (an Arabic-Indic 3), "0x10", "3.0" for an int,
values out of range and texts longer than MAX_TEXT are all invalid. Kernels travel as "KHxKW:w,w,...",
row by row, e.g. "3x3:0,1,0,1,-4,1,0,1,0", checked by explorer.kernels.validate_kernel.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from explorer import kernels

MAX_TEXT = 1000  # longest raw value looked at: a 7x7 kernel of full-precision floats is ~900 characters

_INT = re.compile(r"[+-]?[0-9]{1,12}", re.ASCII)
_FLOAT = re.compile(r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)
_KERNEL = re.compile(r"([1-9])[xX]([1-9]):(.*)", re.ASCII | re.DOTALL)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class InvalidParam(ValueError):
    """A query value that can't be used; args[0] is a short reason code (for logs and tests, not for users)."""


class Codec(Protocol):
    """What share.bind needs from a codec."""

    def decode(self, text: Any) -> Any: ...

    def encode(self, value: Any) -> str: ...

    def same(self, a: Any, b: Any) -> bool: ...


def _text(text: Any) -> str:
    """The stripped value, or InvalidParam for a non-string or an over-long one."""
    if not isinstance(text, str):
        raise InvalidParam("not_text")
    if len(text) > MAX_TEXT:
        raise InvalidParam("too_long")
    return text.strip()


def format_number(value: float) -> str:
    """Shortest text that parses back to exactly `value` ("3" for 3.0, "0.1111111111111111" for 1/9)."""
    value = float(value)
    if not math.isfinite(value):
        raise InvalidParam("nonfinite")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def parse_number(text: Any) -> float:
    """A finite float from plain decimal / exponent notation (no nan, inf, hex, underscores, non-ASCII)."""
    text = _text(text)
    if not _FLOAT.fullmatch(text):
        raise InvalidParam("not_a_number")
    value = float(text)
    if not math.isfinite(value):  # "1e400"
        raise InvalidParam("nonfinite")
    return value


class _Plain:
    """Equality as the default test."""

    def same(self, a: Any, b: Any) -> bool:
        """True when `a` equals `b`."""
        try:
            return bool(a == b)
        except (TypeError, ValueError):
            return False


@dataclass(frozen=True)
class Int(_Plain):
    """An integer in [low, high], on the grid low + n·step (a slider's steps)."""

    low: int
    high: int
    step: int = 1

    def decode(self, text: Any) -> int:
        """The integer, or InvalidParam (not an integer, out of range, or off the step grid)."""
        text = _text(text)
        if not _INT.fullmatch(text):
            raise InvalidParam("not_an_int")
        value = int(text)
        if not self.low <= value <= self.high:
            raise InvalidParam("out_of_range")
        if (value - self.low) % self.step:
            raise InvalidParam("off_step")
        return value

    def encode(self, value: Any) -> str:
        """Decimal text of an in-range integer (bools and floats with a fraction are refused)."""
        if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
            raise InvalidParam("not_an_int")
        if not float(value).is_integer():
            raise InvalidParam("not_an_int")
        value = int(value)
        if not self.low <= value <= self.high:
            raise InvalidParam("out_of_range")
        return str(value)


@dataclass(frozen=True)
class Float(_Plain):
    """A finite float in [low, high]; `digits` rounds (slider steps like 0.7000000000000001), `step` puts it on
    the grid low + n·step (a slider's steps)."""

    low: float
    high: float
    digits: int | None = None
    step: float | None = None

    def decode(self, text: Any) -> float:
        """The float, or InvalidParam (not a plain number, non-finite, out of range or off the step grid)."""
        value = parse_number(text)
        if not self.low <= value <= self.high:
            raise InvalidParam("out_of_range")
        if self.step is not None:
            n = (value - self.low) / self.step
            if abs(n - round(n)) > 1e-6:
                raise InvalidParam("off_step")
            value = self.low + round(n) * self.step
        return round(value, self.digits) if self.digits is not None else value

    def encode(self, value: Any) -> str:
        """Shortest exact text (or rounded to `digits` decimals)."""
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise InvalidParam("not_a_number")
        value = float(value)
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise InvalidParam("out_of_range")
        return format_number(round(value, self.digits) if self.digits is not None else value)

    def same(self, a: Any, b: Any) -> bool:
        """Equal as floats (after rounding to `digits`)."""
        try:
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            return False
        if self.digits is not None:
            a, b = round(a, self.digits), round(b, self.digits)
        return a == b


@dataclass(frozen=True)
class Bool(_Plain):
    """On/off: "1"/"0" in links; also accepts true/false, yes/no, on/off (any case)."""

    def decode(self, text: Any) -> bool:
        """True / False, or InvalidParam."""
        text = _text(text).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidParam("not_a_bool")

    def encode(self, value: Any) -> str:
        """'1' or '0'."""
        if not isinstance(value, bool | np.bool_):
            raise InvalidParam("not_a_bool")
        return "1" if value else "0"


@dataclass(frozen=True)
class Choice(_Plain):
    """One of fixed options (strings, ints, ...), written as str(option); matching ignores case."""

    options: tuple

    def decode(self, text: Any) -> Any:
        """The option whose text matches, or InvalidParam."""
        text = _text(text).lower()
        for option in self.options:
            if str(option).lower() == text:
                return option
        raise InvalidParam("unknown_option")

    def encode(self, value: Any) -> str:
        """str(option) for a known option (a bool never matches 1 or 0)."""
        for option in self.options:
            if isinstance(option, bool) == isinstance(value, bool | np.bool_) and option == value:
                return str(option)
        raise InvalidParam("unknown_option")


@dataclass(frozen=True)
class Kernel:
    """Kernel weights as "KHxKW:w,w,..." (row by row), validated by explorer.kernels.validate_kernel."""

    max_size: int = kernels.MAX_KERNEL_SIZE

    def decode(self, text: Any) -> list[list[float]]:
        """The (KH, KW) weights as a list of rows, or InvalidParam (bad format, count, size or values)."""
        match = _KERNEL.fullmatch(_text(text))
        if not match:
            raise InvalidParam("not_a_kernel")
        kh, kw = int(match[1]), int(match[2])
        if max(kh, kw) > self.max_size:
            raise InvalidParam("kernel_shape")
        cells = match[3].split(",")
        if len(cells) != kh * kw:
            raise InvalidParam("kernel_count")
        values = [parse_number(c) for c in cells]
        try:
            kernel = kernels.validate_kernel(np.reshape(values, (kh, kw)))
        except ValueError as e:
            raise InvalidParam(e.args[0] if e.args else "kernel") from None
        return kernel.tolist()

    def encode(self, value: Any) -> str:
        """The compact text of a valid kernel (list of rows or a 2-D array)."""
        try:
            kernel = kernels.validate_kernel(value)
        except ValueError as e:
            raise InvalidParam(e.args[0] if e.args else "kernel") from None
        kh, kw = kernel.shape
        if max(kh, kw) > self.max_size:
            raise InvalidParam("kernel_shape")
        return f"{kh}x{kw}:" + ",".join(format_number(v) for v in kernel.ravel())

    def same(self, a: Any, b: Any) -> bool:
        """Same shape and the same weights."""
        try:
            a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return a.shape == b.shape and bool(np.array_equal(a, b))


def decode(codec: Codec, text: Any, default: Any) -> tuple[Any, bool]:
    """(value, True) for a usable text, else (default, False); never raises."""
    try:
        return codec.decode(text), True
    except InvalidParam:
        return default, False
    except Exception:  # a codec bug must not take the page down: treat as garbage
        return default, False


def encode(codec: Codec, value: Any, default: Any) -> str | None:
    """Text for the link, or None when `value` is the default (links stay short) or can't be encoded."""
    try:
        if codec.same(value, default):
            return None
        return codec.encode(value)
    except InvalidParam:
        return None
    except Exception:  # a strange value in session state: leave it out of the link
        return None

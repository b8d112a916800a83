"""explorer.params_codec: strict parsing of query-parameter values, exact round trips, garbage never raises."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import kernels
from explorer import params_codec as codec

GARBAGE = [
    "",
    " ",
    "abc",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "-1e400",
    "0x10",
    "1_000",
    "٣",  # Arabic-Indic digit three: int() would accept it
    "３",  # fullwidth 3
    "3\x00",
    "<script>alert(1)</script>",
    "1,2",
    "--1",
    "1e",
    ".",
    "9" * 5000,
    "🙂",
]


@pytest.mark.parametrize("text", GARBAGE)
@pytest.mark.parametrize(
    "parser",
    [codec.Int(-5, 5), codec.Float(-10.0, 10.0), codec.Bool(), codec.Choice(("max", "avg")), codec.Kernel()],
    ids=["int", "float", "bool", "choice", "kernel"],
)
def test_garbage_is_invalid_and_decode_falls_back(parser, text):
    with pytest.raises(codec.InvalidParam):
        parser.decode(text)
    assert codec.decode(parser, text, "DEFAULT") == ("DEFAULT", False)


@pytest.mark.parametrize("value", [None, 3, 3.0, b"3", ["3"], {"a": 1}])
def test_non_text_is_invalid(value):
    for parser in (codec.Int(0, 5), codec.Float(0, 5), codec.Bool(), codec.Kernel()):
        assert codec.decode(parser, value, "D") == ("D", False)


def test_int_range_and_syntax():
    p = codec.Int(1, 8)
    assert p.decode("1") == 1 and p.decode(" 8 ") == 8 and p.decode("+3") == 3
    for text in ("0", "9", "-1", "3.0", "3.5", "1e1", "99999999999999999999"):
        with pytest.raises(codec.InvalidParam):
            p.decode(text)
    assert codec.Int(-1, 27).decode("-1") == -1
    assert p.encode(3) == "3" and p.encode(np.int64(4)) == "4" and p.encode(5.0) == "5"
    for bad in (True, 3.5, 0, 9, "3", None):
        with pytest.raises(codec.InvalidParam):
            p.encode(bad)


def test_float_finite_bounded_and_exact():
    p = codec.Float(-1000.0, 1000.0)
    assert p.decode("0.5") == 0.5 and p.decode("-2") == -2.0 and p.decode("1e2") == 100.0
    assert p.decode(".25") == 0.25 and p.decode("1.") == 1.0
    for text in ("1000.5", "-1e4", "1e400", "nan", "inf", "1,5"):
        with pytest.raises(codec.InvalidParam):
            p.decode(text)
    for v in (0.0, -0.5, 1 / 3, 1 / 9, 123.456, 1e-7, -999.999):
        assert p.decode(p.encode(v)) == v  # exact round trip
    assert p.encode(2.0) == "2" and p.encode(-0.0) == "0"
    rounded = codec.Float(0.7, 1.3, digits=2)
    assert rounded.encode(0.7000000000000001) == "0.7"
    assert rounded.same(0.7000000000000001, 0.7)
    assert rounded.decode("0.70000001") == 0.7
    with pytest.raises(codec.InvalidParam):
        p.encode(float("nan"))
    with pytest.raises(codec.InvalidParam):
        p.encode(True)


def test_bool_and_choice():
    b = codec.Bool()
    assert [b.decode(x) for x in ("1", "true", "YES", "on")] == [True] * 4
    assert [b.decode(x) for x in ("0", "False", "no", "OFF")] == [False] * 4
    assert b.encode(True) == "1" and b.encode(False) == "0" and b.encode(np.bool_(True)) == "1"
    with pytest.raises(codec.InvalidParam):
        b.encode(1)
    c = codec.Choice(("zeros", "reflect", "replicate", "circular"))
    assert c.decode("Reflect") == "reflect" and c.encode("circular") == "circular"
    with pytest.raises(codec.InvalidParam):
        c.decode("mirror")
    ints = codec.Choice((14, 28, 56))
    assert ints.decode("28") == 28 and ints.encode(56) == "56"
    with pytest.raises(codec.InvalidParam):
        ints.encode("28")
    bools = codec.Choice((True, False))
    assert bools.decode("true") is True and bools.encode(False) == "False"
    with pytest.raises(codec.InvalidParam):
        codec.Choice((1, 3)).encode(True)  # True == 1 in Python, but it isn't the option 1


def test_kernel_format_and_round_trip():
    p = codec.Kernel()
    assert p.decode("3x3:0,1,0,1,-4,1,0,1,0") == kernels.preset("laplacian").tolist()
    assert p.encode(kernels.preset("laplacian")) == "3x3:0,1,0,1,-4,1,0,1,0"
    assert p.decode("1x2:0.5,-1e-3") == [[0.5, -0.001]]
    for name in kernels.PRESET_NAMES:  # exact: 1/9 and 1/16 survive, so the preset is recognised again
        k = kernels.preset(name)
        back = np.array(p.decode(p.encode(k)))
        assert back.shape == k.shape and np.array_equal(back, k)
    rng = np.random.default_rng(0)
    for kh, kw in ((1, 1), (2, 5), (7, 7)):
        k = rng.uniform(-1000, 1000, size=(kh, kw))
        assert np.array_equal(np.array(p.decode(p.encode(k))), k)
    assert len(p.encode(rng.uniform(-1000, 1000, size=(7, 7)))) <= codec.MAX_TEXT


@pytest.mark.parametrize(
    "text",
    [
        "3x3:0,1,0,1,-4,1,0,1",  # 8 values for 9 cells
        "3x3:0,1,0,1,-4,1,0,1,0,0",
        "8x8:" + ",".join(["1"] * 64),  # larger than MAX_KERNEL_SIZE
        "0x3:",
        "3x3:0,1,0,1,nan,1,0,1,0",
        "3x3:0,1,0,1,1e400,1,0,1,0",
        "3x3:0,1,0,1,5000,1,0,1,0",  # |w| > MAX_ABS_WEIGHT
        "3x3:0,1,0,1,,1,0,1,0",
        "3×3:0,1,0,1,-4,1,0,1,0",  # multiplication sign instead of x
        "3x3;0,1,0,1,-4,1,0,1,0",
        "7x7:" + ",".join(["1"] * 49) + "," * 2000,  # huge string
        "3x3:" + ",".join(["0.1234567890123456789012"] * 9),  # more digits than the grammar allows
        "3x3:٠,١,٠,١,-٤,١,٠,١,٠",  # Arabic-Indic digits
    ],
)
def test_kernel_garbage(text):
    with pytest.raises(codec.InvalidParam):
        codec.Kernel().decode(text)


def test_kernel_encode_refuses_invalid():
    p = codec.Kernel()
    for bad in ([[1, float("nan")]], [], [[1, 2], [3]], np.ones((8, 8)), [[5000.0]], "abc", None):
        with pytest.raises(codec.InvalidParam):
            p.encode(bad)
    assert p.same([[1, 2]], np.array([[1.0, 2.0]])) and not p.same([[1, 2]], [[1], [2]])
    assert not p.same("abc", [[1]])


def test_encode_leaves_defaults_and_bad_values_out():
    assert codec.encode(codec.Int(1, 8), 1, 1) is None
    assert codec.encode(codec.Int(1, 8), 2, 1) == "2"
    assert codec.encode(codec.Int(1, 8), 99, 1) is None  # out of range: not put in a link
    assert codec.encode(codec.Kernel(), kernels.preset("sobel_x").tolist(), kernels.preset("sobel_x")) is None
    assert codec.encode(codec.Float(0, 1), "x", 0.5) is None


def test_format_and_parse_number():
    assert codec.format_number(3.0) == "3" and codec.format_number(0.1) == "0.1"
    assert codec.format_number(1e20) == "1e+20" and codec.parse_number("1e+20") == 1e20
    with pytest.raises(codec.InvalidParam):
        codec.format_number(float("inf"))

"""The trusted runner's data-only codec: round trips, and everything that is
not data refused (pickles, object arrays, subclasses, forged headers, size)."""
from __future__ import annotations

import base64
import io
import json
import pickle
from collections import Counter, OrderedDict, defaultdict

import numpy as np
import pytest

from course.grading.runner.codec import BadMessage, NotData, decode, dumps, encode, load_npy, loads

VALUES = [
    None, True, 0, -7, 2**80, 1.5, float("nan"), float("inf"), -float("inf"), 1 + 2j, "text", "",
    [1, [2.0, "x"]], (1, (2, None)), {"W1": 1.0, 3: "layer", (1, 2): [0]}, {},
    np.arange(6.0).reshape(2, 3), np.array([True, False]), np.array([1, 2], dtype=np.uint8),
    np.array(["ab", "c"]), np.zeros((0, 4)), np.array(3.0), np.asfortranarray(np.ones((2, 3))),
    np.float64(0.25), np.float32(1.5), np.int64(-3), np.bool_(True), np.complex128(1j),
    {"params": {"W": np.eye(2)}, "history": [np.float64(1.0), (np.int32(2),)]},
    OrderedDict([("W2", np.ones(2)), ("W1", np.float64(2.0))]), OrderedDict(),
    np.float32, np.int64, np.bool_, np.dtype("float32"), np.dtype("<U3"), float, int, {"dtype": np.float64},
]


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and (a == b or (a != a and b != b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    return a == b


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_round_trip_keeps_type_dtype_and_value(value):
    back = decode(loads(dumps(encode(value))))
    assert same(value, back), (value, back)


def test_float_and_int_stay_apart():
    assert type(decode(loads(dumps(encode(1.0))))) is float
    assert type(decode(loads(dumps(encode(1))))) is int


@pytest.mark.parametrize("value", [defaultdict(float, {"W1": np.ones(2), "b1": 0.5}), Counter("abca")],
                         ids=["defaultdict", "Counter"])
def test_a_defaultdict_or_counter_comes_back_a_plain_dict_with_the_same_items(value):
    back = decode(loads(dumps(encode(value))))
    assert type(back) is dict and same(dict(value), back), (value, back)


class DictWithItems(dict):
    def items(self):
        return [("forged", 1)]


class Magic:
    def __eq__(self, other):
        return True


class Sub(np.ndarray):
    pass


@pytest.mark.parametrize("value, what", [
    (Magic(), "Magic"), (np.zeros(3).view(Sub), "Sub"), (np.array([1, None]), "dtype object"),
    (np.zeros(2, dtype=[("a", "f8")]), "dtype"), ([1, Magic()], "Magic"), (lambda: 0, "function"),
    ({"k": {1, 2}}, "set"), (np.datetime64("2020-01-01"), "datetime64"),
    (DictWithItems(a=1), "DictWithItems"),
    (np.dtype(object), "dtype object"), (np.object_, "dtype object"), (np.dtype([("a", "f8")]), "dtype"),
    (list, "class 'type'"),
])
def test_what_is_not_data_is_refused_by_name(value, what):
    with pytest.raises(NotData, match=what):
        encode(value)


def npy_text(array) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return base64.b64encode(buffer.getvalue()).decode()


def test_an_object_array_npy_with_a_pickle_inside_is_refused_unread():
    text = npy_text(np.array([Magic()], dtype=object))
    with pytest.raises(BadMessage, match="dtype object"):
        decode({"$ndarray": text})


def test_a_raw_pickle_is_not_an_array():
    text = base64.b64encode(pickle.dumps(np.zeros(3))).decode()
    with pytest.raises(BadMessage):
        load_npy(text)


def test_a_header_claiming_more_data_than_sent_is_refused_before_allocating():
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**12,)})
    text = base64.b64encode(buffer.getvalue() + b"\0" * 16).decode()
    with pytest.raises(BadMessage, match="header"):
        load_npy(text)


def test_truncated_array_data_is_refused():
    text = npy_text(np.arange(10.0))
    raw = base64.b64decode(text)[:-8]
    with pytest.raises(BadMessage, match="bytes"):
        load_npy(base64.b64encode(raw).decode())


@pytest.mark.parametrize("obj", [
    {"$ndarray": "not base64!"}, {"$eval": "__import__('os')"}, {"$tuple": 3}, {"$dict": [[1]]},
    {"$dict": [[[1], 2]]}, {"$npscalar": npy_text(np.arange(2))}, {"$float": "1e5"}, {"a": 1},
    {"$complex": [1, 2]}, {"$handle": 1},
    {"$dtype": ["|O", "dtype"]}, {"$dtype": ["O", "type"]}, {"$dtype": ["f4", "dtype"]}, {"$dtype": ["(2,)<f8", "type"]},
    {"$dtype": ["<f8", "class"]}, {"$pytype": "list"}, {"$pytype": "type"},
])
def test_malformed_or_unknown_tags_are_refused(obj):
    with pytest.raises(BadMessage):
        decode(obj)


def test_message_size_and_nesting_limits():
    with pytest.raises(BadMessage, match="exceeds the limit"):
        loads(json.dumps("x" * 100), limit=50)
    with pytest.raises(BadMessage):
        loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BadMessage, match="nested"):
        decode(json.loads("[" * 70 + "]" * 70))
    with pytest.raises(BadMessage, match="JSON"):
        loads('{"a": NaN}')


def test_references_need_a_resolver_and_go_through_it():
    seen = []
    assert decode([{"$handle": 5, "type": "t"}], ref=lambda tagged: seen.append(tagged) or "H") == ["H"]
    assert seen == [{"$handle": 5, "type": "t"}]
    assert encode([Magic], ref=lambda v: {"$handle": 1} if v is Magic else None) == [{"$handle": 1}]


@pytest.mark.parametrize("bit_generator", ["PCG64", "MT19937", "Philox", "SFC64"])
def test_a_generator_arrives_as_a_copy_that_draws_the_same_numbers(bit_generator):
    rng = np.random.Generator(getattr(np.random, bit_generator)(5))
    rng.normal(size=3)  # not at its start
    copy = decode(loads(dumps(encode(rng))))
    assert type(copy) is np.random.Generator and copy is not rng
    np.testing.assert_array_equal(copy.normal(size=4), rng.normal(size=4))


def test_a_forged_generator_state_is_refused():
    state = encode(np.random.default_rng(0))
    state["$generator"][1] = {"$dict": [["bit_generator", "PCG64"], ["state", "x"]]}
    with pytest.raises(BadMessage, match="state"):
        decode(state)
    with pytest.raises(BadMessage):
        decode({"$generator": ["RandomState", {}]})

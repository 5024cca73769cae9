"""The trusted runner against a real kernel (no nbgrader): name resolution,
calls, handles, callbacks over the stdin channel, refusals, time limits, and
a test cell run by process.run_cell with its visible and hidden failures."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest
from jupyter_client.manager import start_new_kernel

from course.grading.runner.channel import CallTimeout, ChannelFailure, KernelChannel, NotDataError, StudentError
from course.grading.runner.plan import TestCell as Cell
from course.grading.runner.plan import free_names, hidden_lines
from course.grading.runner.process import run_cell
from course.grading.runner.proxy import Handle, resolve

NOTEBOOK = '''
import numpy as np
import math as m
from course.lib.gradcheck import rel_error

def scale(x, k):
    print("scaling", x.shape)
    return k * x

class Net:
    def __init__(self, n):
        self.w = np.ones(n)
        self.items = {}
    def apply(self, f, x):
        return f(self.w * x)
    def plus_one(self, g, x):
        return g(x) + 1
    def __getitem__(self, key):
        return self.items[key]
    def __setitem__(self, key, value):
        self.items[key] = value
    def __len__(self):
        return len(self.items)

class Magic:
    __eq__ = __lt__ = __gt__ = lambda self, other: True

def magic():
    return Magic()

def subclass():
    class AlwaysClose(np.ndarray):
        pass
    return np.zeros(3).view(AlwaysClose)

def objects():
    return np.array([Magic(), Magic()], dtype=object)

def boom():
    raise ValueError("I give up")

def spin():
    while True:
        pass

def careless(f):
    try:
        f()
    except Exception:
        pass
    return 1.0

def make_adder(k):
    return lambda v: v + k

def update_running_mean(x, bn_param):
    bn_param["running_mean"] = 0.9 * bn_param.get("running_mean", 0.0) + 0.1 * x.mean(axis=0)
    bn_param["calls"] = bn_param.get("calls", 0) + 1
    return x - bn_param["running_mean"]

def scale_in_place(x, k=2.0):
    x *= k

def append_to(items, value):
    items.append(value)

def draw(rng, n):
    return rng.standard_normal(n)

def stash_function(config):
    config["f"] = scale_in_place

def layer(x):
    return x + 1.0

def total(x):
    return float(x.sum())

def network(x):
    return 2.0 * layer(x)

generator = (i for i in range(3))
data = {"X": np.arange(4.0), "n": 3}
'''


# Seconds a call may take in these tests: generous, since a busy 2-core machine (CI, or
# several test runs at once) can stall a kernel's answer for seconds; the tests of the
# limit itself set their own.
CALL_SECONDS = 30


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="python3")
    kc.execute_interactive(NOTEBOOK, timeout=60)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.fixture
def channel(kernel):
    channel = KernelChannel(kernel[0].get_connection_info(), call_timeout=CALL_SECONDS)
    channel.begin_cell()
    yield channel
    channel.close()


@pytest.fixture
def ns(channel):
    names = {"scale", "Net", "np", "m", "rel_error", "magic", "subclass", "objects", "boom", "spin",
             "careless", "make_adder", "generator", "data", "not_defined", "update_running_mean",
             "scale_in_place", "append_to", "draw", "stash_function", "layer", "network", "total"}
    return resolve(channel, names)


def test_names_resolve_to_data_handles_and_the_runners_own_modules(ns):
    import math

    from course.lib.gradcheck import rel_error
    assert ns["np"] is np and ns["m"] is math and ns["rel_error"] is rel_error
    assert isinstance(ns["scale"], Handle) and isinstance(ns["Net"], Handle)
    assert type(ns["data"]) is dict and type(ns["data"]["X"]) is np.ndarray and ns["data"]["n"] == 3
    assert "not_defined" not in ns
    with pytest.raises(NotDataError, match="generator is a <class 'generator'>"):
        list(ns["generator"])


def test_a_call_sends_arrays_and_returns_arrays_and_student_prints(ns, capsys):
    out = ns["scale"](np.arange(3.0), 2.0)
    assert type(out) is np.ndarray and out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])
    assert "scaling (3,)" in capsys.readouterr().out


def test_a_notebook_class_gives_an_instance_handle_with_attributes_items_and_methods(ns):
    net = ns["Net"](3)
    assert isinstance(net, Handle)
    np.testing.assert_array_equal(net.w, np.ones(3))
    net.w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(net.w, [1.0, 2.0, 3.0])
    net["W1"] = np.eye(2)
    assert len(net) == 1 and net["W1"].shape == (2, 2)
    with pytest.raises(StudentError, match="KeyError"):
        net["missing"]


def test_callbacks_run_in_the_runner_nested_twice(ns):
    net = ns["Net"](3)
    seen = []

    def outer(v):  # runs here, called by the kernel's Net.apply ...
        seen.append(v)
        return net.plus_one(lambda u: u * 100.0, v)  # ... and calls into the kernel again

    out = net.apply(outer, np.arange(3.0))
    np.testing.assert_array_equal(out, [1.0, 101.0, 201.0])
    assert type(seen[0]) is np.ndarray


def test_a_callback_failure_fails_the_call_even_if_the_student_swallows_it(ns):
    def check():
        raise AssertionError("the callback saw something wrong")

    with pytest.raises(AssertionError, match="the callback saw"):
        ns["careless"](check)


def test_arguments_changed_in_place_change_alike_in_the_runner(ns):
    bn_param = {"mode": "train", "momentum": 0.9}
    mode = bn_param["mode"]
    out = ns["update_running_mean"](np.ones((2, 3)), bn_param)
    assert out.shape == (2, 3) and bn_param["calls"] == 1 and bn_param["mode"] is mode
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * np.ones(3))
    ns["update_running_mean"](np.ones((2, 3)), bn_param=bn_param)  # as a keyword, too
    assert bn_param["calls"] == 2
    x = np.arange(3.0)
    same = x
    assert ns["scale_in_place"](x, k=3.0) is None
    assert same is x
    np.testing.assert_array_equal(x, [0.0, 3.0, 6.0])
    items = [1]
    ns["append_to"](items, np.zeros(2))
    assert len(items) == 2 and items[0] == 1 and type(items[1]) is np.ndarray


def test_a_big_array_sent_again_travels_as_a_key_and_arrives_fresh(ns, channel):
    from course.grading.runner.proxy import array_key

    x = np.arange(20_000.0)  # 160 kB
    assert [ns["total"](x) for _ in range(3)] == [x.sum()] * 3
    assert channel.kept_arrays == {array_key(x)}  # kept at its second call, a key at its third
    ns["scale_in_place"](x, k=2.0)  # changed in the kernel's copy and so here ...
    ns["scale_in_place"](x, k=2.0)
    np.testing.assert_array_equal(x, 4.0 * np.arange(20_000.0))  # ... never in the kept one
    assert ns["total"](x) == x.sum()
    channel.kept_arrays.add(array_key(np.ones(20_000)))  # a key the kernel never got:
    with pytest.raises(StudentError, match="no kept array"):  # an error, never other data
        ns["total"](np.ones(20_000))


def test_a_generator_argument_advances_as_in_one_process(ns):
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    first = ns["draw"](rng, 3)
    np.testing.assert_array_equal(first, twin.standard_normal(3))
    np.testing.assert_array_equal(ns["draw"](rng, 3), twin.standard_normal(3))
    assert rng.standard_normal() == twin.standard_normal()


def test_an_argument_changed_into_something_that_is_not_data_fails_the_call(ns):
    config = {}
    with pytest.raises(NotDataError, match="function'> in argument 0 after the call"):
        ns["stash_function"](config)
    assert config == {}
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(NotDataError, match="cannot take in place"):
        ns["scale_in_place"](frozen)


def test_replaced_names_reach_the_kernel_for_the_block_only(ns, channel):
    from course.grading.runner.proxy import KernelNames
    from course.lib import testing

    calls = []

    def stand_in_layer(x):  # runs here, called back by the kernel's network()
        calls.append(x.shape)
        return x * 10.0

    namespace = {"layer": ns["layer"]}
    testing.kernel_names = KernelNames(channel)
    try:
        with testing.replaced_names({"layer": stand_in_layer}, namespace):
            assert namespace["layer"] is stand_in_layer
            np.testing.assert_array_equal(ns["network"](np.ones(2)), [20.0, 20.0])
        assert isinstance(namespace["layer"], Handle)
        np.testing.assert_array_equal(ns["network"](np.ones(2)), [4.0, 4.0])
        assert calls == [(2,)]
        with pytest.raises(RuntimeError, match="left the block"):
            with testing.replaced_names({"layer": stand_in_layer, "new_name": 1.0}, namespace):
                raise RuntimeError("left the block")
        assert "new_name" not in namespace
        np.testing.assert_array_equal(ns["network"](np.ones(2)), [4.0, 4.0])
        testing.kernel_names.replace({"layer": stand_in_layer})  # a block the test never closed:
        # the cell's end (done) restores the kernel
        channel.end_cell()
        np.testing.assert_array_equal(resolve(channel, {"network"})["network"](np.ones(2)), [4.0, 4.0])
    finally:
        testing.kernel_names = None


def test_a_returned_closure_is_a_handle(ns):
    add_two = ns["make_adder"](2.0)
    assert isinstance(add_two, Handle) and add_two(1.0) == 3.0


@pytest.mark.parametrize("name, what", [
    ("magic", "magic returned a <class '__main__.Magic'>, not data"),
    ("subclass", "AlwaysClose'>, not data"),
    ("objects", "objects returned an array of dtype object, not data"),
])
def test_what_is_not_data_fails_with_what_came_back(ns, name, what):
    with pytest.raises(NotDataError, match=what.replace("(", r"\(")):
        ns[name]()


def test_a_student_exception_is_reported_by_type_and_message(ns):
    with pytest.raises(StudentError, match="boom raised ValueError: I give up"):
        ns["boom"]()


def test_a_call_past_its_limit_is_interrupted_and_the_kernel_serves_the_next(ns, channel):
    channel.call_timeout = 1
    with pytest.raises(CallTimeout, match="spin did not return within 1 s"):
        ns["spin"]()
    channel.call_timeout = CALL_SECONDS
    assert ns["scale"](np.ones(1), 3.0)[0] == 3.0


def test_an_answer_over_the_size_limit_is_refused(kernel):
    channel = KernelChannel(kernel[0].get_connection_info(), call_timeout=CALL_SECONDS, max_message_chars=50_000)
    try:
        channel.begin_cell()
        scale = resolve(channel, {"scale"})["scale"]
        assert scale(np.ones(10), 1.0).shape == (10,)
        with pytest.raises(ChannelFailure, match="exceeds the limit of 50000"):
            scale(np.ones(10_000), 1.0)  # 80 kB back
    finally:
        channel.close()


def test_calls_end_with_the_test_cells_time_limit(channel):
    channel.begin_cell(timeout=1)  # a new cell: handles of the last one are gone, so resolve again
    spin = resolve(channel, {"spin"})["spin"]
    with pytest.raises(CallTimeout, match=r"spin did not return before the test cell's time limit \(1 s\)"):
        spin()


def test_a_handle_never_passes_for_data(ns):
    net = ns["Net"](2)
    with pytest.raises(TypeError):
        float(net)
    for use in (bool, np.asarray, lambda h: h != 0, lambda h: np.allclose(h, 1)):
        with pytest.raises(NotDataError, match="not data"):
            use(net)


def test_protected_names_are_never_modules(channel, kernel):
    kernel[1].execute_interactive("import numpy as solution_np", timeout=30)
    value = resolve(channel, {"solution_np"}, protected={"solution_np"})["solution_np"]
    with pytest.raises(NotDataError, match="defined by a solution cell"):
        value.allclose


def test_an_agent_replaced_by_the_student_is_refused(kernel, channel):
    kernel[1].execute_interactive(textwrap.dedent('''
        import sys, base64, pickle, builtins
        agent = sys.modules['_course_runner.agent']
        saved = agent.perform
        pickled = {"$ndarray": base64.b64encode(pickle.dumps(1)).decode()}
        agent.perform = lambda op: {"kind": "result", "value": {"scale": pickled}}
    '''), timeout=30)
    try:
        with pytest.raises(ChannelFailure, match="refused"):
            resolve(channel, {"scale"})
    finally:
        channel.end_cell()  # the kernel serves one test cell at a time: end it before using the kernel
        kernel[1].execute_interactive("agent.perform = saved", timeout=30)
    assert resolve(channel, {"data"})["data"]["n"] == 3  # the kernel serves the next request


def test_an_input_transformer_that_blanks_cells_fails_calls_not_passes(kernel):
    kernel[1].execute_interactive(
        "get_ipython().input_transformers_cleanup.append("
        "lambda lines: lines if 'UNDO' in ''.join(lines) else ['pass\\n'])", timeout=30)
    channel = KernelChannel(kernel[0].get_connection_info(), call_timeout=5)
    try:
        channel.begin_cell()
        with pytest.raises(ChannelFailure, match="without an answer"):
            resolve(channel, {"scale"})
    finally:
        kernel[1].execute_interactive("get_ipython().input_transformers_cleanup.pop()  # UNDO", timeout=30)
        channel.close()


TEST_CELL = '''out = scale(np.arange(3.0), 2.0)
print("visible part done")
assert np.allclose(out, [0.0, 2.0, 4.0]), "scale(x, 2) doubles x"
### BEGIN HIDDEN TESTS
out = scale(np.array([1.0, 2.0]), K)
np.testing.assert_allclose(out, [-3.0, -6.0], err_msg="scaling by a negative k")
### END HIDDEN TESTS
'''


def run(channel, source, **names):
    plan = {"trusted": {"np": ["module", "numpy"]}, "protected": [], "notebook_names": []}
    cell = Cell("test_scale", source, hidden_lines(source))
    return run_cell(channel, cell, plan)


def test_a_passing_cell_has_the_prints_and_no_error(channel, kernel):
    kernel[1].execute_interactive("K = -3.0", timeout=30)
    result = run(channel, TEST_CELL)
    assert result["passed"], result
    text = result["outputs"][0]["text"]
    assert "scaling (3,)" in text and "visible part done" in text
    assert all(o["output_type"] == "stream" for o in result["outputs"])


def test_a_hidden_failure_says_so_without_the_expected_values(channel, kernel):
    kernel[1].execute_interactive("K = 3.0", timeout=30)
    result = run(channel, TEST_CELL)
    error = result["outputs"][-1]
    assert not result["passed"] and error["output_type"] == "error"
    assert error["traceback"] == ["hidden test failed: Not equal to tolerance rtol=1e-07, atol=0 "
                                  "scaling by a negative k"]
    assert "-3." not in error["traceback"][0] and "6." not in error["traceback"][0]


def test_a_visible_failure_shows_the_assertion_message(channel):
    result = run(channel, TEST_CELL.replace("2.0)\nprint", "1.0)\nprint"))
    assert result["outputs"][-1]["traceback"] == ["AssertionError: scale(x, 2) doubles x"]


def test_free_names_are_what_the_cell_uses_but_does_not_bind():
    source = textwrap.dedent('''
        import math
        out = f(x)
        def helper(v):
            return g(v) + out + math.pi
        assert len([q for q in range(3) if q in W]) == 0
    ''')
    assert free_names(source, "<t>") == {"f", "x", "g", "W"}
    assert free_names(source, "<t>", notebook_names={"len"}) == {"f", "x", "g", "W", "len"}


def test_the_plan_comes_from_the_source_notebook():
    import nbformat

    from course.grading.runner.plan import load_plan, runner_enabled

    def cell(source, **meta):
        return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"grade_id": meta.pop("id"), **meta}})

    nb = nbformat.v4.new_notebook(metadata={"course": {"trusted_runner": True}}, cells=[
        cell("%matplotlib inline\nimport numpy as np\nimport os\nfrom course.lib.gradcheck import rel_error\n"
             "import math\nlimit = 3", id="setup", locked=True),
        cell("import numpy as np\nimport cmath as math\ndef f(x):\n    return x", id="f", solution=True),
        cell("assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 2\n### END HIDDEN TESTS",
             id="test_f", grade=True, points=1),
    ])
    plan = load_plan(nb)
    assert runner_enabled(nb) and not runner_enabled(nbformat.v4.new_notebook())
    assert plan.trusted == {"np": ("module", "numpy"), "rel_error": ("from", "course.lib.gradcheck", "rel_error")}
    assert plan.protected == {"f"}  # os is not allow-listed, math is rebound by a solution cell
    assert plan.tests["test_f"].hidden_lines == {3}
    assert {"np", "f", "limit", "math"} <= plan.notebook_names


def test_the_runner_process_computes_on_one_blas_thread(kernel):
    from course.grading.runner.launcher import RunnerProcess
    from course.grading.runner.plan import NotebookPlan

    runner = RunnerProcess(NotebookPlan(), call_timeout=10)
    assert runner.connect(kernel[0].get_connection_info()) is None  # it shook hands with the kernel
    try:
        source = ("from threadpoolctl import threadpool_info\n"
                  "print(sorted({p['num_threads'] for p in threadpool_info()}))\n"
                  "print(scale(np.ones(2), 2.0))\n")
        result = runner.run_cell(Cell("test_threads", source), timeout=30)
    finally:
        runner.close()
    assert result["passed"], result
    assert result["outputs"][0]["text"].startswith("[1]\n"), result["outputs"]

"""The agent: the runner's code inside the student's kernel.

The runner installs this module's source (and codec.py's) in the kernel once
per notebook, as the modules `_course_runner.codec` and `_course_runner.agent`
(see `install_code`). The requests of one test cell are then served by one
silent execute_request of the fixed code `SERVE_CODE`; the agent asks for
each request and answers it through the Jupyter stdin channel, by calling
`input(<JSON>)`, and the runner's reply to each input is the next
instruction, until `done`. (The request never travels as code: a megabyte array in a
string literal would cost IPython seconds to transform and parse.) The same loop carries callbacks: a test's function passed
to a student function arrives here as a stub that calls `input(<callback
request>)` and serves the runner's requests (calls into the kernel, made by
the callback while it runs in the runner) until the runner says `return`.

Nothing here is trusted. The student's code can replace every line of this
module once it is installed; all it can then do is send other answers, which
the runner parses as hostile data (codec.py) and judges in its own numpy.

Which kernel objects cross, and as what (the runner makes proxies of handles):
- data (codec.py): by value, copied.
- a module: {"$module": name}; a function or class whose module is
  `course.lib...` or `numpy...`: {"$library": module, "name": qualname}. The
  runner imports its own copy (allow-listed names only, never for the names
  that solution cells define).
- when a name is resolved or an attribute/item read: any callable (functions,
  bound methods, classes) and instances of classes defined in the notebook
  become handles.
- a call of a notebook class returns a handle to the new instance; any other
  call returns data or a function/method handle (a closure). An instance of a
  notebook class returned by a function is refused: a "magic" object is
  exactly that, so `scale_vector returned a <class 'Magic'>, not data`.
"""
import builtins
import copy
import functools
import sys
import types

import numpy as np

from .codec import NotData, decode, describe_type, dumps, encode, load_npy, loads, same_data

FUNCTION_TYPES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                  types.BuiltinMethodType, functools.partial)
LIBRARY_ROOTS = ("course.lib", "numpy")
MESSAGE_LIMIT = 64 * 1024 * 1024  # characters of a reply from the runner

_handles = {}


def user_namespace():
    """The notebook's globals (IPython's user_ns, else __main__)."""
    shell = getattr(builtins, "get_ipython", lambda: None)()
    return shell.user_ns if shell is not None else vars(sys.modules["__main__"])


def is_notebook_instance(value):
    return getattr(type(value), "__module__", None) == "__main__"


def library_ref(value):
    """{"$library": ...} for a function or class of an allow-listed library."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if (isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname
            and (isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type))
                 or type(value).__name__ == "ufunc")
            and any(module == root or module.startswith(root + ".") for root in LIBRARY_ROOTS)):
        return {"$library": module, "name": qualname}
    return None


def make_handle(value):
    key = id(value)
    _handles[key] = value
    return {"$handle": key, "type": repr(type(value)) if not isinstance(value, type) else repr(value),
            "callable": callable(value)}


def ref_for_name(value):
    """References allowed for a value found under a name, an attribute or an item."""
    if isinstance(value, types.ModuleType):
        return {"$module": value.__name__ if isinstance(value.__name__, str) else ""}
    return library_ref(value) or (make_handle(value) if callable(value) or is_notebook_instance(value) else None)


def ref_for_result(value):
    """References allowed for what a function returned: functions only."""
    return make_handle(value) if isinstance(value, FUNCTION_TYPES) else None


def ref_for_instance(value):
    return make_handle(value) if is_notebook_instance(value) else ref_for_result(value)


_kept = {}  # the runner's arrays kept for this test cell: key -> array


def kept_array(tagged):
    """A copy of an array the runner sends repeatedly: {"$keep": [key, .npy]}
    the first time it is kept, {"$cached": key} after (see proxy.array_form)."""
    if "$keep" in tagged:
        body = tagged["$keep"]
        if type(body) is not list or len(body) != 2 or type(body[0]) is not str or type(body[1]) is not str:
            raise LookupError("a malformed kept array")
        _kept[body[0]] = load_npy(body[1])
        return _kept[body[0]].copy()
    key = tagged["$cached"]
    if type(key) is not str or key not in _kept:
        raise LookupError(f"no kept array {str(key)[:40]!r} in the kernel")
    return _kept[key].copy()


def incoming(tagged):
    """Objects the runner refers to: our handles, stubs of its callbacks, its kept arrays."""
    if "$keep" in tagged or "$cached" in tagged:
        return kept_array(tagged)
    if "$handle" in tagged:
        key = tagged["$handle"]
        if type(key) is not int or key not in _handles:
            raise LookupError(f"no kernel object with handle {key!r}")
        return _handles[key]
    if "$callback" in tagged and type(tagged["$callback"]) is int:
        return callback_stub(tagged["$callback"], str(tagged.get("name", "callback")))
    raise LookupError(f"cannot pass {sorted(tagged)} into the kernel")


def ask(message):
    """Send one message to the runner (as an input prompt), return its reply."""
    return loads(builtins.input(dumps(message)), MESSAGE_LIMIT)


def callback_stub(number, name):
    """A kernel function that runs the runner's callback `number`."""

    def stub(*args, **kwargs):
        instruction = ask({"kind": "callback", "id": number,
                           "args": encode(list(args), ref_for_instance),
                           "kwargs": encode(kwargs, ref_for_instance)})
        while instruction.get("op") not in ("return", "raise"):
            instruction = ask(perform(instruction))
        if instruction["op"] == "raise":
            raise RuntimeError(f"the test's {name} failed: {instruction.get('message', '')}")
        return decode(instruction.get("value"), incoming)

    stub.__name__ = stub.__qualname__ = name
    return stub


MUTABLE_TYPES = (dict, list, np.ndarray, np.random.Generator)


def arguments_before(args, kwargs):
    """{position: copy} of the arguments a call could change in place (dicts,
    lists, arrays, generators: their state), taken before the call."""
    before = {}
    for position, value in [*enumerate(args), *kwargs.items()]:
        if isinstance(value, np.random.Generator):
            before[position] = copy.deepcopy(value.bit_generator.state)
        elif isinstance(value, MUTABLE_TYPES):
            before[position] = copy.deepcopy(value)
    return before


def changed_arguments(before, args, kwargs):
    """[[position, new value], ...] for the arguments the call changed in place
    (position: an int for args, a str for kwargs), so that the runner can
    change its own objects alike. Changed arguments are sent as data only."""
    changed = []
    for position, old in before.items():
        value = args[position] if type(position) is int else kwargs[position]
        now = value.bit_generator.state if isinstance(value, np.random.Generator) else value
        if not same_data(old, now):
            try:
                changed.append([position, encode(value)])
            except NotData as err:
                raise NotData(f"{err} in argument {position!r} after the call") from None
    return changed


_replaced = []  # stack of {name: (was it there, its value)} of replace_names


def replace_names(values):
    """Bind notebook names to `values` (a dict: name -> value, e.g. the
    runner's stand-in functions as callback stubs) until restore_names."""
    namespace = user_namespace()
    _replaced.append({name: (name in namespace, namespace.get(name)) for name in values})
    namespace.update(values)


def restore_names():
    """Undo the last replace_names."""
    namespace = user_namespace()
    for name, (present, value) in _replaced.pop().items():
        if present:
            namespace[name] = value
        else:
            namespace.pop(name, None)


def perform(op):
    """Carry out one request; the answer is a message for the runner."""
    try:
        kind = op.get("op")
        if kind == "resolve":
            namespace = user_namespace()
            value = {}
            for name in op["names"]:
                if name in namespace:
                    try:
                        value[name] = encode(namespace[name], ref_for_name)
                    except NotData as err:
                        value[name] = {"$unavailable": str(err)}
            return {"kind": "result", "value": value}
        if kind == "replace_names":
            replace_names(decode(op["names"], incoming))
            return {"kind": "result", "value": None}
        if kind == "restore_names":
            restore_names()
            return {"kind": "result", "value": None}
        target = decode(op["target"], incoming)
        arguments = None
        if kind == "call":
            arguments = decode(op["args"], incoming), decode(op["kwargs"], incoming)
            before = arguments_before(*arguments)
            result = target(*arguments[0], **arguments[1])
            policy = ref_for_instance if isinstance(target, type) else ref_for_result
        elif kind == "getattr":
            result, policy = getattr(target, op["name"]), ref_for_name
        elif kind == "setattr":
            setattr(target, op["name"], decode(op["value"], incoming))
            result, policy = None, None
        elif kind == "getitem":
            result, policy = target[decode(op["key"], incoming)], ref_for_name
        elif kind == "setitem":
            target[decode(op["key"], incoming)] = decode(op["value"], incoming)
            result, policy = None, None
        elif kind == "len":
            result, policy = len(target), None
        else:
            raise ValueError(f"unknown runner request {kind!r}")
    except Exception as err:  # noqa: BLE001 -- the student's code raised: report it as data
        return {"kind": "error", "type": type(err).__name__, "message": str(err)[:4000]}
    try:
        answer = {"kind": "result", "value": encode(result, policy)}
        changed = changed_arguments(before, *arguments) if arguments else None
        if changed:
            answer["changed"] = changed
        return answer
    except NotData as err:
        return {"kind": "notdata", "what": str(err)}
    except Exception as err:  # noqa: BLE001 -- e.g. np.save failing on a broken array
        return {"kind": "notdata", "what": f"{describe_type(result)} ({type(err).__name__}: {err})"[:1000]}


def forget():
    """At a test cell's end: the names it replaced are restored, its objects dropped."""
    while _replaced:
        restore_names()
    _handles.clear()
    _kept.clear()


def serve():
    """Serve the runner's requests, from the first (the answer to `ready`)
    to `done`, which ends the test cell: then forget the cell's objects. (A
    failed call ends a serve loop early; the cell's next request starts
    another, with the same objects.)"""
    instruction = ask({"kind": "ready"})
    while instruction.get("op") != "done":
        instruction = ask(perform(instruction))
    forget()


def install_code() -> str:
    """Python code that defines the agent in a kernel unless it is there."""
    from pathlib import Path

    here = Path(__file__).parent
    sources = {name: (here / f"{name}.py").read_text() for name in ("codec", "agent")}
    return (
        "def _course_runner_install(sources):\n"
        "    import sys, types\n"
        "    package = types.ModuleType('_course_runner')\n"
        "    package.__path__ = []\n"
        "    sys.modules['_course_runner'] = package\n"
        "    for name in ('codec', 'agent'):\n"
        "        module = types.ModuleType('_course_runner.' + name)\n"
        "        module.__package__ = '_course_runner'\n"
        "        sys.modules[module.__name__] = module\n"
        "        exec(compile(sources[name], '<course runner ' + name + '>', 'exec'), vars(module))\n"
        "        setattr(package, name, module)\n"
        "if '_course_runner.agent' not in __import__('sys').modules:\n"
        f"    _course_runner_install({sources!r})\n"
        "del _course_runner_install\n"
    )


SERVE_CODE = "__import__('sys').modules['_course_runner.agent'].serve()"

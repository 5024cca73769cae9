"""Runner-side handles on kernel objects, and the translation of values.

A `Handle` stands for an object that stays in the student's kernel (a
function, a class, an instance of a notebook class, a bound method). Using it
sends a request over the channel:

    h(*args, **kwargs)   call          h.name       attribute read
    h.name = v           attribute set h[key]       item read
    h[key] = v           item set      len(h), iter(h)

Arguments go to the kernel as data (copies: a student function that changes
an argument in place changes the kernel's copy, not the test's), handles of
this channel as references, and the test's own callables as callbacks (they
run here when the kernel calls them; see channel.py). A callback that raises
fails the whole call with its exception, even if the student's code catches
what the kernel sees: a RuntimeError naming only the exception's type, never
its message (which could quote a hidden expected value). Results come back as
data, or as handles where the agent's rules allow one (agent.py); anything
else fails the test with NotDataError naming what came back.

Handles implement nothing else: no arithmetic, no float(); truth value,
== / != and numpy's `__array__` raise NotDataError, so a handle can never pass
for data (not even as an empty sequence in np.allclose, or in `assert f(x)`).
"""
from __future__ import annotations

import hashlib
import importlib

import numpy as np

from .channel import ChannelFailure, KernelChannel, NotDataError, StudentError
from .codec import BadMessage, NotData, decode, describe_type, encode, npy_text, same_data

# Modules the runner imports in place of the kernel's: roots, submodules included.
ALLOWED_MODULES = ("numpy", "math", "cmath", "itertools", "functools", "collections",
                   "statistics", "course.lib")
# Functions and classes the runner takes from its own copy of these modules.
LIBRARY_MODULES = ("numpy", "course.lib")


def allowed(module: str, roots=ALLOWED_MODULES) -> bool:
    return any(module == root or module.startswith(root + ".") for root in roots)


class Handle:
    """An object in the student's kernel, reached over `channel`."""

    __slots__ = ("_channel", "_ref", "_label")

    def __init__(self, channel: KernelChannel, ref: dict, label: str):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_ref", {"$handle": ref["$handle"]})
        object.__setattr__(self, "_label", label)

    def _ask(self, op: dict, label: str, what: str):
        op = {**op, "target": self._ref}
        answer = self._channel.request(op, label)
        return answer_value(self._channel, answer, label, what)

    def __call__(self, *args, **kwargs):
        label = self._label
        answer = self._channel.request(
            {"op": "call", "target": self._ref,
             "args": encode_for_kernel(self._channel, list(args), f"the arguments of {label}"),
             "kwargs": encode_for_kernel(self._channel, kwargs, f"the arguments of {label}")}, label)
        value = answer_value(self._channel, answer, label, "returned")
        take_back_changes(self._channel, answer.get("changed"), args, kwargs, label)
        return value

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # numpy and copy probe these: never the kernel's
        return self._ask({"op": "getattr", "name": name}, f"{self._label}.{name}", "is")

    def __setattr__(self, name, value):
        label = f"{self._label}.{name}"
        self._ask({"op": "setattr", "name": name,
                   "value": encode_for_kernel(self._channel, value, f"the value set as {label}")}, label, "is")

    def __getitem__(self, key):
        label = f"{self._label}[{key!r}]"
        return self._ask({"op": "getitem", "key": encode_for_kernel(self._channel, key, label)}, label, "is")

    def __setitem__(self, key, value):
        label = f"{self._label}[{key!r}]"
        self._ask({"op": "setitem", "key": encode_for_kernel(self._channel, key, label),
                   "value": encode_for_kernel(self._channel, value, f"the value set as {label}")}, label, "is")

    def __len__(self):
        size = self._ask({"op": "len"}, f"len({self._label})", "is")
        if type(size) is not int or size < 0:
            raise NotDataError(f"len({self._label}) is not a non-negative int")
        return size

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def _not_data(self, *args, **kwargs):
        raise NotDataError(f"{self._label} is an object in the kernel, not data: it has no "
                           f"truth value, equality or array form")

    # numpy would take a handle with __len__/__getitem__ for a sequence, and
    # `assert f(x)` / `f(x) != 0` would pass on any object: refuse them all.
    __array__ = __bool__ = __eq__ = __ne__ = _not_data
    __hash__ = object.__hash__

    def __repr__(self):
        return f"<kernel object {self._label}>"


class Unavailable:
    """Stands for a name whose kernel value cannot reach the runner; any use raises."""

    __slots__ = ("_message",)

    def __init__(self, message: str):
        object.__setattr__(self, "_message", message)

    def _fail(self, *args, **kwargs):
        raise NotDataError(self._message)

    __call__ = __getitem__ = __setitem__ = __len__ = __iter__ = __bool__ = _fail
    __eq__ = __lt__ = __gt__ = __le__ = __ge__ = __add__ = __sub__ = __mul__ = __float__ = _fail

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._fail()

    __hash__ = object.__hash__

    def __repr__(self):
        return f"<unavailable: {self._message}>"


def answer_value(channel: KernelChannel, answer: dict, label: str, what: str):
    """The value of an agent's answer, or the exception it stands for."""
    kind = answer.get("kind")
    if kind == "error":
        raise StudentError(label, str(answer.get("type", "an exception"))[:100], str(answer.get("message", ""))[:4000])
    if kind == "notdata":
        raise NotDataError(f"{label} {what} {str(answer.get('what'))[:300]}, not data")
    return decode_from_kernel(channel, answer.get("value"), label)


def take_back_changes(channel: KernelChannel, changed, args: tuple, kwargs: dict, label: str) -> None:
    """Change the test's own arguments as the kernel's copies were changed in
    place by the call (the agent sends [[position, new value], ...] for
    dicts, lists, arrays and generators whose data changed): a `bn_param` or
    `config` dict gains its new entries, an array its new values, a
    Generator its new state, as they would in one process."""
    if changed is None:
        return
    if type(changed) is not list:
        raise ChannelFailure(f"{label}: the kernel's answer was refused: malformed changed arguments")
    for item in changed:
        if type(item) is not list or len(item) != 2:
            raise ChannelFailure(f"{label}: the kernel's answer was refused: malformed changed arguments")
        position, obj = item
        if type(position) is int and 0 <= position < len(args):
            old = args[position]
        elif type(position) is str and position in kwargs:
            old = kwargs[position]
        else:
            raise ChannelFailure(f"{label}: the kernel's answer was refused: no argument {str(position)[:40]!r}")
        new = decode_from_kernel(channel, obj, f"argument {position!r} of {label}")
        if not update_in_place(old, new):
            raise NotDataError(f"{label} changed argument {position!r} into {describe_type(new)}, "
                               f"which the test's {describe_type(old)} cannot take in place")


def update_in_place(old, new) -> bool:
    """Make `old` hold `new`'s data without replacing it (False where it
    cannot: a new shape or dtype, another type). In dicts and lists, values
    whose data did not change stay the same objects; changed ones are
    replaced (in one process, `d['m'] = ...` replaces them too)."""
    if type(old) is dict and type(new) is dict:
        for key in [key for key in old if key not in new]:
            del old[key]
        for key, value in new.items():
            if key not in old or not same_data(old[key], value):
                old[key] = value
        return True
    if type(old) is list and type(new) is list:
        if len(old) != len(new):
            old[:] = new
        for index, value in enumerate(new):
            if not same_data(old[index], value):
                old[index] = value
        return True
    if isinstance(old, np.ndarray) and type(new) is np.ndarray:
        if old.shape != new.shape or old.dtype != new.dtype or not old.flags.writeable:
            return False
        old[...] = new
        return True
    if isinstance(old, np.random.Generator) and type(new) is np.random.Generator \
            and type(old.bit_generator) is type(new.bit_generator):
        old.bit_generator.state = new.bit_generator.state
        return True
    return False


KEEP_MIN_BYTES = 64 * 1024  # smaller arrays always travel whole
KEEP_MAX_BYTES = 256 << 20  # arrays the kernel keeps per test cell, at most


def array_form(channel: KernelChannel, array: np.ndarray) -> dict:
    """How an array argument travels: whole ({"$ndarray": ...}) the first time;
    from its second time in a test cell on, the kernel keeps it
    ({"$keep": [key, ...]}) and later calls send only its key ({"$cached":
    key}); the kernel hands each call a fresh copy, so a student function that
    changes its argument changes nothing for the next call. (A gradient check
    that sends the same (500, 65) data 86 times saves the 14 ms each costs.)"""
    if array.nbytes < KEEP_MIN_BYTES:
        return {"$ndarray": npy_text(array)}
    key = array_key(array)
    if key in channel.kept_arrays:
        return {"$cached": key}
    seen = channel.arrays_seen.get(key, 0)
    channel.arrays_seen[key] = seen + 1
    if seen and channel.kept_bytes + array.nbytes <= KEEP_MAX_BYTES:
        channel.kept_arrays.add(key)
        channel.kept_bytes += array.nbytes
        return {"$keep": [key, npy_text(array)]}
    return {"$ndarray": npy_text(array)}


def array_key(array: np.ndarray) -> str:
    """A digest of an array's dtype, shape and values."""
    digest = hashlib.blake2b(f"{array.dtype.str}{array.shape}".encode(), digest_size=16)
    digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def encode_for_kernel(channel: KernelChannel, value, label: str):
    """Data for the kernel: handles as references, the test's callables as
    callbacks, big arrays sent again as keys of the kernel's copies."""

    def ref(item):
        if isinstance(item, Handle):
            if item._channel is not channel:
                raise NotData(f"a handle of another kernel ({item._label})")
            return item._ref
        if callable(item):
            number = id(item)
            channel.callbacks[number] = item
            return {"$callback": number, "name": str(getattr(item, "__name__", "callback"))[:100]}
        return None

    try:
        return encode(value, ref, arrays=lambda array: array_form(channel, array))
    except NotData as err:
        raise NotDataError(f"{label}: {err} is not data, it cannot be sent to the kernel") from None


def decode_from_kernel(channel: KernelChannel, obj, label: str):
    """A value from the kernel: handles become Handles, callbacks the test's own
    functions, allow-listed library functions the runner's own copies."""

    def ref(tagged):
        if "$handle" in tagged:
            if type(tagged["$handle"]) is not int:
                raise BadMessage("malformed handle")
            return Handle(channel, tagged, label)
        if "$callback" in tagged and tagged["$callback"] in channel.callbacks:
            return channel.callbacks[tagged["$callback"]]
        if "$library" in tagged:
            return library_object(tagged)
        raise BadMessage(f"{sorted(tagged)[0]} is not allowed here")

    try:
        return decode(obj, ref)
    except BadMessage as err:
        raise ChannelFailure(f"{label}: the kernel's answer was refused: {err}") from None


def library_object(tagged: dict):
    """The runner's own function or class named by {"$library": module, "name": qualname}."""
    module, name = tagged.get("$library"), tagged.get("name")
    if type(module) is not str or type(name) is not str or not allowed(module, LIBRARY_MODULES):
        raise BadMessage(f"library reference {str(module)[:80]} is not allow-listed")
    try:
        value = importlib.import_module(module)
        for part in name.split("."):
            value = getattr(value, part)
    except (ImportError, AttributeError):
        raise BadMessage(f"{module}.{name} does not exist in the runner") from None
    return value


def import_allowed(module: str):
    """The runner's own module `module`, if it is on the allow-list."""
    if not allowed(module):
        return Unavailable(f"module {module} is not on the runner's allow-list "
                           f"(ALLOWED_MODULES in course/grading/runner/proxy.py): import it in the test cell")
    return importlib.import_module(module)


def resolve(channel: KernelChannel, names, protected=frozenset()) -> dict:
    """The runner-side values of notebook names: data by value, objects as
    handles, modules and library functions as the runner's own.

    protected: names the solution cells define; for them only data or a
    handle is accepted, never a module or a library object (a student cannot
    make a solution name stand for a library function). Names the kernel
    does not have are left out (using them raises NameError as usual).
    """
    if not names:
        return {}
    answer = channel.request({"op": "resolve", "names": sorted(names)}, "looking up the notebook's names")
    if answer.get("kind") != "result" or type(answer.get("value")) is not dict:
        raise ChannelFailure(f"looking up names failed: {str(answer)[:300]}")
    values = {}
    for name, obj in answer["value"].items():
        if name not in names:
            continue
        if type(obj) is dict and obj and next(iter(obj)) in ("$module", "$library") \
                and name in protected:
            values[name] = Unavailable(f"{name}, defined by a solution cell, is not a function or data in the kernel")
        elif type(obj) is dict and "$module" in obj:
            values[name] = import_allowed(str(obj["$module"]))
        elif type(obj) is dict and "$unavailable" in obj:
            values[name] = Unavailable(f"{name} is {str(obj['$unavailable'])[:200]} in the kernel, not data")
        else:
            values[name] = decode_from_kernel(channel, obj, name)
    return values


class KernelNames:
    """`course.lib.testing.kernel_names` in the runner process: a test's
    `replaced_names` block also binds the names in the student's kernel (the
    runner's functions as callbacks, so that the student's code calling
    `affine_forward` by name calls the test's stand-in back here), and
    restores them at the block's end (the agent restores what is left at
    the end of the cell, too)."""

    def __init__(self, channel: KernelChannel):
        self.channel = channel

    def replace(self, values: dict) -> None:
        label = f"replacing {', '.join(sorted(values))[:200]} in the kernel"
        answer = self.channel.request({"op": "replace_names",
                                       "names": encode_for_kernel(self.channel, values, label)}, label)
        answer_value(self.channel, answer, label, "gave")

    def restore(self) -> None:
        label = "restoring the kernel's replaced names"
        answer_value(self.channel, self.channel.request({"op": "restore_names"}, label), label, "gave")

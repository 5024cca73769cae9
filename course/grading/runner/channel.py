"""The runner's side of the data-only channel to the student's kernel.

The runner connects its own `jupyter_client.BlockingKernelClient` to the
already running kernel from its connection info alone (tcp or ipc, any
kernel manager: several clients on one kernel are allowed). A top-level
request is one execute_request (silent: no execute_input, no pre/post_run_cell
events, no history; allow_stdin) of the agent's fixed `serve()`; the agent
asks for the request and sends every answer as the prompt of an
input_request on the stdin channel, and the runner's input_reply is its next
instruction (`done`, or more work
while a callback of the test runs here). Why stdin rather than iopub: it is
the only channel that is reentrant (a callback can call back into the
kernel while the kernel waits in `input()`), it is addressed to this client
alone, and display hooks, formatters and output captures in the kernel do not
touch it. Everything that arrives is parsed strictly (codec.loads: size limit,
strict JSON, no pickles).

Student prints during a call (iopub streams of our requests) are written to
this process's sys.stdout/sys.stderr, which the runner captures per test cell:
they become stream text of the test cell, never an execute_result.

Time: each top-level call has its own limit, callbacks included, and ends
at the latest with the test cell's time limit. When it
passes, the kernel is sent an interrupt_request on the control channel (the
kernel interrupts itself: no signal from here, no pid needed, and it works
with the sandbox's message interrupts) and the call fails with CallTimeout;
a kernel that does not come back within GRACE seconds fails every later call
of the cell at once.
"""
from __future__ import annotations

import queue
import sys
import time

import zmq
from jupyter_client.blocking.client import BlockingKernelClient

from course.grading.ipc import OneSocketHBChannel, ipc_sockets_problem

from .agent import SERVE_CODE, install_code
from .codec import MAX_MESSAGE_CHARS, BadMessage, dumps, loads

GRACE = 10.0  # s for the kernel to answer after an interrupt
MAX_STREAM_CHARS = 1_000_000  # student output kept per call
HEARTBEAT_LOST = 10.0  # s without heartbeat before the kernel counts as dead (a loaded machine misses beats)


class ChannelFailure(Exception):
    """The kernel did not answer as the agent would: the call failed."""


class CallTimeout(ChannelFailure):
    """A call did not return within its time limit."""


class StudentError(Exception):
    """The student's code raised in the kernel."""

    def __init__(self, label: str, type_name: str, message: str):
        super().__init__(f"{label} raised {type_name}: {message}" if message else f"{label} raised {type_name}")
        self.label, self.type_name = label, type_name


class NotDataError(TypeError):
    """What came back from the kernel is not data."""


class KernelChannel:
    """Requests to the agent in one kernel, with callbacks run here.

    connection: the kernel's connection info (as in a connection file).
    call_timeout: seconds per top-level call (None: no limit).
    max_message_chars: the largest answer accepted from the kernel.
    """

    def __init__(self, connection: dict, call_timeout: float | None = 300.0,
                 max_message_chars: int = MAX_MESSAGE_CHARS):
        problem = ipc_sockets_problem(connection)
        if problem:
            raise ChannelFailure(f"the kernel's sockets are not safe to connect to: {problem}")
        context = zmq.Context()
        # a frame much bigger than the largest message drops the connection unread
        context.setsockopt(zmq.MAXMSGSIZE, max_message_chars + (16 << 20))
        # never reconnect: a sandboxed kernel could swap a socket for a link to the host
        context.setsockopt(zmq.RECONNECT_IVL, -1)
        self.max_message_chars = max_message_chars
        self.client = BlockingKernelClient(context=context, hb_channel_class=OneSocketHBChannel)
        self.client.load_connection_info(connection)
        self.client.start_channels()
        self.call_timeout = call_timeout
        self.callbacks: dict[int, object] = {}
        self._active: str | None = None  # msg_id of the execute_request the agent serves in
        self._calling = False  # a top-level call is under way (callbacks nest in it)
        self._cell_started = False  # requests were made since the last end_cell
        self.arrays_seen: dict[str, int] = {}  # array key -> times sent in this test cell
        self.kept_arrays: set[str] = set()  # arrays the kernel keeps for this cell (proxy.array_form)
        self.kept_bytes = 0
        self._deadline: float | None = None
        self._broken: str | None = None
        self._callback_error: BaseException | None = None  # first exception of a test callback
        self._failure: ChannelFailure | None = None  # of the current top-level call
        self._replied = False  # the current top-level call's execute_reply has arrived
        self.cell_timeout: float | None = None
        self.cell_deadline: float | None = None
        self._limit = ""
        self._stream_chars = 0

    def close(self) -> None:
        """End the agent's serve loop (the kernel must not wait for us) and disconnect."""
        try:
            self.end_cell()
        finally:
            self.client.stop_channels()

    # -- requests -----------------------------------------------------------------
    def request(self, op: dict, label: str):
        """Send one op to the agent; return its answer message (a dict with
        kind result/error/notdata). Runs the test's callbacks meanwhile.

        The agent serves the requests of a whole test cell in one
        execute_request (started by the first, ended by `end_cell`), so a
        call costs one round trip on the stdin channel, not a cell execution."""
        if self._broken:
            raise ChannelFailure(self._broken)
        if self._calling:  # inside a callback: the kernel waits in input() for it
            if self._failure is not None:
                raise self._failure
            try:
                self._reply(op)
                return self._serve_until_answer(label)
            except ChannelFailure as err:
                self._failure = self._failure or err
                raise
        self._callback_error = self._failure = None
        self._stream_chars = 0
        self._deadline, self._limit = self._call_deadline()
        self._calling = self._cell_started = True
        try:
            if self._active is None:
                self._start_serving(label)
            self._reply(op)
            answer = self._serve_until_answer(label)
        except ChannelFailure as err:
            self._recover(label)
            raise (self._failure or err) from None
        finally:
            self._calling = False
        if self._callback_error is not None:
            raise self._callback_error
        return answer

    def handshake(self) -> None:
        """Prove the connection while no student code has run yet: one silent
        input() in the kernel, answered on stdin, its execute_reply and idle
        status on shell and iopub, signed with the kernel's key. Sockets
        connected now stay the kernel's (no reconnection), whatever the
        student does to the socket files later. Raises ChannelFailure.

        The kernel may send its input request before our stdin socket has
        finished connecting (zmq connects in the background, and the kernel's
        ROUTER drops what it cannot route yet): then the answer goes anyway,
        which input() receives once the socket is up."""
        label = "connecting to the kernel"
        self._deadline, self._limit = time.monotonic() + 60.0, "within 60 s"
        self._active = self._execute("__import__('builtins').input('{}')")
        self._replied = False
        try:
            try:
                self.client.stdin_channel.get_msg(timeout=2.0)
            except queue.Empty:
                pass  # the request went nowhere; the answer still reaches input()
            self._reply({})
            self._finish(label, late_prompt_ok=True)
        except ChannelFailure:
            self._recover(label)  # never leave the kernel waiting in input()
            raise
        finally:
            self._active = None

    def _start_serving(self, label: str) -> None:
        """Start the agent's serve loop in the kernel; it asks for the first
        request. A kernel without the agent (a new one, after a restart)
        gets it installed first, and one more try."""
        for attempt in ("first", "after installing the agent"):
            self._active = self._execute(SERVE_CODE)
            self._replied = False
            try:
                prompt = self._next_prompt(label)
            except ChannelFailure:
                if attempt != "first" or not self._replied:
                    raise
                self._install(label)
                continue
            if prompt.get("kind") != "ready":
                raise ChannelFailure(f"{label}: the kernel's agent did not ask for the request")
            return

    def _install(self, label: str) -> None:
        """Define the agent in the kernel (install_code keeps one that is there)."""
        self._active = self._execute(install_code())
        try:
            self._finish(f"installing the runner's agent in the kernel for {label}")
        except ChannelFailure as err:
            self._broken = f"the runner's agent could not be installed in the kernel: {err}"
            raise ChannelFailure(self._broken) from None

    def end_cell(self) -> None:
        """End the test cell: `done` makes the agent restore the names the
        cell replaced and drop its objects, and ends its serve loop."""
        self.arrays_seen, self.kept_arrays, self.kept_bytes = {}, set(), 0  # done clears the kernel's
        if self._broken or (self._active is None and not self._cell_started):
            self._active, self._cell_started = None, False
            return
        label = "ending the test cell's requests"
        self._deadline, self._limit = time.monotonic() + GRACE, f"within {GRACE:g} s"
        try:
            if self._active is None:  # the cell's last call failed and ended its serve loop
                self._start_serving(label)
            self._reply({"op": "done"})
            self._finish(label)
        except ChannelFailure:
            self._recover(label)
        finally:
            self._active, self._cell_started = None, False

    def _call_deadline(self) -> tuple[float | None, str]:
        """(deadline, how to name it) of a call starting now: its own limit or
        the end of the test cell's, whichever comes first."""
        now = time.monotonic()
        call = None if self.call_timeout is None else now + self.call_timeout
        if self.cell_deadline is not None and (call is None or self.cell_deadline < call):
            return self.cell_deadline, f"before the test cell's time limit ({self.cell_timeout:g} s)"
        return call, "" if call is None else f"within {self.call_timeout:g} s"

    def begin_cell(self, timeout: float | None = None) -> None:
        """Before each test cell (which may run `timeout` s): forget past
        failures and start the cell's clock. (The agent is installed in the
        kernel by the first request that finds it missing.)"""
        self.end_cell()
        self._broken = None
        self.cell_timeout = timeout
        self.cell_deadline = None if timeout is None else time.monotonic() + timeout

    def _execute(self, code: str) -> str:
        return self.client.execute(code, silent=True, store_history=False,
                                   allow_stdin=True, stop_on_error=False)

    def _reply(self, instruction: dict) -> None:
        self.client.input(dumps(instruction))

    def _serve_until_answer(self, label: str) -> dict:
        """Wait for the agent's answer to the current request; run callbacks."""
        while True:
            message = self._next_prompt(label)
            if message.get("kind") != "callback":
                if message.get("kind") not in ("result", "error", "notdata"):
                    raise ChannelFailure(f"{label}: the kernel sent an unknown answer {str(message)[:200]}")
                return message
            self._reply(self._run_callback(message))

    def _run_callback(self, message: dict) -> dict:
        from .proxy import decode_from_kernel, encode_for_kernel

        callback = self.callbacks.get(message.get("id"))
        if callback is None:
            return {"op": "raise", "message": "no such callback"}
        name = getattr(callback, "__name__", "callback")
        try:
            args = decode_from_kernel(self, message.get("args"), f"the arguments of {name}")
            kwargs = decode_from_kernel(self, message.get("kwargs"), f"the arguments of {name}")
            if type(args) is not list or type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
                raise BadMessage("callback arguments must be a list and a dict with str keys")
            value = callback(*args, **kwargs)
            return {"op": "return", "value": encode_for_kernel(self, value, f"the value {name} returned")}
        except ChannelFailure:
            raise
        except Exception as err:  # noqa: BLE001 -- the test's own callback failed: the call fails with it
            if self._callback_error is None:
                self._callback_error = err
            return {"op": "raise", "message": f"{type(err).__name__}"}
        finally:
            if self._failure is not None:
                raise self._failure

    # -- waiting ------------------------------------------------------------------
    def _sockets(self):
        return {self.client.stdin_channel.socket: self.client.stdin_channel,
                self.client.iopub_channel.socket: self.client.iopub_channel,
                self.client.shell_channel.socket: self.client.shell_channel}

    def _messages(self, label: str):
        """Messages for the active request, as (channel name, msg), until the deadline."""
        poller = zmq.Poller()
        channels = self._sockets()
        for socket in channels:
            poller.register(socket, zmq.POLLIN)
        names = {self.client.stdin_channel: "stdin", self.client.iopub_channel: "iopub",
                 self.client.shell_channel: "shell"}
        beating_at = time.monotonic()
        while True:
            remaining = None if self._deadline is None else self._deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise CallTimeout(f"{label} did not return {self._limit}")
            wait = 1.0 if remaining is None else min(1.0, remaining)
            for socket, _ in poller.poll(wait * 1000):
                channel = channels[socket]
                try:
                    msg = channel.get_msg(timeout=0)
                except Exception as err:  # noqa: BLE001 -- a frame that does not deserialize or verify
                    raise ChannelFailure(f"{label}: unreadable message from the kernel ({type(err).__name__})") from None
                if msg.get("parent_header", {}).get("msg_id") == self._active:
                    yield names[channel], msg
            if self.client.is_alive():
                beating_at = time.monotonic()
            elif time.monotonic() - beating_at > HEARTBEAT_LOST:
                self._broken = "the kernel died"
                raise ChannelFailure(f"{label}: the kernel died (no heartbeat for {HEARTBEAT_LOST:g} s)")

    def _next_prompt(self, label: str) -> dict:
        for where, msg in self._messages(label):
            if where == "iopub":
                self._stream(msg)
            elif where == "stdin" and msg["header"].get("msg_type") == "input_request":
                self._take_streams()
                try:
                    return loads(msg["content"].get("prompt"), self.max_message_chars)
                except BadMessage as err:
                    raise ChannelFailure(f"{label}: the kernel's answer was refused: {err}") from None
            elif where == "shell" and msg["header"].get("msg_type") == "execute_reply":
                self._replied = True
                content = msg["content"]
                detail = f" ({content.get('ename')}: {str(content.get('evalue'))[:300]})" if content.get("ename") else ""
                raise ChannelFailure(f"{label}: the kernel ended the call without an answer{detail}")
        raise AssertionError("unreachable")

    def _finish(self, label: str, late_prompt_ok: bool = False) -> None:
        """Wait for the execute_reply and the idle status of the active request
        (late_prompt_ok: an input request of it, already answered, is no error)."""
        replied = idle = False
        for where, msg in self._messages(label):
            kind = msg["header"].get("msg_type")
            if where == "iopub":
                self._stream(msg)
                idle = idle or (kind == "status" and msg["content"].get("execution_state") == "idle")
            elif where == "shell" and kind == "execute_reply":
                replied = True
                if msg["content"].get("status") != "ok":
                    raise ChannelFailure(f"{label}: {msg['content'].get('ename')}: "
                                         f"{str(msg['content'].get('evalue'))[:300]}")
            elif where == "stdin" and kind == "input_request" and not late_prompt_ok:
                raise ChannelFailure(f"{label}: the kernel asked for more after the call had ended")
            if replied and idle:
                return

    def _take_streams(self) -> None:
        """Take the student's prints that have arrived (the kernel flushes them
        before each input request), so they come out in order with the test's."""
        channel = self.client.iopub_channel
        while channel.msg_ready():
            try:
                msg = channel.get_msg(timeout=0)
            except Exception as err:  # noqa: BLE001 -- a frame that does not deserialize or verify
                raise ChannelFailure(f"unreadable message from the kernel ({type(err).__name__})") from None
            if msg.get("parent_header", {}).get("msg_id") == self._active:
                self._stream(msg)

    def _stream(self, msg: dict) -> None:
        if msg["header"].get("msg_type") != "stream":
            return
        text = msg["content"].get("text")
        if type(text) is not str or self._stream_chars > MAX_STREAM_CHARS:
            return
        self._stream_chars += len(text)
        if self._stream_chars > MAX_STREAM_CHARS:
            text = text[:MAX_STREAM_CHARS - self._stream_chars] + "\n[student output truncated]\n"
        target = sys.stderr if msg["content"].get("name") == "stderr" else sys.stdout
        target.write(text)

    def _recover(self, label: str) -> None:
        """After a failed call, make the kernel leave it: end a pending input()
        with EOF; if the kernel is still busy after a second (a call past its
        limit), interrupt it and wait GRACE s for the execute_reply. (An
        interrupt sent to a kernel that has just finished would hit the next
        request, hence EOF first.)"""
        self._stream_chars = MAX_STREAM_CHARS + 1  # no more student output for this call
        try:
            if self._replied or self._active is None:  # the kernel has already left the request
                return
            self.client.input("\x04")
            if self._wait_for_reply(1.0, label):
                return
            self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))
            if not self._wait_for_reply(GRACE, label):
                self._broken = f"the kernel did not recover after {label} failed"
        finally:
            self._active = None  # the next request starts a new serve loop

    def _wait_for_reply(self, seconds: float, label: str) -> bool:
        self._deadline = time.monotonic() + seconds
        try:
            for where, msg in self._messages(label):
                if where == "shell" and msg["header"].get("msg_type") == "execute_reply":
                    return True
        except ChannelFailure:
            return False

"""Whether a kernel's ipc sockets are safe for a grader to connect to.

A sandboxed kernel's sockets live in the sandbox's own tmpfs, which graders
reach through /proc/PID/root. The kernel can replace a socket file with a
symlink, and an absolute symlink there resolves on the host: a grader that
then connected (or reconnected) would reach any socket of the host. So
graders connect only when every path is a socket, and never reconnect
(zmq.RECONNECT_IVL -1), nor open a socket anew: jupyter_client's heartbeat
channel closes and reopens its socket after a missed beat, which a loaded
machine misses, so graders use `OneSocketHBChannel`. Kept apart from
sandbox.py so the trusted runner imports it without nbgrader.
"""
from __future__ import annotations

import os
import stat

import zmq
from jupyter_client.channels import HBChannel

PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")


def ipc_sockets_problem(connection: dict) -> str | None:
    """For an ipc connection, why its paths are not safe to connect to (one
    missing, or not a socket: a symlink a kernel planted would lead a
    grader's connection to the host); None when every path is a socket, and
    for tcp. Connect only with reconnection off (zmq.RECONNECT_IVL -1)."""
    if connection.get("transport") != "ipc":
        return None
    for port in PORTS:
        path = f"{connection['ip']}-{connection[port]}"
        try:
            mode = os.lstat(path).st_mode
        except OSError as err:
            return f"{path}: {err.strerror}"
        if not stat.S_ISSOCK(mode):
            return f"{path} is not a socket"
    return None


class OneSocketHBChannel(HBChannel):
    """The heartbeat channel with one socket for its whole life. A missed
    beat does not reopen it (that would connect through the socket file
    again); the REQ socket is relaxed instead, so the next ping goes out
    without the last one's reply, and a late reply is dropped."""

    def _create_socket(self) -> None:
        if self.socket is not None:
            return
        super()._create_socket()
        self.socket.setsockopt(zmq.REQ_RELAXED, 1)
        self.socket.setsockopt(zmq.REQ_CORRELATE, 1)
        # once the kernel is gone the socket has no peer, and a ping would wait
        # for one for ever (and stop() with it): give up after a second instead
        self.socket.setsockopt(zmq.SNDTIMEO, 1000)

    async def _async_run(self) -> None:
        try:
            await super()._async_run()
        except zmq.Again:  # no kernel left to ping: the heart has stopped
            self._beating = False

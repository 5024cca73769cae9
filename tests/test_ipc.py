"""The graders' heartbeat channel keeps one socket for its whole life."""
from __future__ import annotations

import time

import zmq

from course.grading.ipc import OneSocketHBChannel


def test_missed_beats_keep_the_socket_and_beating_resumes_on_it():
    context = zmq.Context()
    kernel_side = context.socket(zmq.REP)
    port = kernel_side.bind_to_random_port("tcp://127.0.0.1")
    heartbeat = OneSocketHBChannel(context=context, address=("127.0.0.1", port))
    heartbeat.time_to_dead = 0.2
    heartbeat.start()
    try:
        time.sleep(0.3)
        first = heartbeat.socket
        time.sleep(0.8)  # nobody answers: several beats missed
        assert heartbeat.socket is first and not heartbeat.is_beating()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not heartbeat.is_beating():
            if kernel_side.poll(100):
                kernel_side.send(kernel_side.recv())
        assert heartbeat.is_beating() and heartbeat.socket is first
    finally:
        heartbeat.stop()
        heartbeat.join(2)
        kernel_side.close()
        context.term()


def test_the_heartbeat_stops_promptly_once_the_kernel_is_gone():
    context = zmq.Context()
    context.setsockopt(zmq.RECONNECT_IVL, -1)  # as the graders' sockets
    kernel_side = context.socket(zmq.REP)
    kernel_side.setsockopt(zmq.LINGER, 0)
    port = kernel_side.bind_to_random_port("tcp://127.0.0.1")
    heartbeat = OneSocketHBChannel(context=context, address=("127.0.0.1", port))
    heartbeat.time_to_dead = 0.2
    heartbeat.start()
    time.sleep(0.3)
    kernel_side.close()  # the kernel ends: no peer, and the socket never reconnects
    time.sleep(1.5)
    start = time.monotonic()
    heartbeat.stop()  # jupyter_client's own would wait for ever in its ping's send
    assert time.monotonic() - start < 5 and not heartbeat.is_beating()
    context.term()

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Holds established loopback TCP connections open until SIGTERM/SIGINT or its parent exits.

Opens one listener on 127.0.0.1 (a free port) and CONNECTIONS connections to it, keeping
both ends: 2 * CONNECTIONS established sockets, 2 * CONNECTIONS + 1 file descriptors, so keep
CONNECTIONS under ~4 000 per process (the open-file limit here is 20 000) and start several
holders for larger sets. Prints "ready <established sockets>" once all are open.
On exit every socket is closed with SO_LINGER 0 (RST): no TIME_WAIT is left behind to skew
the next measurement.
"""

import argparse
import ctypes
import resource
import signal
import socket
import struct
import sys

LINGER_ZERO = struct.pack("ii", 1, 0)


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            sys.exit(f"need {needed} file descriptors, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def open_connections(count):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    address = listener.getsockname()
    held = [listener]
    for _ in range(count):
        client = socket.create_connection(address)
        server, _peer = listener.accept()
        held.append(client)
        held.append(server)
    return held


def close_all(held):
    for sock in held:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_ZERO)
        except OSError:
            pass
        sock.close()


def exit_with_parent():
    """Asks the kernel to send SIGTERM when the parent (the benchmark script) dies."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("connections", type=int, help="connections to hold (sockets = 2x)")
    arguments = parser.parse_args()
    raise_fd_limit(2 * arguments.connections + 64)

    # SIGTERM/SIGINT become a normal exit, so the sockets are reset rather than left in TIME_WAIT.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    exit_with_parent()
    held = []
    try:
        held = open_connections(arguments.connections)
        print(f"ready {2 * arguments.connections}", flush=True)
        while True:
            signal.pause()
    finally:
        close_all(held)


if __name__ == "__main__":
    main()

"""Which port the local console listens on: the same one on every start, unless it is taken.

A fixed port keeps the console's address (and the person and space the browser remembers per
origin) across restarts of ``make run``. When another program holds it, the console still
starts, on a free port, and says so.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

#: The console's port unless ``--console-port`` names another (0: any free port).
DEFAULT_CONSOLE_PORT = 8765


@dataclass
class ConsoleSocket:
    """A bound, listening socket for the stand-in, and the wanted port if another was taken."""

    sock: socket.socket
    taken: int | None = None  # the wanted port, when another program held it


def console_socket(
    port: int | None, *, host: str = "127.0.0.1", default: int = DEFAULT_CONSOLE_PORT
) -> ConsoleSocket:
    """A listening socket on ``port`` (None: ``default``), or on a free one when that is taken.

    Bound here rather than by the server so that a taken port is a fallback, not an exit.
    """
    wanted = default if port is None else port
    try:
        return ConsoleSocket(_listen(host, wanted))
    except OSError as exc:
        if wanted == 0 or exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
    return ConsoleSocket(_listen(host, 0), taken=wanted)


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As servers do: a restart may bind while the last run's connections linger in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock

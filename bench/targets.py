"""The servers the engine benchmark compares, each run as its own process under waitress.

``python -m bench.targets bare`` serves a Flask endpoint that returns 200 and does nothing else
(the floor any Flask bot stands on); ``python -m bench.targets inrequest`` serves the in-request
bot (``bench.inrequest_bot``), reading ``BENCH_API_URL``, ``BENCH_BOT_TOKEN`` and
``BENCH_SECRET``. Both listen on an ephemeral loopback port with the thread count given by
``--threads`` (default 8, as ``onboard-bot serve``) and print ``listening on http://HOST:PORT``,
the same line ``onboard-bot serve`` prints, so the harness starts all three alike.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

from flask import Flask, Response
from waitress.server import create_server


def bare_app() -> Flask:
    """A webhook endpoint that returns 200 at once."""
    app = Flask("bare")

    @app.post("/webhooks/webex")
    def webhook() -> Response:
        return Response("OK", status=200)

    return app


def main(argv: list[str] | None = None) -> int:
    """Serve the chosen target until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.targets")
    parser.add_argument("target", choices=["bare", "inrequest"])
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    if args.target == "bare":
        app = bare_app()
    else:
        from bench.inrequest_bot import create_app

        env = os.environ
        app = create_app(env["BENCH_API_URL"], env["BENCH_BOT_TOKEN"], env["BENCH_SECRET"])
    server = create_server(app, host="127.0.0.1", port=0, threads=args.threads, ident=args.target)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"{args.target} listening on http://127.0.0.1:{server.effective_port}", flush=True)
    try:
        server.run()
    except (OSError, ValueError):
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

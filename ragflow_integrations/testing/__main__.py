"""``python -m ragflow_integrations.testing serve``: run LocalRAGFlow until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._dialects import DIALECTS
from ._server import LocalRAGFlow

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ragflow_integrations.testing",
        description="LocalRAGFlow: an offline stand-in RAGFlow server for tests and demos.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the RAGFlow HTTP API until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=9380, help="port (default 9380; 0 = any free)")
    serve.add_argument("--dialect", default="v0.27", help="server version to speak (default v0.27)")
    serve.add_argument("--api-key", default=None, help="API key to accept (default: generated)")
    serve.add_argument(
        "--parse-delay",
        type=float,
        default=0.3,
        help="seconds a document parse takes (default 0.3)",
    )
    sub.add_parser("dialects", help="list the named dialects")
    return parser


def _serve(args: argparse.Namespace) -> int:
    # SIGINT and SIGTERM only set a flag, from before the server exists: a Ctrl-C that arrives
    # while it starts or prints its address still ends in a clean stop, not a traceback.
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        server = LocalRAGFlow(
            args.dialect,
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            parse_delay=args.parse_delay,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        server.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"LocalRAGFlow {server.version} (dialect {server.dialect})", flush=True)
        print(f"base_url: {server.base_url}", flush=True)
        print(f"api_key:  {server.api_key}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
    print("LocalRAGFlow stopped.", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "dialects":
        print("\n".join(DIALECTS))
        return 0
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())

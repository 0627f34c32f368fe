"""The `tenseur` command.

    tenseur board LOGDIR [--port 6006] [-- TENSORBOARD_OPTIONS...]

`board` starts the real TensorBoard on 127.0.0.1 when the `tensorboard` package is installed
(`pip install "tenseur[board]"`); tenseur writes the event files, TensorBoard draws them.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys

from . import __version__

INSTALL_BOARD = 'pip install "tenseur[board]"'


def _board(args, extra) -> int:
    if importlib.util.find_spec("tensorboard") is None:
        print(f"tenseur board: TensorBoard is not installed. Install it with:\n\n"
              f"    {INSTALL_BOARD}\n\nthen run: tenseur board {args.logdir}", file=sys.stderr)
        return 1
    if not os.path.isdir(args.logdir):
        print(f"tenseur board: note: {args.logdir} does not exist yet; TensorBoard will show "
              f"runs as they appear.", file=sys.stderr)
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", args.logdir,
               "--host", "127.0.0.1", "--port", str(args.port), *extra]
    print(f"tenseur board: TensorBoard at http://127.0.0.1:{args.port}/ (Ctrl+C to stop)",
          file=sys.stderr, flush=True)
    return _run_forwarding_signals(command)


def _run_forwarding_signals(command) -> int:
    """Runs `command`; SIGTERM to this process stops it too. Returns its exit status."""
    child = subprocess.Popen(command)

    def stop(signum, frame):
        child.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:   # Ctrl+C reaches the child too; wait for it to finish
                child.terminate()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tenseur", description="tenseur: a small deep-learning framework on NumPy.")
    parser.add_argument("--version", action="version", version=f"tenseur {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    board = commands.add_parser(
        "board", help="start TensorBoard on 127.0.0.1 for a log directory",
        description="Start the real TensorBoard (the `board` extra) on 127.0.0.1. Options "
                    "after `--` are passed to tensorboard, e.g. -- --reload_interval 1.")
    board.add_argument("logdir", metavar="LOGDIR",
                       help="directory of event files (each subdirectory is a run)")
    board.add_argument("--port", type=int, default=6006, help="port to serve on (default 6006)")
    board.set_defaults(handler=_board)
    return parser


def main(argv=None) -> int:
    """Entry point of the `tenseur` console script; returns the exit status."""
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.handler(args, extra)


if __name__ == "__main__":
    sys.exit(main())

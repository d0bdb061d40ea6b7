"""``python -m orders``: the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from orders.machine import mermaid_diagram


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orders", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "diagram", help="print the Mermaid state diagram generated from the transition table"
    )
    arguments = parser.parse_args(argv)
    if arguments.command == "diagram":
        print(mermaid_diagram())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `voting-service` executable.

`credentials generate` is the credential authority's command: it runs on a machine that must
not hold, or even load, the server's database code. It is therefore dispatched here before
the server's command line (voting_service/cli.py, which imports the storage layer) is
imported; every other command goes to that command line.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:3] == ["credentials", "generate"]:
        from .authority.cli import generate_command

        generate_command.main(sys.argv[3:], prog_name="voting-service credentials generate")
    else:
        from .cli import main as server_main

        server_main()

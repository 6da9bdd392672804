"""The ``openstx`` console script.

Every sub-command is a Django management command (``openstx serve`` runs the ``serve`` command of
the core app), so the CLI contract (docs/architecture.md, "Command line and API contract") and Django's own commands share one entry point.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
    # Libraries that spawn their own threads collapse on a busy 2-core machine: one per process.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["openstx", *argv])
    if len(args) == 1:
        args.append("help")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()

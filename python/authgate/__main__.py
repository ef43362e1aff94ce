"""``python -m authgate`` (and the ``authgate`` script): the authgate tool.

The same C++ code as the native ``authgate`` binary runs here, so the flags,
the JSON output and the exit statuses are the same; ``authgate --help``
lists them.
"""

from __future__ import annotations

import sys

from authgate import _core


def main() -> int:
    """Runs the command line on ``sys.argv[1:]``; returns the exit status."""
    return _core.cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

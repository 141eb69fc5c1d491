"""Classic process AGI baseline: one Python process per call routes it the way users run AGI today.

Asterisk runs `AGI(/path/process_agi.py,${CALLERID(num)})`: the header block arrives on stdin,
commands go to stdout, replies come back on stdin. The process loads the YAML configuration,
decides and answers the same SET VARIABLE commands as the FastAGI `route` handler.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from switchboard.asterisk.agi.commands import format_command
from switchboard.asterisk.agi.request import parse_request
from switchboard.config.compile import compile_routing
from switchboard.config.loader import load_config
from switchboard.core.routing import decide
from switchboard.engine.handlers.route import DEFAULT_WAIT_SLICE_S, answer, call_facts


def main() -> int:
    """Route one call over stdin/stdout; argv[1] is the configuration file."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    lines = []
    while (line := stdin.readline()) not in (b"\n", b""):
        lines.append(line)
    request = parse_request(b"".join(lines), network=False)
    table = compile_routing(load_config(sys.argv[1]))
    decision = decide(call_facts(request), table, datetime.now(UTC))
    for name, value in answer(request, decision, DEFAULT_WAIT_SLICE_S):
        stdout.write(format_command("SET VARIABLE", name, value))
        stdout.flush()
        if not stdin.readline().startswith(b"200"):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run a command and write the peak RSS of its largest process (itself or any descendant it waited for).

Usage: python bench/peak.py OUT -- COMMAND [ARG ...]

Writes the peak in kilobytes to OUT once the command has ended, and ends as it ended (its
exit code, or the signal that ended it); SIGTERM and SIGINT are passed on to the command.

Why not read `getrusage(RUSAGE_CHILDREN)` in the bench that started the command: Linux
counts in a child's peak the memory of the process it was forked from, as it stood when
the child called exec (`subprocess` forks or vforks its caller). A bench that had grown
to 440 MB building the learning reports in its own process and then started a Celery
worker read 440 MB as the worker's peak, whatever the worker's processes held. Started
from this small process instead, the command's peak is its own (tests/capacity/test_bench_peak.py).
"""

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path


def main(argv):
    if len(argv) < 3 or argv[1] != "--":
        sys.exit(__doc__.split("\n\n")[1])
    out, command = Path(argv[0]), argv[2:]
    child = subprocess.Popen(command)  # noqa: S603 — the bench's own command

    def pass_on(signum, _frame):
        child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, pass_on)
    code = child.wait()
    out.write_text(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\n")
    if code < 0:  # ended by a signal: end by the same one, so the caller reads what it would have read
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

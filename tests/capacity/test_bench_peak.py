"""bench/peak.py: a command's peak memory, not that of the process that started it."""

import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Grows to about 300 MB and gives it back, then starts a small Python twice: once directly
# (its peak read as the reports bench read its worker's) and once through bench/peak.py.
SCRIPT = textwrap.dedent(
    """
    import resource, subprocess, sys
    from pathlib import Path

    grown = bytearray(300 * 1024 * 1024)
    grown[::4096] = b"x" * len(grown[::4096])
    del grown
    small = [sys.executable, "-c", "pass"]
    subprocess.run(small, check=True)
    direct = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = Path(sys.argv[2])
    code = subprocess.run([sys.executable, sys.argv[1], str(out), "--", *small]).returncode
    print(direct, out.read_text().strip(), code)
    """
)


def test_the_peak_is_the_commands_own_not_its_starters(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "bench" / "peak.py"), str(tmp_path / "peak")],
        capture_output=True,
        text=True,
        check=True,
    )
    direct, through_peak, code = (int(word) for word in result.stdout.split())
    # Read directly, the small child's peak is the starter's 300 MB: what the bench read as the worker's.
    assert direct > 290 * 1024
    # Through bench/peak.py it is the small Python's own (about 10 MB) and the exit code is passed on.
    assert through_peak < 60 * 1024
    assert code == 0


def test_the_exit_code_is_passed_on(tmp_path):
    out = tmp_path / "peak"
    command = [sys.executable, str(ROOT / "bench" / "peak.py"), str(out), "--", sys.executable, "-c", "exit(3)"]
    assert subprocess.run(command).returncode == 3
    assert int(out.read_text()) > 0


def test_a_term_signal_reaches_the_command(tmp_path):
    out = tmp_path / "peak"
    started = tmp_path / "started"
    child = f"import pathlib, time; pathlib.Path({str(started)!r}).touch(); time.sleep(60)"
    command = [sys.executable, str(ROOT / "bench" / "peak.py"), str(out), "--", sys.executable, "-c", child]
    launcher = subprocess.Popen(command)
    try:
        for _ in range(200):
            if started.exists():
                break
            time.sleep(0.05)
        launcher.terminate()
        # The command ends by the signal (Popen's code for it: minus its number) and its peak is written.
        assert launcher.wait(timeout=20) == -15
        assert int(out.read_text()) > 0
    finally:
        launcher.kill()

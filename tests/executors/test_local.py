import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.executors import make_executor
from builder.executors.local import LocalExecutor


@pytest.mark.parametrize("workers", [1, 2])
def test_runs_every_rank_once(workers):
    executor = LocalExecutor(workers)
    # The function must be importable by the worker processes: a stdlib one is.
    assert sorted(executor.map(math.factorial, [0, 1, 2, 3, 4])) == [1, 1, 2, 6, 24]
    assert list(executor.map(math.factorial, [])) == []


def test_bad_settings():
    with pytest.raises(ValueError):
        LocalExecutor(0)
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("spark")


PROBE = """
import sys
from builder.executors.local import LocalExecutor

def loaded(rank):
    return [name for name in ("builder.pipeline", "pandas") if name in sys.modules]

if __name__ == "__main__":
    executor = LocalExecutor(2)
    print(list(executor.map(loaded, [0, 1])))
    executor.close()
"""


def test_workers_start_with_the_pipeline_imported(tmp_path):
    """Workers are forked from a server that imported the pipeline once: they do not import it
    (or pandas, which pyarrow pulls in) each on their own. Run in a fresh interpreter, whose fork
    server starts with this executor."""
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip() == str([["builder.pipeline", "pandas"]] * 2)


KILLED_PROBE = """
import os, signal
from builder.executors.local import LocalExecutor

def pid(rank):
    return os.getpid()

if __name__ == "__main__":
    executor = LocalExecutor(2)
    print(" ".join(str(p) for p in sorted(set(executor.map(pid, list(range(8)))))), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc (Linux)")
def test_workers_end_when_the_build_process_is_killed(tmp_path):
    """A build killed with SIGKILL (or by the OOM killer) leaves no workers behind."""
    script = tmp_path / "killed.py"
    script.write_text(KILLED_PROBE)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == -9
    workers = [int(p) for p in result.stdout.split()]
    assert workers
    deadline = time.monotonic() + 20
    while any(running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in workers if running(p)]

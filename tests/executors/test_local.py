import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import failing_at_three, where_run

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
import os, sys
from builder.executors.local import LocalExecutor

def loaded(rank):
    return os.getpid(), [name for name in ("builder.pipeline", "pandas") if name in sys.modules]

if __name__ == "__main__":
    executor = LocalExecutor(2)
    print(os.getpid(), [seen for pid, seen in executor.map(loaded, [0, 1, 2, 3]) if pid != os.getpid()])
    executor.close()
"""


def test_pool_workers_start_with_the_pipeline_imported(tmp_path):
    """Pool workers are forked from a server that imported the pipeline once: they do not import
    it (or pandas, which pyarrow pulls in) each on their own. Run in a fresh interpreter, whose
    fork server starts with this executor."""
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True).stdout
    _, seen = out.strip().split(" ", 1)
    seen = eval(seen)
    assert seen and all(modules == ["builder.pipeline", "pandas"] for modules in seen)


def test_this_process_works_beside_the_pool():
    """With two workers this process runs tasks too, from the start (while the pool's process is
    still starting), and the pool runs the rest: each rank once."""
    executor = LocalExecutor(2)
    try:
        results = list(executor.map(where_run, list(range(12))))
    finally:
        executor.close()
    assert sorted(rank for rank, _ in results) == list(range(12))
    here = [rank for rank, pid in results if pid == os.getpid()]
    pool = [rank for rank, pid in results if pid != os.getpid()]
    assert here and pool
    assert min(here) > max(pool)  # the pool takes from the front, this process from the back
    assert len({pid for _, pid in results}) == 2


@pytest.mark.parametrize("ranks", [[0, 1, 2, 3], [3, 0, 1, 2]])
def test_a_failing_task_stops_the_map_wherever_it_ran(ranks):
    executor = LocalExecutor(2)
    try:
        with pytest.raises(ValueError, match="task 3 failed"):
            list(executor.map(failing_at_three, ranks))
    finally:
        executor.close()


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

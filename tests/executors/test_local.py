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
import os, sys, threading
from builder.executors.local import LocalExecutor

def seen_by_worker(rank):
    return os.getpid(), os.getppid(), [name for name in ("builder.pipeline", "pandas") if name in sys.modules]

if __name__ == "__main__":
    busy = threading.Event()
    if sys.argv[1] == "with-a-thread":
        threading.Thread(target=busy.wait).start()
    executor = LocalExecutor(2)
    try:
        results = [r for r in executor.map(seen_by_worker, [0, 1, 2, 3]) if r[0] != os.getpid()]
    finally:
        busy.set()
        executor.close()
    print(repr((executor.start_method, os.getpid(), results)))
"""


def run_probe(tmp_path: Path, case: str) -> tuple[str, int, list]:
    """LocalExecutor(2) in a fresh interpreter: its start method, that process's pid, and what
    its pool's workers said of themselves (pid, parent pid, modules they had)."""
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    out = subprocess.run([sys.executable, str(script), case], capture_output=True, text=True, timeout=120, check=True)
    return eval(out.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="the pool is forked on Linux only")
def test_pool_is_forked_from_this_process_when_no_other_thread_runs(tmp_path):
    """Forked, the workers are children of this process and start with what it imported (here
    not the pipeline), without importing anything more."""
    method, pid, results = run_probe(tmp_path, "alone")
    assert method == "fork"
    assert results and all(parent == pid for _, parent, _ in results)
    assert all(modules == [] for _, _, modules in results)


def test_pool_comes_from_a_fork_server_when_another_thread_runs(tmp_path):
    """A thread could hold a lock that forked children would inherit held: the workers then come
    from a fork server that imported the pipeline once (and pandas, which pyarrow pulls in)."""
    method, pid, results = run_probe(tmp_path, "with-a-thread")
    assert method == "forkserver"
    assert results and all(parent != pid for _, parent, _ in results)
    assert all(modules == ["builder.pipeline", "pandas"] for _, _, modules in results)


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

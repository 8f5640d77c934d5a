import math
import subprocess
import sys

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

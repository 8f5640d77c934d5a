import math

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

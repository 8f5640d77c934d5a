import gc

import pyarrow as pa

import builder
from builder.config import RunOptions
from builder.memory import TASK_GC_THRESHOLD, build_pool, fewer_collections, use_build_allocator
from helpers import write_articles


def test_the_build_pool_is_jemalloc_where_pyarrow_has_it():
    expected = "jemalloc" if "jemalloc" in pa.supported_memory_backends() else pa.default_memory_pool().backend_name
    caller = use_build_allocator()
    try:
        assert pa.default_memory_pool().backend_name == expected
        assert build_pool() is build_pool()  # set up once per process
        assert pa.array(["allocated", "from", "it"]).to_pylist() == ["allocated", "from", "it"]
    finally:
        pa.set_memory_pool(caller)


def test_a_build_gives_the_callers_pool_back(tmp_path):
    original, system = pa.default_memory_pool(), pa.system_memory_pool()
    pa.set_memory_pool(system)
    try:
        write_articles(tmp_path / "in", 3)
        builder.build([str(tmp_path / "in")], tmp_path / "out", "1.0.0", run=RunOptions(progress=False))
        assert pa.default_memory_pool().backend_name == system.backend_name
    finally:
        pa.set_memory_pool(original)


def test_fewer_collections_raises_the_threshold_and_puts_it_back():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == TASK_GC_THRESHOLD != before
    assert gc.get_threshold() == before
    try:
        with fewer_collections():
            raise KeyError("a failing task")
    except KeyError:
        pass
    assert gc.get_threshold() == before

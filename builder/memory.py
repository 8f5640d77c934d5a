"""How a build's processes manage memory: the allocator Arrow uses, and how often Python's
cyclic garbage collector runs during a task.

pyarrow's default allocator, mimalloc, commits its memory arenas whole, and where the kernel backs
them with transparent huge pages, the first touch of each 2 MB page is a fault that zeroes it
(and may compact memory first). A build reads and writes hundreds of MB per process, and paid
for it in the kernel: 1.0-1.4 s of a 2.5 s publish of 50,000 documents (`bench/build.py`),
0.5-0.6 s with jemalloc, which pyarrow's Linux and macOS wheels also ship. jemalloc gives freed
pages back to the system after `DECAY_MS` instead of at once, so the next table reuses them.
Where jemalloc is not built in (Windows wheels), Arrow's default stays.

Python's cyclic collector runs a young collection every 700 new container objects, and now and
then a full one over every live object. A task makes millions of short-lived ones (words, lines,
rows) while it holds a few hundred thousand (its documents, the stages' tables). On 10,000
bench/scale.py documents the collector took 0.74 s of about 18 s of CPU; with the threshold below,
0.26 s, and alternated full builds of 20,000 of them took 3-17% less CPU. Objects without reference cycles are freed by reference counting whatever
the thresholds; only cyclic garbage waits a little longer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

DECAY_MS = 1000  # how long freed pages stay in the process for reuse before they go back

_pool: pa.MemoryPool | None = None


def build_pool() -> pa.MemoryPool:
    """jemalloc, set up once per process; Arrow's default pool where jemalloc is not built in."""
    global _pool
    if _pool is None:
        try:
            pa.jemalloc_set_decay_ms(DECAY_MS)  # before jemalloc's first allocation: it sets up its arenas then
            _pool = pa.jemalloc_memory_pool()
        except NotImplementedError:  # a pyarrow built without jemalloc
            _pool = pa.default_memory_pool()
    return _pool


def use_build_allocator() -> pa.MemoryPool:
    """Make the build's pool Arrow's default in this process; return the pool it replaces."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(build_pool())
    return previous


TASK_GC_THRESHOLD = (20_000, 10, 10)  # new container objects before a young collection, then as Python's


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the body with the collector's first threshold raised (TASK_GC_THRESHOLD), then put
    the previous thresholds back."""
    previous = gc.get_threshold()
    gc.set_threshold(*TASK_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)

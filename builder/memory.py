"""How a build's processes manage memory: the allocator Arrow uses, and how often Python's
cyclic garbage collector runs during a task.

pyarrow's default allocator, mimalloc, commits its memory arenas whole, and where the kernel backs
them with transparent huge pages, the first touch of each 2 MB page is a fault that zeroes it
(and may compact memory first). A build reads and writes hundreds of MB per process, and paid
for it in the kernel: 1.0-1.4 s of a 2.5 s publish of 50,000 documents (`bench/build.py`),
0.5-0.6 s with jemalloc, which pyarrow's Linux and macOS wheels also ship. jemalloc gives freed
pages back to the system after `DECAY_MS` instead of at once, so the next table reuses them.
Where jemalloc is not built in (Windows wheels), Arrow's default stays.

Python's cyclic collector runs a young collection every 700 new container objects (net of those
freed), and now and then a full one over every live object. A task holds its documents and their
rows to the end, a few hundred thousand container objects, so with Python's thresholds the
collector walked them again and again and freed next to nothing: on a process task of 10,000
bench/scale.py documents, 13 young, 2 middle and 1 full collection took 0.03 ms of CPU per
document (3% of the task) and found 357 objects; an ingest task, 0.007 ms per document. A
build's own objects form no reference cycles (the cyclic garbage of a whole build of HTML pages
is import-time: closures, classes, metadata tables), so during a task the first threshold is
raised above what a task of 10,000 documents holds (about 300,000 objects): no collection runs,
and cyclic garbage, if a reader makes some, waits for at most that many new objects. Objects
without reference cycles are freed by reference counting whatever the thresholds.
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


TASK_GC_THRESHOLD = (500_000, 10, 10)  # new container objects before a young collection, then as Python's


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

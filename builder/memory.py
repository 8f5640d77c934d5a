"""The allocator Arrow uses in a build's processes.

pyarrow's default allocator, mimalloc, commits its memory arenas whole, and where the kernel backs
them with transparent huge pages, the first touch of each 2 MB page is a fault that zeroes it
(and may compact memory first). A build reads and writes hundreds of MB per process, and paid
for it in the kernel: 1.0-1.4 s of a 2.5 s publish of 50,000 documents (`bench/build.py`),
0.3-0.4 s with jemalloc, which pyarrow's Linux and macOS wheels also ship. jemalloc gives freed
pages back to the system after `DECAY_MS` instead of at once, so the next table reuses them.
Where jemalloc is not built in (Windows wheels), Arrow's default stays.
"""

from __future__ import annotations

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

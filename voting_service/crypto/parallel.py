"""Spreading bulk group operations over the machine's cores.

Bulk work (shuffles, partial decryptions) is cut into contiguous chunks; each chunk is
a pure function of picklable arguments (integers and point encodings), run in a
process pool. All randomness is drawn by the caller *before* the work is spread, so the
result does not depend on the number of workers and seeded runs stay reproducible.

Points travel between processes as encodings that the parent already validated; the
workers never see unvalidated bytes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

# multiprocessing and concurrent.futures are imported when a pool is first made: they cost
# a command like `voting-service verify` on a small record a tenth of its start-up.

#: Below this many items per chunk, the default plan does not bother with other processes.
MIN_CHUNK = 256
#: Chunks per worker: more chunks than workers let the pool balance the load when another
#: process takes a core for a while (a single chunk per core would wait for the slowest).
CHUNKS_PER_WORKER = 4

_pools: dict[int, "ProcessPoolExecutor"] = {}


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def plan(count: int, workers: int | None) -> tuple[int, list[range]]:
    """Choose (workers, contiguous chunks) for ``count`` items.

    ``workers=None`` uses every core, but only with chunks of at least MIN_CHUNK items;
    an explicit ``workers`` is obeyed (tests use it to exercise the pool on small inputs).
    """
    if workers is None:
        workers = max(1, min(available_cores(), count // MIN_CHUNK))
        parts = max(1, min(workers * CHUNKS_PER_WORKER, count // MIN_CHUNK))
    else:
        workers = max(1, min(workers, count)) if count else 1
        parts = min(workers * CHUNKS_PER_WORKER, count // MIN_CHUNK)
    parts = max(parts, workers) if count else 1
    bounds = [count * i // parts for i in range(parts + 1)]
    return workers, [range(bounds[i], bounds[i + 1]) for i in range(parts)]


def run(func: Callable[..., Any], tasks: Sequence[tuple], workers: int) -> list[Any]:
    """[func(*task) for task in tasks], across ``workers`` processes when workers > 1."""
    if workers <= 1 or len(tasks) <= 1:
        return [func(*task) for task in tasks]
    from concurrent.futures.process import BrokenProcessPool

    try:
        return list(_pool(workers).map(func, *zip(*tasks)))
    except BrokenProcessPool:  # pragma: no cover (a worker was killed): rebuild once
        _pools.pop(workers, None)
        return list(_pool(workers).map(func, *zip(*tasks)))


def executor(workers: int) -> ProcessPoolExecutor:
    """The shared pool of ``workers`` processes, for callers that submit work as they go
    (the record verifier checks ballot proofs while it is still reading the record)."""
    return _pool(workers)


def _pool(workers: int) -> ProcessPoolExecutor:
    pool = _pools.get(workers)
    if pool is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        _pools[workers] = pool
    return pool

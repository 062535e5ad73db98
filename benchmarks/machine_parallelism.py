# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""How much faster this machine runs N busy processes than one.

A pure-Python loop, once alone and then in N processes at once: N cores
that are N cores give N times the work per second; two vCPUs that share a
physical core (or a CPU quota) give less.  Parallel builds cannot beat
that figure, so the benchmarks print it beside their ratios.

    python3 machine_parallelism.py [N]
"""

import multiprocessing
import sys
import time

LOOP = 10_000_000


def _spin(_=None):
    started = time.perf_counter()
    total = 0
    for i in range(LOOP):
        total += i * i
    return time.perf_counter() - started


def throughput(workers=2, *, rounds=2):
    """Return the work per second of `workers` busy processes, one's = 1.

    The best of `rounds` measurements of each, so that a moment of other
    load on the machine counts less.
    """
    alone = min(_spin() for _ in range(rounds))
    together = []
    with multiprocessing.Pool(workers) as pool:
        for _ in range(rounds):
            started = time.perf_counter()
            pool.map(_spin, range(workers))
            together.append(time.perf_counter() - started)
    return workers * alone / min(together)


def describe(workers=2):
    """Return a line saying what `workers` busy processes get done."""
    return (f'{workers} busy processes do {throughput(workers):.2f}x the '
            'work of one on this machine (a parallel build cannot beat '
            'this)')


if __name__ == '__main__':
    print(describe(int(sys.argv[1]) if len(sys.argv) > 1 else 2))

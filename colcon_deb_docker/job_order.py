# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The order colcon's executor starts the jobs in: critical path first.

colcon starts, among the jobs whose dependencies are done, the first ones
in the order it is given.  Given the workspace's topological order, a
short leaf may take a worker while the long chain that ends the run waits.
This order is topological too, and among the packages that are ready at
any point puts first the one with the longest remaining chain (its own
expected time plus the longest chain of packages that wait for it), from
the durations of the previous builds when known.
"""

import heapq


def _dependents(dependencies):
    """Return {name: the names that depend on it} (others are ignored)."""
    dependents = {n: set() for n in dependencies}
    for name, wanted in dependencies.items():
        for dependency in wanted:
            if dependency in dependents:
                dependents[dependency].add(name)
    return dependents


def remaining_chains(dependencies, durations, *, default=None):
    """Return each package's remaining chain in seconds.

    Its own expected time plus the longest remaining chain of the packages
    that depend on it: how long the run lasts after it starts, at least.

    :param dependencies: {name: names it depends on (others are ignored)}
      in a topological order
    :param durations: {name: expected seconds} (missing: `default`, or the
      mean of those known)
    """
    names = list(dependencies)
    known = [durations[n] for n in names if durations.get(n) is not None]
    if default is None:
        default = sum(known) / len(known) if known else 1.0
    dependents = _dependents(dependencies)
    chain = {}
    for name in reversed(names):
        own = durations.get(name)
        own = default if own is None else own
        chain[name] = own + max(
            (chain[d] for d in dependents[name] if d in chain), default=0)
    return chain


def critical_path_order(dependencies, durations, *, default=None,
                        chains=None):
    """Return the package names in critical-path order.

    :param dependencies: {name: names it depends on (others are ignored)}
      in a topological order
    :param durations: {name: expected seconds} (missing: `default`, or the
      mean of those known)
    :param chains: the packages' remaining chains when already known (see
      :func:`remaining_chains`; then `durations` and `default` are unused)
    """
    names = list(dependencies)
    chain = chains if chains is not None else remaining_chains(
        dependencies, durations, default=default)
    deps = {n: {d for d in dependencies[n] if d in dependencies}
            for n in names}
    dependents = _dependents(deps)
    index = {name: i for i, name in enumerate(names)}
    waiting = {n: len(deps[n]) for n in names}
    ready = [(-chain[n], index[n], n) for n in names if not waiting[n]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, _, name = heapq.heappop(ready)
        order.append(name)
        for dependent in dependents[name]:
            waiting[dependent] -= 1
            if not waiting[dependent]:
                heapq.heappush(
                    ready, (-chain[dependent], index[dependent], dependent))
    # a cycle would leave names out: keep them in the given order
    order += [n for n in names if n not in set(order)]
    return order


def ready_first_order(dependencies, order):
    """Return the package names by when their jobs can start at the soonest.

    The graph's level first (no dependency among them: ready at once; then
    those whose dependencies are all of level 0 ...), the given order
    among one level.  For work done ahead of the jobs, one package after
    the other (bloom generating their debian/): every job that could start
    at once gets its turn before one that waits for a build anyway.

    :param dependencies: {name: names it depends on (others are ignored)}
    :param order: the names in a topological order (e.g. the job order)
    """
    level = {}
    for name in order:
        level[name] = 1 + max(
            (level.get(d, -1) for d in dependencies.get(name, ())
             if d in dependencies), default=-1)
    index = {name: i for i, name in enumerate(order)}
    return sorted(order, key=lambda name: (level[name], index[name]))

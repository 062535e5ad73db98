# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Builds wait for memory rather than overcommit."""

import asyncio
from types import SimpleNamespace

from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.memory_budget import format_size
from colcon_deb_docker.memory_budget import MemoryBudget
from colcon_deb_docker.memory_budget import parse_size
from colcon_deb_docker.session_setup import memory_budget
import pytest


def test_sizes():
    assert parse_size('4g') == 4 * 2 ** 30
    assert parse_size('512M') == 512 * 2 ** 20
    assert parse_size('1.5GiB') == int(1.5 * 2 ** 30)
    assert format_size(3 * 2 ** 30) == '3.0 GiB'
    for bad in ('lots', '-1g', '4x', '1k'):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_one_build_must_fit():
    with pytest.raises(ValueError, match='more than the whole budget'):
        MemoryBudget(total=2 ** 30, per_job=2 * 2 ** 30)


def test_builds_wait_until_their_limit_fits():
    # room for two builds of 1 GiB in 2.5 GiB: the third waits for one
    budget = MemoryBudget(total=int(2.5 * 2 ** 30), per_job=2 ** 30)
    running, most, waited = [0], [0], []

    async def build(name):
        async with budget.reserve(on_wait=lambda: waited.append(name)):
            running[0] += 1
            most[0] = max(most[0], running[0])
            await asyncio.sleep(0.05)
            running[0] -= 1

    async def main():
        await asyncio.gather(*(build(n) for n in 'abcd'))

    asyncio.run(main())
    assert most[0] == 2
    assert sorted(waited) == ['c', 'd']
    assert budget.reserved == 0


def test_the_run_budget_from_the_options():
    engine = SimpleNamespace(memory_total=lambda: 24 * 2 ** 30)
    args = SimpleNamespace(memory=None, job_memory=None, parallel_workers=2,
                           executor='parallel')
    budget = memory_budget(args, engine)
    # the engine's memory, shared by the workers
    assert (budget.total, budget.per_job) == (24 * 2 ** 30, 12 * 2 ** 30)
    args.executor = 'sequential'
    assert memory_budget(args, engine).per_job == 24 * 2 ** 30
    args.memory, args.job_memory = 2 ** 30, 2 * 2 ** 30
    with pytest.raises(DebDockerError, match='--job-memory 2.0 GiB is more'):
        memory_budget(args, engine)

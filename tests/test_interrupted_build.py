# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""A build stopped by Ctrl-C is reported as interrupted, whatever broke."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
import logging
import threading
from types import SimpleNamespace

from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.task.package_build import BuildFailed
from colcon_deb_docker.task.package_build import PackageBuild
import pytest


def _build(tmp_path, pool, failure):
    """Return (build, session): its container "fails" with `failure`."""
    session = SimpleNamespace(
        interrupted=threading.Event(), apt_cache=None, memory=None,
        bloom_ahead=None, submit=pool.submit,
        layout=SimpleNamespace(
            output_dir=lambda name, arch: tmp_path / 'out' / name / arch,
            apt_downloads_dir=lambda name, arch: tmp_path / 'apt' / name),
        engine_for=lambda arch: SimpleNamespace(remove=lambda c: None))
    build = PackageBuild(
        session=session,
        context=SimpleNamespace(pkg=SimpleNamespace(name='demo'),
                                dependencies={}),
        entry=SimpleNamespace(arch='amd64'),
        output=SimpleNamespace(evidence=SimpleNamespace(
            explain=lambda *args, **kwargs: None)))

    async def nothing():
        return None

    async def run_container(image, out_dir):
        out_dir.mkdir(parents=True)
        # Ctrl-C: the handler removes the run's containers under the build
        session.interrupted.set()
        raise failure

    build._generated_debian_dir = nothing
    build._dependency_image = nothing
    build._run_container = run_container
    return build


@pytest.mark.parametrize('failure', [
    # the engine lost the container while its outputs were copied out (seen
    # by hand: `cannot copy /var/cache/apt/archives out of the container:
    # 500 Server Error ... RWLayer of container ... is unexpectedly nil`,
    # shown in the summary as the package's failure)
    DebDockerError('cannot copy /var/cache/apt/archives out of the '
                   'container: 500 Server Error'),
    ContainerFailed(name='demo', exit_code=137, log_tail='log tail'),
], ids=['copy-out', 'container-killed'])
def test_an_interrupted_build_is_interrupted_not_failed(tmp_path, failure):
    with ThreadPoolExecutor(2) as pool:
        build = _build(tmp_path, pool, failure)
        with pytest.raises(BuildFailed) as raised:
            asyncio.run(build.run())
    assert raised.value.interrupted
    assert raised.value.reason == 'interrupted'
    # its scratch output is gone
    assert not (tmp_path / 'out' / 'demo' / 'amd64').exists()


def test_the_same_error_without_an_interrupt_is_the_failure(tmp_path):
    with ThreadPoolExecutor(2) as pool:
        build = _build(tmp_path, pool, DebDockerError('cannot copy x'))
        build.session.interrupted = SimpleNamespace(
            is_set=lambda: False, set=lambda: None)
        with pytest.raises(BuildFailed) as raised:
            asyncio.run(build.run())
    assert not raised.value.interrupted
    assert raised.value.reason == 'cannot copy x'


def _finished_run(monkeypatch, *, interrupted):
    """Run run_jobs around jobs that end (interrupted or not) at once.

    One container of the run is still there when the jobs have ended.
    """
    from colcon_deb_docker import job_runner
    session = SimpleNamespace(
        interrupted=threading.Event(), dependency_images=None,
        bloom_ahead=None, network_namespaces=None,
        wait_for_removals=lambda: None, bound_kept_volumes=lambda: None,
        remove_run_containers=lambda: 1,
        wait_for_threads=lambda timeout: None,
        layout=SimpleNamespace(remove_scratch=lambda: None),
        threads=ThreadPoolExecutor(1))

    def jobs(*args, **kwargs):
        if interrupted:
            session.interrupted.set()
        return 0

    monkeypatch.setattr(job_runner, '_check_and_run_jobs', jobs)
    monkeypatch.setattr(
        job_runner, 'install_interrupt_handlers', lambda session: {})
    job_runner.run_jobs(None, None, session=session, plan=None,
                        decorators=None, invalid=None)


def test_containers_removed_after_ctrl_c_are_no_warning(
    monkeypatch, caplog,
):
    # seen by hand: Ctrl-C, the summary, then "WARNING: removed 1
    # container(s) left running" (the interrupt's own removal, still under
    # way when the final sweep ran), as if something had gone wrong
    caplog.set_level(logging.INFO, logger='colcon')
    _finished_run(monkeypatch, interrupted=True)
    assert not [r for r in caplog.records if r.levelname == 'WARNING']
    assert 'of the interrupted run' in caplog.text


def test_a_container_left_running_without_an_interrupt_is_a_warning(
    monkeypatch, caplog,
):
    _finished_run(monkeypatch, interrupted=False)
    assert [r.getMessage() for r in caplog.records
            if r.levelname == 'WARNING'] == [
        'removed 1 container(s) left running']

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""When a build container is removed: after its end, off the build's time.

A fake of the Docker SDK's container (only what run_created calls): the
real engine's removal is covered by every end-to-end test, which checks
that no container of the run is left.
"""

from concurrent.futures import ThreadPoolExecutor
import threading

from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.session import DebSession
import pytest


class FakeContainer:
    """A container that prints one line and exits with `code`."""

    def __init__(self, code):
        self.id = self.name = 'fake'
        self.code = code
        self.removed = False
        self.volumes_removed = False
        self.attrs = {'State': {'OOMKilled': False}}

    def start(self):
        pass

    def wait(self):
        return {'StatusCode': self.code}

    def reload(self):
        pass

    def remove(self, force=False, v=False):
        self.removed = True
        # its anonymous volumes (the sibling packages' /opt/ros) with it
        self.volumes_removed = v


class FakeApi:

    def attach(self, *args, **kwargs):
        return iter([(b'built\n', None)])


class FakeClient:

    api = FakeApi()


def test_an_ended_container_is_handed_to_remove_later():
    engine = DockerEngine(client=FakeClient())
    container = FakeContainer(0)
    later = []
    lines = engine.run_created(container, remove_later=later.append)
    assert lines == ['built']
    # not removed yet: the caller removes it when it likes
    assert not container.removed
    assert len(later) == 1
    later[0]()
    assert container.removed and container.volumes_removed


def test_a_failed_container_is_removed_before_the_error():
    engine = DockerEngine(client=FakeClient())
    container = FakeContainer(2)
    later = []
    with pytest.raises(ContainerFailed):
        engine.run_created(container, remove_later=later.append)
    assert container.removed and container.volumes_removed
    assert later == []


def test_without_remove_later_the_container_is_removed_at_once():
    engine = DockerEngine(client=FakeClient())
    container = FakeContainer(0)
    engine.run_created(container)
    assert container.removed


def test_the_session_waits_for_its_removals():
    release = threading.Event()
    done = []

    def slow_remove():
        release.wait(5)
        done.append(True)

    # only the fields remove_later and wait_for_removals use
    session = DebSession.__new__(DebSession)
    session.threads = ThreadPoolExecutor(max_workers=2)
    session.in_flight = set()
    session.removals = set()
    session.remove_later(slow_remove)
    assert session.removals
    threading.Timer(0.2, release.set).start()
    session.wait_for_removals(timeout=5)
    assert done == [True]
    session.threads.shutdown()

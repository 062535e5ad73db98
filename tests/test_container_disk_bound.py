# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""A build that writes more than --max-disk into its container is killed.

A fake of the Docker SDK (only what run_created calls); the real engine's
count is covered by tests/e2e/test_hostile_packages.py.
"""

import threading

from colcon_deb_docker import container as container_module
from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import ContainerDiskExceeded
from colcon_deb_docker.errors import ContainerFailed
import pytest


class WritingContainer:
    """A container that runs until removed, its layer growing each look."""

    def __init__(self, *, grows_by):
        self.id = self.name = 'writer'
        self.grows_by = grows_by
        self.size = 0
        self.removed = threading.Event()
        self.attrs = {'State': {'OOMKilled': False}}

    def start(self):
        pass

    def wait(self):
        # a build that never ends by itself: only its removal ends it
        assert self.removed.wait(10), 'never removed'
        return {'StatusCode': 137}

    def reload(self):
        pass

    def remove(self, force=False, v=False):
        self.removed.set()


class FakeApi:

    def __init__(self, container):
        self.container = container
        self.looks = 0

    def attach(self, *args, **kwargs):
        return iter([(b'writing\n', None)])

    def inspect_container(self, container_id):
        # no volumes: the layer alone counts (the volumes' watcher is
        # covered by tests/e2e/test_hostile_packages.py)
        return {'Mounts': []}

    def containers(self, **query):
        assert query == {
            'all': True, 'size': True, 'filters': {'id': self.container.id}}
        self.looks += 1
        self.container.size += self.container.grows_by
        return [{'Id': self.container.id, 'SizeRw': self.container.size}]


class FakeClient:

    def __init__(self, container):
        self.api = FakeApi(container)


@pytest.fixture
def quick_checks(monkeypatch):
    monkeypatch.setattr(container_module, 'DISK_CHECK_SECONDS', 0.01)


def test_a_container_over_its_disk_bound_is_killed(quick_checks):
    container = WritingContainer(grows_by=40)
    client = FakeClient(container)
    engine = DockerEngine(client=client)
    with pytest.raises(ContainerDiskExceeded) as raised:
        engine.run_created(container, max_disk=100)
    assert raised.value.limit == 100
    assert raised.value.used == 120
    assert raised.value.log_tail == 'writing'
    assert container.removed.is_set()
    assert client.api.looks == 3


def test_a_container_within_its_bound_ends_as_it_would(quick_checks):
    container = WritingContainer(grows_by=0)
    client = FakeClient(container)
    engine = DockerEngine(client=client)
    # it ends by itself (here: removed by someone else) under the bound
    threading.Timer(0.2, container.removed.set).start()
    with pytest.raises(ContainerFailed):
        engine.run_created(container, max_disk=100)
    assert client.api.looks >= 1


def test_without_a_bound_the_engine_is_never_asked(quick_checks):
    container = WritingContainer(grows_by=40)
    client = FakeClient(container)
    threading.Timer(0.2, container.removed.set).start()
    with pytest.raises(ContainerFailed):
        DockerEngine(client=client).run_created(container)
    assert client.api.looks == 0

"""The holders of network namespaces: lent to one build at a time."""

import io
import tarfile
from types import SimpleNamespace

from colcon_deb_docker import contract
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.helpers_path import helpers_dir
from colcon_deb_docker.network_namespaces import NetworkNamespaces
from colcon_deb_docker.network_namespaces import read_file
import pytest


def _archive(name, data, *, kind=tarfile.REGTYPE):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as archive:
        member = tarfile.TarInfo(name)
        member.type, member.size = kind, len(data)
        archive.addfile(member, io.BytesIO(data) if data else None)
    return buffer.getvalue()


class _Container:

    def __init__(self, number):
        self.id = f'holder{number}'
        self.started = False

    def start(self):
        self.started = True

    def get_archive(self, path):
        return [_archive(path.rsplit('/', 1)[1],
                         f'{path} of {self.id}\n'.encode())], {}


class _Engine:

    def __init__(self):
        self.created, self.removed = [], []

    def create(self, spec):
        container = _Container(len(self.created) + 1)
        container.spec = spec
        self.created.append(container)
        return container

    def remove(self, container):
        self.removed.append(container)


def _namespaces():
    engine = _Engine()
    session = SimpleNamespace(
        engine_for=lambda arch: engine, run_id='run1',
        labels={'io.colcon-deb-docker.run': 'run1'},
        builders={'amd64': SimpleNamespace(tag='builder:1')})
    return NetworkNamespaces(session), engine


def test_a_holder_serves_one_build_at_a_time():
    namespaces, engine = _namespaces()
    first = namespaces.acquire('amd64')
    second = namespaces.acquire('amd64')
    assert first.container is not second.container
    assert len(engine.created) == 2
    namespaces.release('amd64', first)
    third = namespaces.acquire('amd64')
    assert third is first and len(engine.created) == 2
    assert first.network_mode == 'container:holder1'


def test_a_holder_is_locked_down_and_carries_the_runs_labels():
    namespaces, engine = _namespaces()
    holder = namespaces.acquire('amd64')
    spec = engine.created[0].spec
    assert holder.container.started
    assert spec.user == '65534:65534' and spec.cap_add == ()
    assert spec.network_mode == 'bridge' and not spec.mounts
    assert spec.labels['io.colcon-deb-docker.run'] == 'run1'
    kwargs = spec.to_create_kwargs()
    assert kwargs['cap_drop'] == ['ALL'] and kwargs['privileged'] is False


def test_the_network_files_are_read_once_from_a_new_holder():
    namespaces, engine = _namespaces()
    holder = namespaces.acquire('amd64')
    assert holder.environment == {
        variable: f'{path} of holder1\n'
        for variable, path in contract.NETWORK_FILES.items()}


def test_close_removes_every_holder_and_lends_none_after():
    namespaces, engine = _namespaces()
    lent = namespaces.acquire('amd64')
    free = namespaces.acquire('amd64')
    namespaces.release('amd64', free)
    assert namespaces.close() == 2
    assert engine.removed == [lent.container, free.container]
    namespaces.release('amd64', lent)
    with pytest.raises(DebDockerError, match='the run is ending'):
        namespaces.acquire('amd64')


def test_a_network_file_must_be_a_small_regular_file():
    container = SimpleNamespace(get_archive=lambda path: (
        [_archive('hosts', b'', kind=tarfile.SYMTYPE)], {}))
    with pytest.raises(DebDockerError, match='no plain /etc/hosts'):
        read_file(container, '/etc/hosts')
    big = SimpleNamespace(get_archive=lambda path: (
        [_archive('hosts', b'x' * (65 << 10))], {}))
    with pytest.raises(DebDockerError, match='no plain /etc/hosts'):
        read_file(big, '/etc/hosts')


def test_the_entry_script_writes_back_each_network_file_first():
    helpers = helpers_dir()
    restore = (helpers / 'restore-network-files.sh').read_text()
    for variable, path in contract.NETWORK_FILES.items():
        assert f'restore {path} "${{{variable}+set}}"' in restore, variable
    steps = [line for line in (helpers / 'build-deb.sh').read_text(
        ).splitlines() if line.startswith(('sh ', 'as_build_user'))]
    assert steps[0] == 'sh "$helpers/restore-network-files.sh"'


def test_close_can_remove_the_holders_in_the_background():
    namespaces, engine = _namespaces()
    first = namespaces.acquire('amd64')
    second = namespaces.acquire('amd64')
    later = []
    assert namespaces.close(remove_later=later.append) == 2
    assert engine.removed == []
    for remove in later:
        remove()
    assert engine.removed == [first.container, second.container]

"""Counting a container's volumes, and removing their watchers first."""

from types import SimpleNamespace

from colcon_deb_docker.container import remove_labelled
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.container_spec import Volume
from colcon_deb_docker.volume_usage import parse_du
from colcon_deb_docker.volume_usage import WATCHER_LABEL
from colcon_deb_docker.volume_usage import writable_volumes
import pytest


def test_du_output_is_read_and_no_number_is_no_count():
    assert parse_du('4096\t/colcon-deb/ccache\n1000\t/opt/ros\n') == {
        '/colcon-deb/ccache': 4096, '/opt/ros': 1000}
    # du's complaints go to stderr; stdout without a number is no count,
    # never zero (a build would pass its bound unseen)
    for output in ('', '\n', 'OCI runtime exec failed'):
        with pytest.raises(ValueError):
            parse_du(output)


def test_only_writable_volumes_are_counted():
    attrs = {'Mounts': [
        {'Type': 'volume', 'RW': True, 'Destination': '/opt/ros'},
        {'Type': 'volume', 'RW': True, 'Destination': '/colcon-deb/ccache'},
        {'Type': 'volume', 'RW': False, 'Destination': '/seen'},
        {'Type': 'bind', 'RW': True, 'Destination': '/host'},
    ]}
    assert writable_volumes(attrs) == ['/colcon-deb/ccache', '/opt/ros']
    assert writable_volumes({'Mounts': None}) == []


def test_a_watcher_mounts_what_it_counts_read_only():
    kwargs = ContainerSpec(
        image='i', command=['sleep', '1'],
        mounts=[Volume('cache', '/c', read_only=True)],
        volumes_from=('abc:ro',)).to_create_kwargs()
    assert kwargs['volumes_from'] == ['abc:ro']
    assert kwargs['mounts'][0]['ReadOnly'] is True
    assert 'volumes_from' not in ContainerSpec(
        image='i', command=['true']).to_create_kwargs()


def test_watchers_are_removed_before_the_containers_they_count():
    # a watcher still there keeps the engine from removing the anonymous
    # volume (/opt/ros) of the container it counts for
    listed = [
        {'Id': 'build', 'Labels': {'io.colcon-deb-docker.run': 'r'}},
        {'Id': 'watcher', 'Labels': {WATCHER_LABEL: 'build'}},
        {'Id': 'other', 'Labels': None},
    ]
    removed = []

    def containers(**query):
        return [c for c in listed if c['Id'] not in removed]

    client = SimpleNamespace(api=SimpleNamespace(
        containers=containers,
        remove_container=lambda cid, force, v: removed.append(cid)))
    assert remove_labelled(client, label='io.colcon-deb-docker.run=r') == 3
    assert removed[0] == 'watcher'
    assert sorted(removed) == ['build', 'other', 'watcher']


def test_an_engine_that_fails_the_count_never_stops_the_cleanup(caplog):
    # bound_kept_volumes runs in the run's `finally`, before the removal of
    # the run's containers: an engine gone away must not skip that
    from colcon_deb_docker.container import DockerEngine

    def unreachable(**kwargs):
        raise ConnectionError('engine gone')

    client = SimpleNamespace(containers=SimpleNamespace(create=unreachable))
    engine = DockerEngine(client=client)
    container = SimpleNamespace(
        name='build', labels={}, attrs={'Image': 'sha256:x'})
    engine.kept_volumes = {'cache': ('/colcon-deb/ccache', 1, container)}
    engine.bound_kept_volumes()
    assert 'could not count the volumes the builds kept' in caplog.text
    assert engine.kept_volumes == {}

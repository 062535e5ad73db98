"""--docker-host ARCH=URL: one architecture's containers on another engine."""

import io
import tarfile
import time

from e2e_support import created_containers
from e2e_support import data_package
from e2e_support import install_and_run
from e2e_support import SECOND_ENGINE_SOCKET

PACKAGE_LABEL = 'io.colcon-deb-docker.package'


def test_builds_on_a_second_engine_without_shared_files(
    make_workspace, engine, base_image, second_engine,
):
    workspace = make_workspace(['demo_geometry', 'demo_tools'])
    # the second engine really does not see the workspace
    seen = second_engine.client.containers.run(
        base_image, ['ls', '-A', '/ws'], remove=True,
        volumes={str(workspace.root): {'bind': '/ws', 'mode': 'ro'}})
    assert seen.decode().strip() == ''
    since = time.time()
    workspace.colcon_deb(
        '--docker-host', f'amd64=unix://{SECOND_ENGINE_SOCKET}')

    on_second = created_containers(second_engine, since, workspace)
    assert sorted(a[PACKAGE_LABEL] for a in on_second
                  if PACKAGE_LABEL in a) == ['demo_geometry', 'demo_tools']
    assert any(a.get('name', '').endswith('-rosdep-check')
               for a in on_second)
    assert created_containers(engine, since, workspace) == []
    assert not workspace.containers(second_engine)

    assert 'ros-humble-demo-tools_1.0.0-0bookworm_amd64.deb' in \
        workspace.bloom_debs()
    output = install_and_run(
        engine, base_image, workspace.repo, ['ros-humble-demo-tools'],
        'demo_distance 0 0 3 4')
    assert 'distance: 5' in output


def test_dependency_images_on_a_second_engine_keep_no_uploads(
    make_workspace, engine, second_engine,
):
    """A file: underlay's dependency image, made on an engine far away.

    There the underlay and the helpers are uploads, into volumes of the
    container whose commit is the image: the image holds the installed
    packages, not the uploaded repository.
    """
    from test_dependency_images import _images_used
    underlay = make_workspace(packages=[])
    underlay.add_package('rem_base', data_package('rem_base'))
    underlay.colcon_deb()
    workspace = make_workspace(packages=[])
    for name in ('rem_app_a', 'rem_app_b'):
        workspace.add_package(name, data_package(
            name, depends=['rem_base']))
    workspace.colcon_deb(
        '--docker-host', f'amd64=unix://{SECOND_ENGINE_SOCKET}',
        '--apt-source', f'deb [trusted=yes] file:{underlay.repo} bookworm '
        'main', '--rosdep-source', str(underlay.repo / 'rosdep.yaml'))
    _, _, used_a = _images_used(workspace, 'rem_app_a')
    _, _, used_b = _images_used(workspace, 'rem_app_b')
    assert used_a and used_a == used_b, (used_a, used_b)
    assert not engine.has_image(used_a[0])
    image = second_engine.client.images.get(used_a[0])
    held = second_engine.client.containers.run(
        image.id, remove=True, network_mode='none', command=[
            'sh', '-c', "dpkg-query -W -f '${Version}\\n' "
            'ros-humble-rem-base; find /colcon-deb -type f']).decode()
    assert held.startswith('0.1.0-') and len(held.splitlines()) == 1, held
    assert sorted(d.split('_')[0] for d in workspace.debs()) == [
        'ros-humble-rem-app-a', 'ros-humble-rem-app-b']


def test_a_remote_engine_gets_the_images_it_lacks_from_the_local_one(
    make_workspace, engine, base_image, second_engine,
):
    """No registry: the base and builder images go over the Docker API.

    The second engine loses its names of both (the images stay, as they
    would on a machine that built before); the run copies them from this
    machine's engine, with their ids, and builds there.
    """
    from colcon_deb_docker.builder_image import prepare_builder_image
    builder = prepare_builder_image(engine=engine, base_image=base_image)
    for name in (base_image, builder.tag):
        second_engine.client.images.remove(name)
        assert not second_engine.has_image(name)
    workspace = make_workspace(['demo_geometry'])
    since = time.time()
    result = workspace.colcon_deb(
        '--docker-host', f'amd64=unix://{SECOND_ENGINE_SOCKET}')
    for name in (base_image, builder.tag):
        assert f"copying image '{name}'" in result.stdout, result.stdout
        assert second_engine.client.images.get(name).id == \
            engine.client.images.get(name).id
    on_second = created_containers(second_engine, since, workspace)
    assert [a[PACKAGE_LABEL] for a in on_second
            if PACKAGE_LABEL in a] == ['demo_geometry']
    assert created_containers(engine, since, workspace) == []
    assert sorted(d.split('_')[0] for d in workspace.debs()) == [
        'ros-humble-demo-geometry', 'ros-humble-demo-geometry-dbgsym']


def test_an_image_neither_engine_has_is_one_clear_error(
    make_workspace, second_engine,
):
    workspace = make_workspace(['demo_geometry'])
    result = workspace.colcon_deb(
        '--docker-host', f'amd64=unix://{SECOND_ENGINE_SOCKET}',
        '--base-image', 'local/debian:nowhere', check=False)
    assert result.returncode != 0
    assert (
        "colcon deb: error: image 'local/debian:nowhere' is not available "
        'on the Docker engine; the engine at '
        f'unix://{SECOND_ENGINE_SOCKET} lacks it, and the local engine has '
        'no amd64 image of that name to copy there: make one here with '
        '`colcon-deb-base-image --arch amd64 --tag '
        'local/debian:nowhere-amd64`') in result.stdout, result.stdout
    assert not workspace.repo.exists()


def test_an_image_the_remote_engine_never_had_arrives_whole(
    engine, second_engine,
):
    """A copy of an image none of whose layers the far engine has."""
    from colcon_deb_docker.builder_image import build_image
    from colcon_deb_docker.image_copies import LocalImages
    name = f'colcon-deb-copy-test:{int(time.time() * 1000)}'
    build_image(engine=engine, tag=name, platform=None, on_line=None, files={
        'Dockerfile': b'FROM scratch\nCOPY marker /marker\n',
        'marker': name.encode()})
    image = engine.client.images.get(name)
    try:
        assert not second_engine.has_image(image.id)
        assert LocalImages().copy_missing(
            target=second_engine, name=name, arch='amd64')
        copied = second_engine.client.images.get(name)
        assert copied.id == image.id
        # its file arrived: read it from a container (never started)
        container = second_engine.client.containers.create(
            name, command=['none'])
        try:
            stream, _ = container.get_archive('/marker')
            with tarfile.open(fileobj=io.BytesIO(b''.join(stream))) as tar:
                assert tar.extractfile('marker').read() == name.encode()
        finally:
            container.remove(force=True)
    finally:
        engine.client.images.remove(image.id, force=True)
        if second_engine.has_image(image.id):
            second_engine.client.images.remove(image.id, force=True)

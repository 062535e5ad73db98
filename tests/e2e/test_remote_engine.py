"""--docker-host ARCH=URL: one architecture's containers on another engine."""

import time

from e2e_support import created_containers
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
    since = int(time.time())
    workspace.colcon_deb(
        '--docker-host', f'amd64=unix://{SECOND_ENGINE_SOCKET}')

    on_second = created_containers(second_engine, since)
    assert sorted(a[PACKAGE_LABEL] for a in on_second
                  if PACKAGE_LABEL in a) == ['demo_geometry', 'demo_tools']
    assert any(a.get('name', '').endswith('-rosdep-check')
               for a in on_second)
    assert created_containers(engine, since) == []
    assert not workspace.containers(second_engine)

    assert 'ros-humble-demo-tools_1.0.0-0bookworm_amd64.deb' in \
        workspace.bloom_debs()
    output = install_and_run(
        engine, base_image, workspace.repo, ['ros-humble-demo-tools'],
        'demo_distance 0 0 3 4')
    assert 'distance: 5' in output

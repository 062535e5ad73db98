"""A wide graph with many workers: parallel containers, one repository."""

import hashlib

from e2e_support import data_package
from e2e_support import install_and_run
from e2e_support import report

WIDTH = 8


def test_wide_graph_many_workers_loses_nothing(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    leaves = [f'wide_{i}' for i in range(WIDTH)]
    for name in leaves:
        workspace.add_package(name, data_package(name))
    workspace.add_package('wide_top', data_package('wide_top', depends=leaves))
    workspace.colcon_deb(
        '--executor', 'parallel', '--parallel-workers', str(WIDTH))

    statuses = {n: r['status'] for n, r in report(workspace).items()}
    assert statuses == dict.fromkeys([*leaves, 'wide_top'], 'built')
    # the leaves really ran side by side
    log = (workspace.root / 'log' / 'latest_deb' / 'events.log').read_text()
    running = peak = 0
    for line in log.splitlines():
        if ') JobStarted:' in line:
            running += 1
            peak = max(peak, running)
        elif ') JobEnded:' in line:
            running -= 1
    assert peak >= 4, peak

    dists = workspace.repo / 'dists' / 'bookworm'
    packages = (dists / 'main' / 'binary-amd64' / 'Packages').read_bytes()
    for name in [*leaves, 'wide_top']:
        debian = 'ros-humble-' + name.replace('_', '-')
        assert f'Package: {debian}\n'.encode() in packages
    # Release matches the Packages file it describes (no torn index)
    release = (dists / 'Release').read_text()
    digest = hashlib.sha256(packages).hexdigest()
    assert f' {digest} {len(packages)} main/binary-amd64/Packages\n' \
        in release
    assert len(list(workspace.repo.glob('pool/main/*/*.deb'))) == WIDTH + 1
    assert not list(workspace.repo.rglob('*.tmp'))

    output = install_and_run(
        engine, base_image, workspace.repo, ['ros-humble-wide-top'],
        'ls /opt/ros/humble/share')
    for name in [*leaves, 'wide_top']:
        assert name in output

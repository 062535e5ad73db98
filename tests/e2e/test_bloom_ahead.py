"""bloom runs once ahead of the builds and is kept until what it reads changes.

The debian/ of every package to build is generated in one container beside
the builds: the jobs start at once, and each build waits for its own
debian/ only (copied out of that container as soon as bloom has it); a
rebuild whose package.xml did not change starts no such
container and uses the kept one; a changed package.xml (here its
description) is generated again, and the new .deb says so.  A package
whose CHANGELOG.rst links outside it is not generated ahead: the host
copies nothing from outside the package into any container.
"""

import os
import re
import subprocess

from e2e_support import data_package
from e2e_support import report


def _progress(workspace, name):
    events = (workspace.root / 'log' / 'latest_deb' / 'events.log')
    return '\n'.join(
        line for line in events.read_text().splitlines()
        if f'({name}) JobProgress' in line)


def _bloom_ahead_ran(workspace):
    log = workspace.root / 'log' / 'latest_deb' / 'logger_all.log'
    return '[bloom ahead] bloom-ahead: start' in log.read_text()


def _description(workspace, name):
    debian_name = 'ros-humble-' + name.replace('_', '-')
    # the newest: the timestamp versions sort by time
    deb = max(workspace.repo.glob(
        f'pool/main/{debian_name}/{debian_name}_*.deb'))
    return subprocess.run(
        ['dpkg-deb', '-f', str(deb), 'Description'], check=True,
        stdout=subprocess.PIPE, text=True).stdout


def test_bloom_ahead_once_kept_until_package_xml_changes(make_workspace):
    workspace = make_workspace([])
    workspace.add_package('ahead_a', data_package('ahead_a'))
    workspace.add_package('ahead_b', data_package('ahead_b'))
    secret = workspace.root / 'outside-secret.txt'
    secret.write_text('outside-secret-4711\n')
    workspace.add_package('ahead_link', data_package('ahead_link'))
    os.symlink(secret, workspace.root / 'src' / 'ahead_link' / 'CHANGELOG.rst')

    workspace.colcon_deb()
    assert _bloom_ahead_ran(workspace)
    # the jobs started while bloom ran, not after it
    log = (workspace.root / 'log' / 'latest_deb' / 'logger_all.log') \
        .read_text()
    assert log.index('Executing jobs') < \
        log.index('[bloom ahead] bloom-ahead: done'), log
    steps = {name: entry['steps'] for name, entry in report(workspace).items()}
    for name in ('ahead_a', 'ahead_b'):
        assert steps[name]['bloom-ahead'] > 0, steps[name]
        progress = _progress(workspace, name)
        assert 'bloom-ahead: waiting for its debian/' in progress
        assert 'bloom: start (generated ahead of the build)' in progress
    # the link leaves the package: its bloom ran in its own container
    assert 'bloom-ahead' not in steps['ahead_link']
    assert 'bloom: start (bloom-generate rosdebian)' in \
        _progress(workspace, 'ahead_link')
    for deb in workspace.repo.glob('pool/main/*/*.deb'):
        assert b'outside-secret-4711' not in subprocess.run(
            ['dpkg-deb', '--fsys-tarfile', str(deb)], check=True,
            stdout=subprocess.PIPE).stdout, deb

    # a source change only: rebuilt from the kept debian/, no bloom at all
    data = workspace.root / 'src' / 'ahead_a' / 'data.txt'
    data.write_text('ahead_a 2\n')
    workspace.colcon_deb('--packages-select', 'ahead_a')
    assert not _bloom_ahead_ran(workspace)
    assert 'bloom-ahead' not in report(workspace)['ahead_a']['steps']
    assert 'bloom: start (generated ahead of the build)' in \
        _progress(workspace, 'ahead_a')

    # a changed package.xml: generated again, and the .deb shows it
    manifest = workspace.root / 'src' / 'ahead_a' / 'package.xml'
    manifest.write_text(re.sub(
        r'<description>.*</description>',
        '<description>A new description.</description>',
        manifest.read_text()))
    workspace.colcon_deb('--packages-select', 'ahead_a')
    assert _bloom_ahead_ran(workspace)
    assert report(workspace)['ahead_a']['steps']['bloom-ahead'] > 0
    assert 'A new description.' in _description(workspace, 'ahead_a')
    # one kept debian/ per package: the old key is gone
    kept = workspace.root / 'build_deb' / 'bookworm' / '.bloom' / 'ahead_a'
    assert len(list(kept.iterdir())) == 1

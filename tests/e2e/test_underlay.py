"""Building a workspace against an existing apt repository (--apt-source).

The underlay is made by colcon deb itself, signed, as a company would
publish it: ``ul_base`` exists only there, ``shared_pkg`` exists there in a
higher version than in the workspace.  The workspace's ``app_pkg`` needs
both.  Workspace packages must win over same-named underlay packages, in
the build and for a consumer using the pin file the repository ships.
"""

import os
import subprocess

from e2e_support import data_package
import pytest
from test_signing import _make_key


def _data_package(name, *, version, text, depends=()):
    files = data_package(name, depends=depends)
    files['package.xml'] = files['package.xml'].replace(
        '<version>0.1.0</version>', f'<version>{version}</version>')
    files['data.txt'] = text + '\n'
    return files


@pytest.fixture(scope='module')
def underlay(make_workspace, base_image, tester):
    workspace = make_workspace(packages=[])
    workspace.add_package('ul_base', _data_package(
        'ul_base', version='1.0.0', text='underlay base'))
    workspace.add_package('shared_pkg', _data_package(
        'shared_pkg', version='2.0.0', text='shared from the underlay'))
    key_file = workspace.root / 'signing-key.asc'
    key_file.write_bytes(_make_key(workspace.root / 'gnupg', *tester))
    os.chown(key_file, *tester)
    workspace.colcon_deb('--sign-key-file', str(key_file))
    return workspace


@pytest.fixture(scope='module')
def overlay(make_workspace, underlay):
    workspace = make_workspace(packages=[])
    workspace.add_package('shared_pkg', _data_package(
        'shared_pkg', version='1.0.0', text='shared from the workspace'))
    workspace.add_package('app_pkg', _data_package(
        'app_pkg', version='1.0.0', text='app',
        depends=['ul_base', 'shared_pkg']))
    repo = underlay.repo
    line = f'deb [signed-by={repo}/key.gpg] file:{repo} bookworm main'
    result = workspace.colcon_deb(
        '--apt-source', line, '--rosdep-source', str(repo / 'rosdep.yaml'),
        '--verify')
    return workspace, result, line


def _run_consumer(engine, base_image, underlay, overlay_repo, script):
    return engine.client.containers.run(
        base_image, remove=True, command=['sh', '-ec', f"""
            echo "deb [signed-by=/underlay/key.gpg] file:/underlay" \
                bookworm main > /etc/apt/sources.list.d/underlay.list
            echo "deb [trusted=yes] file:/overlay bookworm main" \
                > /etc/apt/sources.list.d/overlay.list
            {script}
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                ros-humble-app-pkg > /dev/null
            cat /opt/ros/humble/share/shared_pkg/data.txt
            cat /opt/ros/humble/share/ul_base/data.txt"""],
        volumes={
            str(underlay.repo): {'bind': '/underlay', 'mode': 'ro'},
            str(overlay_repo): {'bind': '/overlay', 'mode': 'ro'}},
    ).decode()


def test_builds_and_verifies_against_the_underlay(overlay):
    workspace, result, _ = overlay
    debs = workspace.bloom_debs()
    # nothing of the underlay is copied into the workspace's repository
    assert debs == [
        'ros-humble-app-pkg_1.0.0-0bookworm_amd64.deb',
        'ros-humble-shared-pkg_1.0.0-0bookworm_amd64.deb'], debs
    # --verify installed app_pkg with ul_base from the (signed) underlay
    assert 'verify: installed (ros-humble-app-pkg)' in result.stdout
    assert 'apt-sources: done' in (
        workspace.root / 'log' / 'latest_deb' / 'events.log').read_text()


def test_the_repository_ships_the_pin_and_the_sources(overlay, underlay):
    workspace, _, line = overlay
    pin = (workspace.repo / 'colcon-deb.pref').read_text()
    assert 'Package: ros-humble-app-pkg ros-humble-shared-pkg\n' in pin
    label = subprocess.run(
        ['sed', '-n', 's/^Label: //p',
         str(workspace.repo / 'dists/bookworm/Release')],
        stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    underlay_label = subprocess.run(
        ['sed', '-n', 's/^Label: //p',
         str(underlay.repo / 'dists/bookworm/Release')],
        stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    # each repository has an identity of its own, so the pin tells apart
    # two repositories made by colcon deb
    assert label != underlay_label
    assert f'Pin: release l={label}, n=bookworm\n' in pin
    sources = (workspace.repo / 'colcon-deb.list').read_text().splitlines()
    assert sources[0] == line
    assert sources[1].startswith('deb [trusted=yes] file:')


def test_workspace_packages_win_over_the_underlay_with_the_pin(
        overlay, underlay, engine, base_image):
    workspace, _, _ = overlay
    # without the pin apt takes the underlay's higher shared_pkg 2.0.0 ...
    plain = _run_consumer(engine, base_image, underlay, workspace.repo, '')
    assert plain.splitlines() == [
        'shared from the underlay', 'underlay base'], plain
    # ... with the pin the repository ships, the workspace's 1.0.0 wins
    pinned = _run_consumer(
        engine, base_image, underlay, workspace.repo,
        'cp /overlay/colcon-deb.pref /etc/apt/preferences.d/overlay.pref')
    assert pinned.splitlines() == [
        'shared from the workspace', 'underlay base'], pinned


def test_bad_apt_sources_are_clear_errors(make_workspace, base_image):
    workspace = make_workspace(packages=[])
    workspace.add_package('solo', data_package('solo'))
    for line, message in [
        ('deb http://example.invalid/ros', 'expected "deb [signed-by='),
        ('deb [signed-by=/nonexistent.gpg] http://x/ bookworm main',
         'no such key file: /nonexistent.gpg'),
        ('deb file:/tmp bookworm main', 'unsigned: give its key'),
        ('deb [trusted=yes] file:/nonexistent bookworm main',
         'no repository at /nonexistent'),
        ('deb [trusted=yes] ftp://x/ bookworm main',
         'unsupported URL scheme'),
    ]:
        result = workspace.colcon_deb('--apt-source', line, check=False)
        assert result.returncode == 1
        assert message in result.stdout, result.stdout
        assert 'Traceback' not in result.stdout
    assert not workspace.repo.exists() or workspace.debs() == []

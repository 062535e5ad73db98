"""Building a workspace against an existing apt repository (--apt-source).

The underlay is made by colcon deb itself, signed, as a company would
publish it: ``ul_base`` exists only there, ``shared_pkg`` exists there in a
higher version than in the workspace.  The workspace's ``app_pkg`` needs
both.  Workspace packages must win over same-named underlay packages, in
the build and for a consumer using the pin file the repository ships.
"""

import email.utils
import hashlib
import os
import shutil
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


def test_an_overlay_under_the_underlays_label_is_warned_of(
        overlay, underlay):
    # two CI jobs copying one recipe's --label: the pin would match both
    workspace, _, line = overlay
    label = subprocess.run(
        ['sed', '-n', 's/^Label: //p',
         str(underlay.repo / 'dists/bookworm/Release')],
        stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    result = workspace.colcon_deb(
        '--apt-source', line,
        '--rosdep-source', str(underlay.repo / 'rosdep.yaml'),
        '--output-base', str(workspace.root / 'same-label'),
        '--label', label, '--dry-run')
    assert f"has this repository's Label, {label}: the pin" in \
        result.stdout
    assert not (workspace.root / 'same-label').exists()


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
        # nothing listens on port 9: it used to go on to bloom's and the
        # builds' apt, with "Could not connect" in their logs
        ('deb [trusted=yes] http://127.0.0.1:9/ bookworm main',
         "--apt-source 'deb [trusted=yes] http://127.0.0.1:9/ bookworm "
         "main': cannot read its Release file ("),
    ]:
        result = workspace.colcon_deb('--apt-source', line, check=False)
        assert result.returncode == 1
        assert message in result.stdout, result.stdout
        assert 'Traceback' not in result.stdout
    assert not workspace.repo.exists() or workspace.debs() == []


def _deb_file_text(deb, path):
    return subprocess.run(
        f'dpkg-deb --fsys-tarfile {deb} | tar -xO .{path}', shell=True,
        stdout=subprocess.PIPE, text=True, check=True).stdout


def test_dependency_images_with_an_underlay_stay_current_and_second(
        make_workspace, engine, base_image):
    """Builds on an underlay start from an image of its packages.

    Made once for the set two builds share, with the underlay mounted;
    made anew when the underlay is republished; and a same-named package
    the image got from the underlay never stands in for the workspace's.
    """
    from test_dependency_images import _images_used
    underlay = make_workspace(packages=[])
    underlay.add_package('ulx_shared', _data_package(
        'ulx_shared', version='2.0.0', text='shared from the underlay'))
    underlay.add_package('ulx_base', _data_package(
        'ulx_base', version='1.0.0', text='base 1.0.0',
        depends=['ulx_shared']))
    underlay.colcon_deb()

    overlay = make_workspace(packages=[])
    overlay.add_package('ulx_shared', _data_package(
        'ulx_shared', version='1.0.0', text='shared from the workspace'))
    for name in ('ulx_app_a', 'ulx_app_b'):
        overlay.add_package(name, data_package(
            name, depends=['ulx_base', 'ulx_shared'], cmake_extra=f"""
file(READ /opt/ros/humble/share/ulx_shared/data.txt seen)
file(WRITE ${{CMAKE_BINARY_DIR}}/seen.txt "${{seen}}")
install(FILES ${{CMAKE_BINARY_DIR}}/seen.txt DESTINATION share/{name})
"""))
    args = ('--apt-source',
            f'deb [trusted=yes] file:{underlay.repo} bookworm main',
            '--rosdep-source', str(underlay.repo / 'rosdep.yaml'))
    overlay.colcon_deb(*args)

    _, progress_a, used_a = _images_used(overlay, 'ulx_app_a')
    _, progress_b, used_b = _images_used(overlay, 'ulx_app_b')
    assert used_a and used_a == used_b, (used_a, used_b)
    image = engine.client.images.get(used_a[0])
    assert image.labels['io.colcon-deb-docker.dependency-set'] == \
        'ros-humble-ulx-base'
    # nothing of the run stays in it: no environment beyond the builder's
    assert not [e for e in image.attrs['Config']['Env']
                if not e.startswith('PATH=')], image.attrs['Config']['Env']
    # the image holds the underlay's ulx_shared (ulx_base needs it) ...
    held = engine.client.containers.run(
        image.id, remove=True, network_mode='none', command=[
            'dpkg-query', '-W', '-f', '${Version}\\n',
            'ros-humble-ulx-shared']).decode()
    assert held.startswith('2.0.0-'), held
    # ... yet each build installed and saw the workspace's
    for name, progress in (('ulx_app_a', progress_a),
                           ('ulx_app_b', progress_b)):
        assert 'build-deps: done (workspace .debs)' in progress, progress
        deb, = [overlay.repo / 'pool' / 'main' / f'ros-humble-{n}' / d
                for d in overlay.debs()
                for n in [name.replace('_', '-')]
                if d.startswith(f'ros-humble-{n}_')]
        assert _deb_file_text(
            deb, f'/opt/ros/humble/share/{name}/seen.txt') == \
            'shared from the workspace\n'

    # the underlay republished (ulx_base 1.0.1): new images, never the
    # old one with its old packages
    (underlay.root / 'src' / 'ulx_base' / 'package.xml').write_text(
        (underlay.root / 'src' / 'ulx_base' / 'package.xml').read_text()
        .replace('<version>1.0.0</version>', '<version>1.0.1</version>'))
    underlay.colcon_deb()
    overlay.colcon_deb('--force', *args)
    _, _, again_a = _images_used(overlay, 'ulx_app_a')
    _, _, again_b = _images_used(overlay, 'ulx_app_b')
    assert again_a and again_a == again_b and again_a != used_a
    held = engine.client.containers.run(
        again_a[0], remove=True, network_mode='none', command=[
            'dpkg-query', '-W', '-f', '${Version}\\n',
            'ros-humble-ulx-base']).decode()
    assert held.startswith('1.0.1-'), held


def _flat_repository(source, target):
    """Copy a repository's .debs into a flat one (``deb URL ./``).

    The layout of a hand-made directory of .debs: Packages and a Release
    file naming its hash beside them, no dists/ and no pool/.
    """
    target.mkdir()
    for deb in source.glob('pool/main/*/*.deb'):
        if '-dbgsym_' not in deb.name:
            shutil.copy(deb, target)
    packages = subprocess.run(
        ['dpkg-scanpackages', '--multiversion', '.'], cwd=target,
        check=True, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL).stdout
    (target / 'Packages').write_bytes(packages)
    (target / 'Release').write_text(
        f'Date: {email.utils.formatdate(usegmt=True)}\n'
        'SHA256:\n'
        f' {hashlib.sha256(packages).hexdigest()} {len(packages)} '
        'Packages\n')


def test_a_flat_file_repository_serves_as_underlay(make_workspace, underlay):
    workspace = make_workspace(packages=[])
    flat = workspace.root / 'flat-underlay'
    _flat_repository(underlay.repo, flat)
    workspace.add_package('flat_app', _data_package(
        'flat_app', version='1.0.0', text='flat app', depends=['ul_base']))
    result = workspace.colcon_deb(
        '--apt-source', f'deb [trusted=yes] file:{flat} ./',
        '--rosdep-source', str(underlay.repo / 'rosdep.yaml'), '--verify')
    assert workspace.bloom_debs() == [
        'ros-humble-flat-app_1.0.0-0bookworm_amd64.deb']
    # --verify installed it with ul_base from the flat underlay
    assert 'verify: installed (ros-humble-flat-app)' in result.stdout
    [deb] = workspace.repo.glob('pool/main/*/ros-humble-flat-app_*.deb')
    depends = subprocess.run(
        ['dpkg-deb', '-f', str(deb), 'Depends'], check=True,
        stdout=subprocess.PIPE, text=True).stdout
    assert 'ros-humble-ul-base' in depends

"""The bundled example workspace, built for real and installed with apt."""

import ast
import hashlib
import re

from debian.debfile import DebFile
from e2e_support import anonymous_volumes
from e2e_support import cmake_package_xml
from e2e_support import install_and_run
import pytest

EXAMPLE_PACKAGES = [
    'demo_ament_geometry', 'demo_catkin_util', 'demo_geometry',
    'demo_robot', 'demo_tools']


def _tree_state(root):
    state = {}
    for path in sorted(root.rglob('*')):
        stat = path.lstat()
        digest = ''
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        state[str(path.relative_to(root))] = (
            stat.st_mode, stat.st_uid, stat.st_mtime_ns, digest)
    return state


def _events(log_dir):
    """Return [(event type, identifier)] from colcon's events.log."""
    events = []
    pattern = re.compile(r'^\[[\d.]+\] \((.+?)\) (\w+): (.*)$')
    for line in (log_dir / 'events.log').read_text().splitlines():
        match = pattern.match(line)
        if match:
            data = match.group(3)
            try:
                data = ast.literal_eval(data)
            except (ValueError, SyntaxError):
                data = {}
            events.append((match.group(2), match.group(1), data))
    return events


@pytest.fixture(scope='module')
def example_build(make_workspace, base_image):
    """Build the whole example workspace once, in parallel, with --verify."""
    workspace = make_workspace()
    source_before = _tree_state(workspace.root / 'src')
    result = workspace.colcon_deb(
        '--executor', 'parallel', '--parallel-workers', '2', '--verify')
    return workspace, result, source_before


def test_every_package_becomes_a_deb(example_build):
    workspace, result, _ = example_build
    debs = workspace.debs()
    for name in EXAMPLE_PACKAGES:
        deb_name = 'ros-humble-' + name.replace('_', '-')
        assert f'{deb_name}_1.0.0-0bookworm_' in ' '.join(
            workspace.bloom_debs()), debs
        assert re.search(
            rf'^  {name} +built .*{deb_name}_1\.0\.0', result.stdout, re.M)
    # a quiet console: no stderr block for any of these healthy packages
    # (debhelper's compat warnings and such stay in the logs)
    assert 'stderr output' not in result.stdout
    assert '--- stderr' not in result.stdout
    assert 'Compatibility levels before 10' in (
        workspace.root / 'log/latest_deb/demo_tools/stdout_stderr.log'
    ).read_text()
    # C++ packages come with their debug symbols
    assert any('ros-humble-demo-geometry-dbgsym_' in d for d in debs)
    # --verify installed each package in a fresh base-image container
    for name in EXAMPLE_PACKAGES:
        deb_name = 'ros-humble-' + name.replace('_', '-')
        assert f'verify: installed ({deb_name})' in result.stdout


def test_apt_installs_the_top_package_and_it_runs(
    example_build, engine, base_image
):
    workspace, _, _ = example_build
    output = install_and_run(
        engine, base_image, workspace.repo, ['ros-humble-demo-robot'],
        'demo_robot; demo_perimeter; '
        "dpkg-query -W -f '${Package}\\n' 'ros-humble-*'")
    assert 'demo_robot: distance: 5' in output
    assert 'demo_robot: perimeter: 8' in output
    # apt pulled the whole chain in through the Depends bloom generated
    for name in EXAMPLE_PACKAGES:
        assert 'ros-humble-' + name.replace('_', '-') in output.split()


def test_the_build_containers_volumes_went_with_them(example_build, engine):
    workspace, _, _ = example_build
    # the siblings' /opt/ros of each build: a volume of its container
    assert anonymous_volumes(engine) == []
    assert not workspace.containers(engine)


def test_nothing_on_the_host_belongs_to_another_user(example_build):
    workspace, _, _ = example_build
    assert workspace.uid != 0, 'the build must run as an unprivileged user'
    foreign = []
    for top in ('deb', 'build_deb', 'log'):
        for path in [workspace.root / top,
                     *(workspace.root / top).rglob('*')]:
            stat = path.lstat()
            if (stat.st_uid, stat.st_gid) != (workspace.uid, workspace.gid):
                foreign.append(f'{path} {stat.st_uid}:{stat.st_gid}')
    assert not foreign, foreign


def test_binary_runs_without_fakeroot_and_root_owns_the_files(
    example_build
):
    # bloom's output declares Rules-Requires-Root: no, so dpkg-buildpackage
    # runs `debian/rules binary` as the build user, without fakeroot, and
    # dh_builddeb still gives every file in the packages to root
    workspace, _, _ = example_build
    for name in EXAMPLE_PACKAGES:
        log = (workspace.root / 'log/latest_deb' / name / 'streams.log') \
            .read_text()
        assert re.search(r'^\[[\d.]+s\]  debian/rules binary$', log, re.M), \
            name
        assert 'fakeroot' not in log, name
    debs = sorted(workspace.repo.glob('pool/main/*/*.deb'))
    assert len(debs) >= len(EXAMPLE_PACKAGES)
    for deb in debs:
        members = DebFile(str(deb)).data.tgz().getmembers()
        assert members
        owners = {(m.uid, m.gid, m.uname, m.gname) for m in members}
        assert owners == {(0, 0, 'root', 'root')}, (deb.name, owners)


def test_the_source_tree_is_unchanged(example_build):
    workspace, _, source_before = example_build
    assert _tree_state(workspace.root / 'src') == source_before


def test_events_log_shows_each_package_start_progress_end(example_build):
    workspace, _, _ = example_build
    events = _events(workspace.root / 'log' / 'latest_deb')
    for name in EXAMPLE_PACKAGES:
        kinds = [kind for kind, identifier, _ in events
                 if identifier == name]
        assert 'JobStarted' in kinds, name
        assert 'JobEnded' in kinds, name
        progress = [data['progress'] for kind, identifier, data in events
                    if identifier == name and kind == 'JobProgress']
        for step in ('user: done', 'bloom: done', 'build-deps: done',
                     'compile: done', 'package: done', 'publish: start'):
            assert any(p.startswith(step) for p in progress), \
                (name, step, progress)
        ended = [data for kind, identifier, data in events
                 if identifier == name and kind == 'JobEnded']
        assert ended[-1]['rc'] == 0
    # and the per-package logs colcon keeps
    log = workspace.root / 'log/latest_deb/demo_tools/stdout_stderr.log'
    assert 'dpkg-buildpackage' in log.read_text()


def test_repository_metadata_for_consumers(example_build):
    workspace, _, _ = example_build
    rosdep = (workspace.repo / 'rosdep.yaml').read_text()
    for name in EXAMPLE_PACKAGES:
        deb_name = 'ros-humble-' + name.replace('_', '-')
        assert f'{name}:\n  debian:\n    bookworm:\n    - {deb_name}\n' \
            in rosdep
    release = (workspace.repo / 'dists/bookworm/Release').read_text()
    assert 'Architectures: amd64' in release
    assert 'main/binary-amd64/Packages' in release


def test_packages_up_to_builds_exactly_the_closure(make_workspace, base_image):
    workspace = make_workspace()
    result = workspace.colcon_deb('--packages-up-to', 'demo_tools')
    packages = {d.split('_')[0] for d in workspace.debs()}
    assert packages == {
        'ros-humble-demo-geometry', 'ros-humble-demo-geometry-dbgsym',
        'ros-humble-demo-tools', 'ros-humble-demo-tools-dbgsym'}
    assert 'demo_robot' not in result.stdout.split('colcon deb summary')[1]


BROKEN_LIB = {
    'package.xml': cmake_package_xml(
        'broken_lib', description='Does not compile.'),
    'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(broken_lib CXX)
add_library(broken_lib SHARED broken.cpp)
install(TARGETS broken_lib LIBRARY DESTINATION lib)
""",
    'broken.cpp': 'int broken( { return THIS_DOES_NOT_COMPILE; }\n',
}

NEEDS_BROKEN = {
    'package.xml': cmake_package_xml(
        'needs_broken', description='Depends on broken_lib.',
        depends=['broken_lib']),
    'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(needs_broken NONE)
install(FILES package.xml DESTINATION share/needs_broken)
""",
}


def test_continue_on_error_builds_independent_and_skips_dependents(
    make_workspace, base_image
):
    workspace = make_workspace(['demo_geometry', 'demo_tools'])
    workspace.add_package('broken_lib', BROKEN_LIB)
    workspace.add_package('needs_broken', NEEDS_BROKEN)
    result = workspace.colcon_deb(
        '--continue-on-error', '--executor', 'sequential', check=False)
    assert result.returncode != 0
    packages = {d.split('_')[0] for d in workspace.debs()}
    assert {'ros-humble-demo-geometry', 'ros-humble-demo-tools'} <= packages
    assert not any('broken' in p for p in packages), packages
    summary = result.stdout.split('colcon deb summary')[1]
    # the reason quotes the compiler's first error, the file named as in
    # the package (it used to be the exit status alone)
    assert re.search(
        r'^  broken_lib +failed .*exited with code \d+: broken\.cpp:1:\d+: '
        r'error: ', summary, re.M), summary
    assert re.search(r'^  needs_broken +pending .*skipped', summary, re.M)
    # the compiler's complaint is in the package's log and in the tail shown
    log = workspace.root / 'log/latest_deb/broken_lib/stdout_stderr.log'
    assert 'THIS_DOES_NOT_COMPILE' in log.read_text()
    assert 'THIS_DOES_NOT_COMPILE' in result.stdout
    events = _events(workspace.root / 'log' / 'latest_deb')
    assert ('JobSkipped', 'needs_broken') in [
        (kind, identifier) for kind, identifier, _ in events] or \
        'needs_broken' in [data.get('identifier') for kind, _, data in events
                           if kind == 'JobSkipped']
    # colcon's selection of what failed last time works for colcon deb
    # too (it read colcon build's results only and selected nothing)
    again = workspace.colcon_deb(
        '--packages-select-build-failed', '--dry-run', check=False)
    planned = re.findall(r'^ +\d+\. (\w+) ', again.stdout, re.M)
    assert planned == ['broken_lib'], again.stdout
    again = workspace.colcon_deb(
        '--packages-skip-build-finished', '--dry-run', check=False)
    planned = re.findall(r'^ +\d+\. (\w+) ', again.stdout, re.M)
    assert sorted(planned) == ['broken_lib', 'needs_broken'], again.stdout


def test_caches_are_filled_and_owned_by_the_user(
    example_build, engine, base_image
):
    workspace, _, _ = example_build
    build_base = workspace.root / 'build_deb'
    # catkin comes from the Debian mirror: when a build downloads it (not
    # its dependency image), its archive is kept for next time
    workspace.colcon_deb('--packages-select', 'demo_catkin_util', '--force',
                         '--no-dependency-images')
    archives = sorted(p.name for p in
                      (build_base / '.apt-archives').glob('*.deb'))
    assert any(name.startswith('catkin_') for name in archives), archives
    assert not list((build_base / '.apt-archives').glob('.*'))  # no partial
    for path in (build_base / '.apt-archives').iterdir():
        assert path.stat().st_uid == workspace.uid, path
    # the C++ packages compiled through ccache, each into its own volume,
    # and a rebuild of one of them hits it
    from colcon_deb_docker.builder_image import prepare_builder_image
    builder = prepare_builder_image(engine=engine, base_image=base_image).tag
    volume = f'colcon-deb-ccache-{workspace.build_base_label}-' \
        'demo_geometry-amd64'

    def ccache_stats():
        text = engine.client.containers.run(
            builder, ['ccache', '--print-stats'], remove=True,
            environment={'CCACHE_DIR': '/c'},
            volumes={volume: {'bind': '/c', 'mode': 'ro'}}).decode()
        return dict(line.split('\t') for line in text.splitlines())

    before = ccache_stats()
    assert int(before['cache_miss']) > 0  # the first build filled it
    workspace.colcon_deb('--packages-select', 'demo_geometry', '--force')
    after = ccache_stats()
    hits = ('direct_cache_hit', 'preprocessed_cache_hit')
    assert sum(int(after[k]) for k in hits) > sum(
        int(before[k]) for k in hits), (before, after)

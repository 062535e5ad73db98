"""Incremental rebuilds: what changed is built again, nothing else."""

import json
import re
import subprocess
import time

from e2e_support import created_containers
from e2e_support import data_package
from e2e_support import report

PACKAGE_LABEL = 'io.colcon-deb-docker.package'


def _statuses(workspace):
    return {name: r['status'] for name, r in report(workspace).items()}


def _built_containers(engine, since, workspace):
    return sorted(
        a[PACKAGE_LABEL] for a in created_containers(engine, since, workspace)
        if PACKAGE_LABEL in a)


def test_skip_and_rebuild_rules(make_workspace, engine, base_image):
    workspace = make_workspace([])
    workspace.add_package('inc_lib', data_package('inc_lib'))
    workspace.add_package(
        'inc_app', data_package('inc_app', depends=['inc_lib']))
    workspace.add_package('inc_leaf', data_package('inc_leaf'))
    args = ('--executor', 'parallel', '--parallel-workers', '2')

    workspace.colcon_deb(*args)
    assert set(_statuses(workspace).values()) == {'built'}
    release = (workspace.repo / 'dists' / 'bookworm' / 'Release').read_text()

    # a no-op rerun starts no container and leaves the repository alone
    since = time.time()
    result = workspace.colcon_deb(*args)
    assert set(_statuses(workspace).values()) == {'up to date'}
    assert 'skip: up to date' in (
        workspace.root / 'log' / 'latest_deb' / 'events.log').read_text()
    assert created_containers(engine, since, workspace) == []
    assert (workspace.repo / 'dists' / 'bookworm' / 'Release').read_text() \
        == release
    assert 'up to date' in result.stdout

    # a changed leaf: exactly that one
    (workspace.root / 'src' / 'inc_leaf' / 'data.txt').write_text('leaf 2\n')
    since = time.time()
    workspace.colcon_deb(*args)
    assert _statuses(workspace) == {
        'inc_lib': 'up to date', 'inc_app': 'up to date',
        'inc_leaf': 'built'}
    assert _built_containers(engine, since, workspace) == ['inc_leaf']

    # a changed library: it and its dependent, not the leaf
    (workspace.root / 'src' / 'inc_lib' / 'data.txt').write_text('lib 2\n')
    workspace.colcon_deb(*args)
    assert _statuses(workspace) == {
        'inc_lib': 'built', 'inc_app': 'built', 'inc_leaf': 'up to date'}

    # a .deb gone from the repository is built again
    [stamped] = json.loads((workspace.root / 'build_deb/bookworm/inc_app/'
                            'amd64/stamp.json').read_text())['files']
    app_deb = workspace.repo / stamped
    app_deb.unlink()
    result = workspace.colcon_deb(*args)
    assert f'repaired: dropped {stamped} from the index: its pool file is ' \
        'missing' in result.stdout
    assert _statuses(workspace)['inc_app'] == 'built'
    assert _statuses(workspace)['inc_lib'] == 'up to date'
    # under a new version: the old file name may be cached elsewhere with
    # its old bytes, so it is never published again
    [rebuilt] = json.loads((workspace.root / 'build_deb/bookworm/inc_app/'
                            'amd64/stamp.json').read_text())['files']
    assert (workspace.repo / rebuilt).exists() and rebuilt != stamped

    # --force builds everything
    workspace.colcon_deb(*args, '--force')
    assert set(_statuses(workspace).values()) == {'built'}


def test_a_changed_test_dependency_rebuilds_what_runs_its_tests(
    make_workspace, engine, base_image,
):
    # without --run-tests a build never sees its test dependencies, so a
    # change there rebuilds only the changed package; with them, both
    workspace = make_workspace([])
    workspace.add_package('td_fixture', data_package('td_fixture'))
    workspace.add_package('td_pkg', data_package(
        'td_pkg', test_depends=['td_fixture']))
    workspace.colcon_deb()
    fixture = workspace.root / 'src' / 'td_fixture' / 'data.txt'
    fixture.write_text('fixture 2\n')
    workspace.colcon_deb()
    assert _statuses(workspace) == {
        'td_fixture': 'built', 'td_pkg': 'up to date'}

    workspace.colcon_deb('--run-tests')
    assert set(_statuses(workspace).values()) == {'built'}
    fixture.write_text('fixture 3\n')
    workspace.colcon_deb('--run-tests')
    assert _statuses(workspace) == {'td_fixture': 'built', 'td_pkg': 'built'}


def test_dry_run_prints_the_plan_and_builds_nothing(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('dry_lib', data_package('dry_lib'))
    workspace.add_package(
        'dry_app', data_package('dry_app', depends=['dry_lib']))
    workspace.colcon_deb('--packages-select', 'dry_lib')
    debs = workspace.debs()

    since = time.time()
    result = workspace.colcon_deb('--dry-run')
    out = result.stdout
    assert 'nothing is built' in out
    lines = out.splitlines()
    lib_line = next(line for line in lines if '. dry_lib' in line)
    app_line = next(line for line in lines if '. dry_app' in line)
    assert lines.index(lib_line) < lines.index(app_line)  # build order
    assert 'skip  (up to date)' in lib_line
    assert 'build (new)' in app_line
    assert re.search(r'ros-humble-dry-app_0\.1\.0-0bookworm\.\d{8}\.\d{6}'
                     r'_amd64\.deb', app_line)
    # where each key resolves: the sibling from the workspace mapping,
    # cmake from the bundled base keys
    assert any('dry_app: dry_lib -> ros-humble-dry-lib' in line and
               'workspace.yaml' in line for line in lines)
    assert any('dry_app: cmake -> cmake' in line for line in lines)
    # only the rosdep check ran: no build container, no new .deb
    assert _built_containers(engine, since, workspace) == []
    assert workspace.debs() == debs
    # and a dry run into a new output writes nothing there, not even a lock
    workspace.colcon_deb('--dry-run', '--output-base', 'dry-out')
    assert not (workspace.root / 'dry-out').exists()


def _check_containers(engine, since, workspace):
    return [a for a in created_containers(engine, since, workspace)
            if a.get('name', '').endswith('-rosdep-check')]


def _resolution_lines(result):
    return sorted(line.strip() for line in result.stdout.splitlines()
                  if 'kc_app: kc_' in line)


def test_the_rosdep_pre_check_is_kept_while_what_it_reads_is_unchanged(
    make_workspace, engine, base_image,
):
    """Offline, a run asks rosdep again only when something it reads changed.

    Each run's resolutions come from the container or the kept check, so
    every step checks what the dry run prints as well as which containers
    ran; the last step builds from the kept rosdep cache.
    """
    workspace = make_workspace([])
    workspace.add_package(
        'kc_app', data_package('kc_app', depends=['kc_key']))
    workspace.add_package('kc_other', data_package('kc_other'))
    rules = workspace.root / 'rules.yaml'
    rules.write_text('kc_key:\n  debian: [libzstd-dev]\n')
    args = ('--rosdep-source', str(rules))

    since = time.time()
    first = workspace.colcon_deb('--dry-run', *args)
    assert len(_check_containers(engine, since, workspace)) == 1
    assert any('kc_key -> libzstd-dev' in line
               for line in _resolution_lines(first))

    # the same sources: no container, the same answer
    since = time.time()
    again = workspace.colcon_deb('--dry-run', *args)
    assert _check_containers(engine, since, workspace) == []
    assert _resolution_lines(again) == _resolution_lines(first)
    # a subset of the keys is answered as well
    subset = workspace.colcon_deb('--dry-run', '--packages-select', 'kc_app',
                                  *args)
    assert _check_containers(engine, since, workspace) == []
    assert _resolution_lines(subset) == _resolution_lines(first)

    # a changed rule in a --rosdep-source file: asked again
    rules.write_text('kc_key:\n  debian: [liblz4-dev]\n')
    since = time.time()
    changed = workspace.colcon_deb('--dry-run', *args)
    assert len(_check_containers(engine, since, workspace)) == 1
    assert any('kc_key -> liblz4-dev' in line
               for line in _resolution_lines(changed))

    # a key no earlier check resolved: asked again
    (workspace.root / 'src' / 'kc_app' / 'package.xml').write_text(
        data_package('kc_app', depends=['kc_key', 'kc_new'])['package.xml'])
    rules.write_text('kc_key:\n  debian: [liblz4-dev]\n'
                     'kc_new:\n  debian: [libzstd-dev]\n')
    since = time.time()
    workspace.colcon_deb('--dry-run', *args)
    assert len(_check_containers(engine, since, workspace)) == 1
    since = time.time()
    workspace.colcon_deb('--dry-run', *args)
    assert _check_containers(engine, since, workspace) == []

    # the builds (and bloom ahead) start from the kept rosdep cache
    since = time.time()
    workspace.colcon_deb(*args)
    assert _check_containers(engine, since, workspace) == []
    assert set(_statuses(workspace).values()) == {'built'}
    [deb] = workspace.repo.glob('pool/main/*/ros-humble-kc-app_*.deb')
    depends = subprocess.run(
        ['dpkg-deb', '-f', str(deb), 'Depends'], check=True,
        capture_output=True, text=True).stdout
    assert 'liblz4-dev' in depends and 'libzstd-dev' in depends

"""More bad inputs: each fails early, clearly, and loses nothing."""

import os
from pathlib import Path
import re
import shutil
import subprocess
import tempfile
import time

from e2e_support import colcon_command
from e2e_support import created_containers
from e2e_support import data_package
from e2e_support import list_containers
import pytest

PACKAGE_LABEL = 'io.colcon-deb-docker.package'


def test_socket_permission_denied_is_one_clear_line(
    make_workspace, engine, base_image,
):
    if os.geteuid() != 0:
        raise AssertionError('this test needs root (to drop the docker group)')
    workspace = make_workspace([])
    workspace.add_package('perm_pkg', data_package('perm_pkg'))
    cmd, kwargs = colcon_command(workspace)
    kwargs['extra_groups'] = []  # the tester without the docker group
    result = subprocess.run(
        cmd, **kwargs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    print(result.stdout)
    assert result.returncode == 1
    assert 'colcon deb: error: cannot reach the Docker engine at ' \
        'unix:///var/run/docker.sock: permission denied on the socket' \
        in result.stdout
    assert 'add your user to the `docker` group' in result.stdout
    assert 'Traceback' not in result.stdout


def test_unresolvable_keys_are_listed_at_once_before_any_build(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('keys_a', data_package(
        'keys_a', depends=['no_such_key_a', 'no_such_key_b']))
    workspace.add_package('keys_b', data_package(
        'keys_b', depends=['keys_a', 'no_such_key_c']))
    workspace.add_package('keys_dep', data_package(
        'keys_dep', depends=['keys_a']))
    workspace.add_package('keys_ok', data_package('keys_ok'))

    since = time.time()
    result = workspace.colcon_deb(check=False)
    assert result.returncode == 1
    out = result.stdout
    assert 'unresolvable rosdep keys for debian bookworm:' in out
    assert '  keys_a: no_such_key_a, no_such_key_b' in out
    assert '  keys_b: no_such_key_c' in out
    assert 'rosdep sources consulted (first match wins):' in out
    assert str(workspace.root / 'build_deb' / '.rosdep' / 'workspace.yaml') \
        in out
    assert '--rosdep-source FILE' in out
    assert 'Traceback' not in out
    # stopped before any package container
    assert not [a for a in created_containers(engine, since, workspace)
                if PACKAGE_LABEL in a]
    assert workspace.bloom_debs() == []

    # --continue-on-error: the others build, the dependents are skipped
    result = workspace.colcon_deb('--continue-on-error', check=False)
    assert result.returncode != 0
    assert workspace.bloom_debs() == [
        'ros-humble-keys-ok_0.1.0-0bookworm_amd64.deb']
    summary = result.stdout.split('colcon deb summary:')[1]
    assert 'keys_a' in summary and \
        'unresolvable rosdep keys: no_such_key_a, no_such_key_b' in summary
    assert 'keys_dep' in summary and 'skipped' in summary


def test_second_run_on_the_same_output_is_refused(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('lock_pkg', data_package(
        'lock_pkg', cmake_extra='execute_process(COMMAND sleep 8)'))
    cmd, kwargs = colcon_command(workspace)
    first = subprocess.Popen(
        cmd, **kwargs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        deadline = time.monotonic() + 120
        while not list_containers(engine, filters={
                'label': f'{PACKAGE_LABEL}=lock_pkg'}):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        started = time.monotonic()
        # the same output, another build base
        second = workspace.colcon_deb(
            '--force', '--build-base', 'build_deb_2', check=False)
        # the same build base (its state, its containers), another output;
        # and a dry run, which must not touch the state the run uses
        third = workspace.colcon_deb('--output-base', 'deb_2', check=False)
        dry = workspace.colcon_deb('--dry-run', check=False)
        assert time.monotonic() - started < 60
    finally:
        out, _ = first.communicate(timeout=300)
    print(out)
    assert second.returncode == 1
    assert f'colcon deb: error: another colcon deb run (pid {first.pid}) ' \
        f'is writing to {workspace.repo}; wait for it to finish or pass ' \
        'another --output-base' in second.stdout
    for refused in (third, dry):
        assert refused.returncode == 1
        assert f'colcon deb: error: another colcon deb run (pid ' \
            f'{first.pid}) is using the build base {workspace.root}/' \
            'build_deb; wait for it to finish or pass another --build-base' \
            in refused.stdout
    assert not (workspace.root / 'deb_2').exists()
    assert first.returncode == 0
    assert workspace.bloom_debs() == [
        'ros-humble-lock-pkg_0.1.0-0bookworm_amd64.deb']
    # released: the next run works
    workspace.colcon_deb()


def test_unwritable_output_fails_before_any_container(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('ro_pkg', data_package('ro_pkg'))
    if os.geteuid() != 0:
        raise AssertionError('this test needs root')
    # the user's own directory, read-only
    output = workspace.root / 'readonly-out'
    output.mkdir()
    os.chown(output, workspace.uid, workspace.gid)
    os.chmod(output, 0o555)
    since = time.time()
    result = workspace.colcon_deb('--output-base', str(output), check=False)
    assert result.returncode == 1
    assert f'colcon deb: error: cannot write the repository {output}: ' \
        'Permission denied' in result.stdout
    assert 'Traceback' not in result.stdout
    assert created_containers(engine, since, workspace) == []
    assert list(output.iterdir()) == []
    # another user's directory: said so, with the fix
    theirs = workspace.root / 'roots-out'
    theirs.mkdir()
    result = workspace.colcon_deb('--output-base', str(theirs), check=False)
    assert result.returncode == 1
    assert f'colcon deb: error: {theirs} belongs to uid 0, not to you' in \
        result.stdout
    assert f'sudo chown -R {workspace.uid}:{workspace.gid} {theirs}' in \
        result.stdout


def _tree(root, skip):
    return sorted(
        str(p.relative_to(root)) for p in root.rglob('*')
        if not any(part in skip for part in p.relative_to(root).parts))


@pytest.fixture
def own_parent():
    """Return a directory nothing else writes to, removed afterwards.

    The shared temp directory gets other processes' files while a build
    runs, so a listing of it proves nothing about the build.
    """
    parent = Path(tempfile.mkdtemp(prefix='colcon-deb-e2e-parent-'))
    os.chmod(parent, 0o755)
    yield parent
    shutil.rmtree(parent, ignore_errors=True)


def test_nothing_escapes_the_package_or_the_output(
    make_workspace, engine, base_image, own_parent,
):
    workspace = make_workspace([], parent=own_parent)
    outside = workspace.root / 'outside-secret.txt'
    outside.write_text('secret\n')
    files = data_package('escape_pkg', cmake_extra="""
file(WRITE ${CMAKE_SOURCE_DIR}/../../escape-from-source.txt "x")
execute_process(
  COMMAND sh -c "echo x > /colcon-deb/src/escape-into-source.txt"
  RESULT_VARIABLE into_source)
message(STATUS "writing into the mounted source: ${into_source}")
""")
    workspace.add_package('escape_pkg', files)
    pkg = workspace.root / 'src' / 'escape_pkg'
    # symlinks pointing out of the package: copied as links, never followed
    os.symlink('../../outside-secret.txt', pkg / 'relative-link')
    os.symlink(str(outside), pkg / 'absolute-link')
    os.lchown(pkg / 'relative-link', workspace.uid, workspace.gid)
    os.lchown(pkg / 'absolute-link', workspace.uid, workspace.gid)
    # and a package whose name tries to escape
    workspace.add_package('evil', {
        'package.xml': data_package('x')['package.xml'].replace(
            '<name>x</name>', '<name>../../evil</name>')})
    skip = {'deb', 'build_deb', 'log'}
    before = _tree(workspace.root, skip)
    parent_before = sorted(os.listdir(workspace.root.parent))

    result = workspace.colcon_deb('--continue-on-error', check=False)
    assert "package '../../evil'" in result.stdout or \
        'evil/package.xml' in result.stdout
    assert 'ros-humble-escape-pkg_0.1.0-0bookworm_amd64.deb' in \
        workspace.bloom_debs()
    assert 'Read-only file system' in (
        workspace.root / 'log' / 'latest_deb' / 'escape_pkg' /
        'stderr.log').read_text()
    assert _tree(workspace.root, skip) == before
    assert sorted(os.listdir(workspace.root.parent)) == parent_before
    assert outside.read_text() == 'secret\n'
    assert not any('evil' in str(p) for p in workspace.repo.rglob('*'))
    assert not any('evil' in str(p)
                   for p in (workspace.root / 'build_deb').rglob('*'))
    assert not workspace.containers(engine)


def test_a_key_only_pip_resolves_fails_the_pre_check(make_workspace):
    # bloom can only depend on what apt installs: a pip rule would pass the
    # check and fail inside bloom later
    workspace = make_workspace([])
    workspace.add_package('pip_user', data_package(
        'pip_user', depends=['only_on_pypi']))
    rules = workspace.root / 'pip-rules.yaml'
    rules.write_text('only_on_pypi:\n  debian:\n    pip:\n      packages: '
                     '[only-on-pypi]\n')
    result = workspace.colcon_deb(
        '--dry-run', '--rosdep-source', str(rules), check=False)
    assert result.returncode == 1
    assert 'pip_user: only_on_pypi -> UNRESOLVED: resolves with the pip ' \
        'installer (only-on-pypi), which a Debian package cannot depend ' \
        'on' in result.stdout, result.stdout


def test_a_directory_without_packages_is_one_error_and_no_repository(
    make_workspace,
):
    workspace = make_workspace([])
    result = workspace.colcon_deb(check=False)
    assert result.returncode == 1
    assert 'colcon deb: error: no packages found in ' \
        f'{workspace.root}: run colcon deb in the root of a ROS workspace' \
        in result.stdout
    assert not workspace.repo.exists()
    # nor a build base: a run in the wrong directory leaves nothing there
    # (it left build_deb/ with its lock file and COLCON_IGNORE)
    assert not (workspace.root / 'build_deb').exists()


def test_a_selected_package_whose_sibling_was_never_built(
    make_workspace, engine, base_image,
):
    # --packages-select of a package whose workspace build dependency is
    # neither selected nor in the repository: it used to start the build,
    # refresh the apt indexes and fail in the container with apt's "you
    # have held broken packages" (exit 100)
    workspace = make_workspace([])
    workspace.add_package('sib_base', data_package('sib_base'))
    workspace.add_package('sib_user', data_package(
        'sib_user', depends=['sib_base']))
    runtime = data_package('sib_runtime')
    runtime['package.xml'] = runtime['package.xml'].replace(
        '<buildtool_depend>cmake</buildtool_depend>',
        '<buildtool_depend>cmake</buildtool_depend>\n'
        '  <exec_depend>sib_base</exec_depend>')
    workspace.add_package('sib_runtime', runtime)

    said = 'colcon deb: error: workspace packages needed to build, but ' \
        'neither in this run nor built into the repository:\n' \
        '  sib_user needs sib_base\n' \
        'Build them in the same run (--packages-up-to sib_user) or before ' \
        'it.'
    # the dry run says so as well
    dry = workspace.colcon_deb(
        '--dry-run', '--packages-select', 'sib_user', check=False)
    assert dry.returncode == 1
    assert said in dry.stdout
    since = time.time()
    result = workspace.colcon_deb(
        '--packages-select', 'sib_user', check=False)
    assert result.returncode == 1
    assert said in result.stdout
    # said before any container: not even the rosdep pre-check's
    assert created_containers(engine, since, workspace) == []
    assert 'held broken packages' not in result.stdout
    # with --continue-on-error the package fails with the reason; the run
    # ends at once, and the dependency images' ahead pass with it (its
    # container used to be found running and reported as left behind)
    result = workspace.colcon_deb(
        '--packages-select', 'sib_user', '--continue-on-error', check=False)
    assert result.returncode == 1
    assert re.search(
        r'^  sib_user +failed +\S+ +needs sib_base, neither in this run nor '
        r'in the repository$', result.stdout, re.M), result.stdout
    assert 'left running' not in result.stdout

    # a run dependency alone does not stop the build, but the repository
    # could not install the package: said
    result = workspace.colcon_deb('--packages-select', 'sib_runtime')
    assert 'colcon deb: warning: packages whose .deb depends on workspace ' \
        'packages neither in this run nor in the repository (apt cannot ' \
        'install them until those are):\n  sib_runtime needs sib_base\n' \
        in result.stdout
    assert [d.split('_')[0] for d in workspace.bloom_debs()] == [
        'ros-humble-sib-runtime']

    # once sib_base is in the repository, both are fine on their own
    workspace.colcon_deb('--packages-select', 'sib_base')
    result = workspace.colcon_deb(
        '--packages-select', 'sib_user', 'sib_runtime', '--force')
    assert 'neither in this run nor' not in result.stdout
    assert sorted({d.split('_')[0] for d in workspace.bloom_debs()}) == [
        'ros-humble-sib-base', 'ros-humble-sib-runtime',
        'ros-humble-sib-user']

    # the build base removed (its stamps with it): the repository still
    # holds sib_base, and the build gets it from there
    shutil.rmtree(workspace.root / 'build_deb')
    result = workspace.colcon_deb('--packages-select', 'sib_user', '--force')
    assert 'neither in this run nor' not in result.stdout

    # sib_base removed from the workspace: its key resolves nowhere, and
    # the error says why (it was taken for a system dependency)
    shutil.rmtree(workspace.root / 'src' / 'sib_base')
    result = workspace.colcon_deb(
        '--packages-select', 'sib_user', '--force', check=False)
    assert result.returncode == 1
    assert 'Built into the repository before, but no longer in this ' \
        'workspace: sib_base (ros-humble-sib-base). Put the sources back ' \
        'into the workspace, or drop the dependency.' in result.stdout
    assert 'Map each system dependency' not in result.stdout


def test_a_build_base_that_is_or_is_in_the_repository_is_refused(
    make_workspace,
):
    workspace = make_workspace([])
    workspace.add_package('apart_pkg', data_package('apart_pkg'))
    same = workspace.colcon_deb(
        '--output-base', 'out', '--build-base', 'out', check=False)
    assert same.returncode == 1
    assert 'colcon deb: error: --build-base and --output-base are the ' \
        f"same directory ({workspace.root / 'out'})" in same.stdout
    # not the run's own lock reported as another run's
    assert 'another colcon deb run' not in same.stdout
    inside = workspace.colcon_deb(
        '--output-base', 'out', '--build-base', 'out/build', check=False)
    assert inside.returncode == 1
    assert f"--build-base {workspace.root / 'out' / 'build'} is inside the " \
        f"repository {workspace.root / 'out'}" in inside.stdout
    assert not (workspace.root / 'out').exists()


def test_a_rule_naming_a_package_debian_lacks_says_so(
    make_workspace, engine, base_image,
):
    # the rosdep check resolves the key (the rule exists), then apt cannot
    # find the package: the build failed as `container exited with code
    # 100`, with apt's "held broken packages" far above in the log
    workspace = make_workspace([])
    workspace.add_package('typo_user', data_package(
        'typo_user', depends=['typo_key']))
    rules = workspace.root / 'typo-rules.yaml'
    rules.write_text('typo_key:\n  debian: [libno-such-package-dev]\n')
    result = workspace.colcon_deb(
        '--rosdep-source', str(rules), check=False)
    assert result.returncode != 0
    assert re.search(
        r'^  typo_user +failed .*container exited with code 100: apt knows '
        r'no package libno-such-package-dev: fix the rosdep rule that maps '
        r'a key to it \(--rosdep-source\)', result.stdout, re.M), \
        result.stdout


def test_an_own_control_without_the_packages_name_is_refused(
    make_workspace, engine, base_image,
):
    # rosdep.yaml, its dependents and --verify asked for ros-humble-tooly,
    # which its debian/control (ros-humble-tooly-tools only) never made
    from e2e_support import own_debian_package
    workspace = make_workspace([])
    files = own_debian_package('tooly', description='tools only')
    for path in ('debian/control', 'debian/rules'):
        files[path] = files[path].replace(
            'ros-humble-tooly', 'ros-humble-tooly-tools')
    workspace.add_package('tooly', files)
    result = workspace.colcon_deb(check=False)
    assert result.returncode == 1
    assert "colcon deb: error: package 'tooly': its debian/control declares " \
        'no package ros-humble-tooly: that is the name its dependents, ' \
        'rosdep and apt ask for' in result.stdout, result.stdout
    assert not workspace.repo.exists() or workspace.debs() == []

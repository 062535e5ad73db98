"""Bad and hostile inputs get a clear message, never a hang or traceback.

Faults (kill -9, another user's state) leave nothing behind.
"""

import io
import os
import signal
import socket
import stat
import subprocess
import time

from e2e_support import BASE_IMAGE
from e2e_support import colcon_command
from e2e_support import data_package
from e2e_support import list_containers
from e2e_support import report
from e2e_support import Workspace
from test_repository_trust import _git
from test_repository_trust import _manifest
from test_signing import _make_key

PACKAGE_LABEL = 'io.colcon-deb-docker.package'


def _summary(result):
    return result.stdout.split('colcon deb summary:')[1]


def test_special_unreadable_and_unsupported_packages(make_workspace):
    workspace = make_workspace([])
    workspace.add_package('fifo_pkg', data_package('fifo_pkg'))
    source = workspace.root / 'src' / 'fifo_pkg'
    os.mkfifo(source / 'a-fifo')
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(source / 'a-socket'))
    os.mknod(source / 'a-device', stat.S_IFCHR | 0o600, os.makedev(1, 3))
    workspace.add_package('secret_pkg', data_package('secret_pkg'))
    # colcon finds it (CMakeLists.txt), but it has no package.xml
    workspace.add_package('plain_cmake', {
        'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.10)\n'
                          'project(plain_cmake NONE)\n'})
    cargo = data_package('cargo_pkg')
    cargo['package.xml'] = cargo['package.xml'].replace(
        '<build_type>cmake</build_type>', '<build_type>ament_cargo'
        '</build_type>')
    workspace.add_package('cargo_pkg', cargo)
    # last: add_package gives every file to the workspace's owner
    secret = workspace.root / 'src' / 'secret_pkg' / 'secret.txt'
    secret.write_text('only root reads this\n')
    os.chown(secret, 0, 0)
    secret.chmod(0o600)

    # neither the dry run nor the build may hang on the FIFO
    cmd, kwargs = colcon_command(workspace, '--dry-run', '--continue-on-error')
    dry = subprocess.run(cmd, **kwargs, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=300)
    print(dry.stdout)
    assert "'fifo_pkg': a-fifo is a FIFO, socket or device node" in \
        dry.stdout
    cmd, kwargs = colcon_command(workspace, '--continue-on-error')
    result = subprocess.run(cmd, **kwargs, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=600)
    print(result.stdout)
    assert result.returncode == 1
    assert 'Traceback' not in result.stdout
    for name in ('a-fifo', 'a-socket', 'a-device'):
        assert f"'fifo_pkg': {name} is a FIFO, socket or device node, not " \
            'a file: it is left out of the build' in result.stdout
    summary = _summary(result)
    assert any(d.startswith('ros-humble-fifo-pkg_') for d in workspace.debs())
    assert 'secret_pkg   failed' in summary
    assert 'cannot read src/secret_pkg/secret.txt: Permission denied' in \
        summary, summary
    assert 'plain_cmake' in result.stdout and 'not supported: colcon found ' \
        'a cmake package without a package.xml' in result.stdout
    assert "not supported: build type 'ament_cargo'" in result.stdout


def test_an_output_base_inside_a_package_is_not_part_of_it(make_workspace):
    workspace = make_workspace([])
    workspace.add_package('in_pkg', data_package('in_pkg'))
    args = ('--output-base', 'src/in_pkg/repo',
            '--build-base', 'src/in_pkg/scratch')
    workspace.colcon_deb(*args)
    assert report(workspace)['in_pkg']['status'] == 'built'
    workspace.colcon_deb(*args)
    assert report(workspace)['in_pkg']['status'] == 'up to date'


def test_state_of_another_user_is_reported_with_the_fix(make_workspace):
    workspace = make_workspace([])
    workspace.add_package('owned_pkg', data_package('owned_pkg'))
    # first as root ...
    cmd, kwargs = colcon_command(Workspace(workspace.root, 0, 0))
    first = subprocess.run(cmd, **kwargs, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    assert first.returncode == 0, first.stdout[-3000:]
    # ... then as the user: a clear message with the command that fixes it
    # (colcon-core itself fails on a log/ it cannot write, before any verb:
    # that one is colcon's, for `colcon build` too)
    subprocess.run(['chown', '-R', f'{workspace.uid}:{workspace.gid}',
                    str(workspace.root / 'log')], check=True)
    second = workspace.colcon_deb(check=False)
    assert second.returncode == 1
    fix = (f'sudo chown -R {workspace.uid}:{workspace.gid} '
           f'{workspace.root}/build_deb')
    assert 'belongs to uid 0, not to you' in second.stdout
    assert fix in second.stdout, second.stdout
    assert 'Traceback' not in second.stdout
    for directory in ('build_deb', 'deb'):
        subprocess.run(['chown', '-R', f'{workspace.uid}:{workspace.gid}',
                        str(workspace.root / directory)], check=True)
    third = workspace.colcon_deb()
    assert 'up to date' in third.stdout


def test_a_base_image_that_is_not_debian_says_so(make_workspace, engine):
    tag = 'colcon-deb-test/not-debian:1'
    dockerfile = (f"FROM {BASE_IMAGE}\nRUN printf 'ID=alpine\\n"
                  'PRETTY_NAME="Alpine Linux v3.19"\\n'
                  "' > /etc/os-release && rm /usr/bin/apt-get\n")
    engine.client.images.build(
        fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True)
    try:
        workspace = make_workspace([])
        workspace.add_package('any_pkg', data_package('any_pkg'))
        result = workspace.colcon_deb('--base-image', tag, check=False)
    finally:
        engine.client.images.remove(tag, force=True)
    assert result.returncode == 1
    assert f"colcon deb: error: base image '{tag}' is not Debian-like " \
        '(Alpine Linux v3.19)' in result.stdout
    assert 'Step 1/' not in result.stdout  # no raw docker build output


def _secret_key_file(workspace):
    """Return a new secret key's file in the workspace, the tester's."""
    secret = _make_key(workspace.root / 'gnupg', workspace.uid,
                       workspace.gid)
    key_file = workspace.root / 'key.asc'
    key_file.write_bytes(secret)
    os.chown(key_file, workspace.uid, workspace.gid)
    return key_file


def _assert_nothing_left(engine, *, keyring, record, ours):
    """Assert no keyring, no record of it, no agent and no container."""
    assert not os.path.exists(keyring)
    assert not record.exists()
    agents = subprocess.run(['pgrep', '-af', 'gpg-agent'],
                            stdout=subprocess.PIPE, text=True).stdout
    assert keyring not in agents
    assert list_containers(engine, all=True, filters=ours) == []


def test_kill_9_leaves_no_keyring_and_no_running_container(
    make_workspace, engine
):
    workspace = make_workspace([])
    workspace.add_package('slow_pkg', data_package(
        'slow_pkg', cmake_extra='execute_process(COMMAND sleep 300)'))
    key_file = _secret_key_file(workspace)
    cmd, kwargs = colcon_command(
        workspace, '--sign-key-file', str(key_file), '--timeout', '5')
    process = subprocess.Popen(cmd, **kwargs, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    ours = {'label': [f'{PACKAGE_LABEL}=slow_pkg', 'io.colcon-deb-docker.'
                      f'build-base={workspace.build_base_label}']}
    deadline = time.monotonic() + 120
    while not list_containers(engine, filters=ours):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    record = workspace.root / 'build_deb' / '.signing-keyring'
    keyring = record.read_text().strip()
    assert os.path.isdir(keyring)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # the container keeps its own deadline, host process or not
    deadline = time.monotonic() + 60
    while list_containers(engine, filters=ours):
        assert time.monotonic() < deadline, 'the container outlived ' \
            '--timeout with its host process gone'
        time.sleep(0.5)
    # the next run of the build base cleans up after the killed one
    workspace.add_package('slow_pkg', data_package('slow_pkg'))
    result = workspace.colcon_deb('--sign-key-file', str(key_file))
    assert 'deleted the temporary signing keyring a killed run left ' \
        'behind' in result.stdout
    assert 'a killed run of this build base left behind' in result.stdout
    _assert_nothing_left(engine, keyring=keyring, record=record, ours=ours)


def test_sigterm_outside_the_builds_leaves_no_keyring_nor_container(
    make_workspace, engine
):
    # a CI job cancelled while --verify ran: SIGTERM ended the process on
    # the spot (Python's default outside the builds), leaving the temporary
    # keyring with the secret key on disk, its gpg-agent running and the
    # verify container behind, until the next run of the build base
    workspace = make_workspace([])
    workspace.add_package('term_pkg', data_package('term_pkg'))
    key_file = _secret_key_file(workspace)
    cmd, kwargs = colcon_command(
        workspace, '--sign-key-file', str(key_file), '--verify')
    process = subprocess.Popen(
        cmd, **kwargs, start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    ours = {'label': 'io.colcon-deb-docker.build-base='
                     f'{workspace.build_base_label}'}
    record = workspace.root / 'build_deb' / '.signing-keyring'
    keyring = None
    deadline = time.monotonic() + 300
    while not any(c.name.endswith('-verify')
                  for c in list_containers(engine, filters=ours)):
        assert time.monotonic() < deadline, 'no verify container'
        assert process.poll() is None, process.stdout.read()
        if keyring is None and record.exists():
            keyring = record.read_text().strip()
        time.sleep(0.2)
    assert keyring and os.path.isdir(keyring)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    print(output)
    assert process.returncode == signal.SIGINT, output
    assert 'Traceback' not in output
    _assert_nothing_left(engine, keyring=keyring, record=record, ours=ours)


def test_an_unusable_build_base_says_which_and_why(make_workspace):
    workspace = make_workspace([])
    workspace.add_package('base_pkg', data_package('base_pkg'))
    not_a_directory = workspace.root / 'a-file'
    not_a_directory.write_text('')
    os.chown(not_a_directory, workspace.uid, workspace.gid)
    result = workspace.colcon_deb(
        '--build-base', str(not_a_directory / 'build'), check=False)
    assert result.returncode == 1
    assert f'colcon deb: error: cannot use the build base ' \
        f'{not_a_directory}/build: Not a directory' in result.stdout
    assert 'Traceback' not in result.stdout


def test_a_checkouts_git_config_runs_nothing_on_the_host(make_workspace):
    # colcon deb reads each package's commit with git on the host: git
    # status ran the checkout's fsmonitor and clean filter as the user
    workspace = make_workspace([])
    workspace.add_package('gitty', data_package('gitty'))
    (workspace.root / 'src/gitty/.gitattributes').write_text(
        '*.txt filter=evil\n')
    _git(workspace, 'init', '-q')
    _git(workspace, 'add', 'src')
    _git(workspace, 'commit', '-q', '-m', 'first')
    for key, value in (
            ('core.fsmonitor', f'touch {workspace.root}/fsmonitor-ran; false'),
            ('filter.evil.clean', f'touch {workspace.root}/filter-ran; cat')):
        _git(workspace, 'config', key, value)
    time.sleep(1.1)
    (workspace.root / 'src/gitty/data.txt').touch()
    workspace.colcon_deb()
    assert not list(workspace.root.glob('*-ran'))
    entry, = _manifest(workspace.repo)['debs']
    assert entry['provenance']['vcs']['commit'] == \
        _git(workspace, 'rev-parse', 'HEAD')

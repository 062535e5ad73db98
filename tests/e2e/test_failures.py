"""Bad inputs and interruptions: clear errors, nothing left behind."""

import os
from pathlib import Path
import re
import signal
import subprocess
import time

from e2e_support import anonymous_volumes
from e2e_support import cmake_package_xml
from e2e_support import colcon_command
from e2e_support import data_package

SLOW_PACKAGE = {
    'package.xml': cmake_package_xml(
        'slow_pkg', description='Takes a long time to configure.'),
    'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(slow_pkg NONE)
execute_process(COMMAND sleep 600)
install(FILES package.xml DESTINATION share/slow_pkg)
""",
}


def _our_containers(engine, workspace):
    return workspace.containers(engine)


def _start_until(engine, workspace, *args, until, timeout, poll, never):
    """Start colcon deb in its own process group; return the process.

    Returns once `until` holds for the workspace's containers (polled every
    `poll` seconds); fails with `never` after `timeout` seconds, or with
    the output if the process ended first.
    """
    cmd, kwargs = colcon_command(workspace, '--executor', 'parallel', *args)
    process = subprocess.Popen(
        cmd, **kwargs, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + timeout
    while not until(_our_containers(engine, workspace)):
        assert time.monotonic() < deadline, never
        assert process.poll() is None, process.stdout.read()
        time.sleep(poll)
    return process


def test_unreachable_engine_is_one_clear_line(make_workspace):
    workspace = make_workspace(['demo_geometry'])
    result = workspace.colcon_deb(
        '--docker-host', 'unix:///nonexistent/docker.sock', check=False)
    assert result.returncode == 1
    assert 'colcon deb: error: cannot reach the Docker engine at ' \
        'unix:///nonexistent/docker.sock: the socket does not exist' \
        in result.stdout
    assert 'Traceback' not in result.stdout


def test_missing_base_image_names_the_image_and_the_command(
    make_workspace, engine
):
    workspace = make_workspace(['demo_geometry'])
    result = workspace.colcon_deb(
        '--base-image', 'local/no-such-image:1', check=False)
    assert result.returncode == 1
    assert "image 'local/no-such-image:1' is not available" in result.stdout
    assert 'colcon-deb-base-image --tag local/no-such-image:1' \
        in result.stdout
    assert 'Traceback' not in result.stdout


def test_invalid_version_is_reported_and_the_rest_builds(
    make_workspace, base_image
):
    workspace = make_workspace(['demo_geometry'])
    workspace.add_package('bad_version', {
        'package.xml': """<?xml version="1.0"?>
<package format="3">
  <name>bad_version</name>
  <version>1.0</version>
  <description>x</description>
  <maintainer email="dev@example.com">A</maintainer>
  <license>MIT</license>
  <export><build_type>cmake</build_type></export>
</package>
"""})
    result = workspace.colcon_deb('--continue-on-error', check=False)
    assert result.returncode == 1
    assert "colcon deb: error: package 'bad_version': " in result.stdout
    assert 'bad_version/package.xml: ' in result.stdout
    assert 'bad_version/package.xml: Package version "1.0" does not ' \
        'follow version conventions' in result.stdout
    assert any('ros-humble-demo-geometry_' in d for d in workspace.debs())


def test_timeout_kills_the_container(make_workspace, engine, base_image):
    workspace = make_workspace([])
    workspace.add_package('slow_pkg', SLOW_PACKAGE)
    started = time.monotonic()
    result = workspace.colcon_deb('--timeout', '15', check=False)
    assert time.monotonic() - started < 300
    assert result.returncode != 0
    assert 'slow_pkg' in result.stdout
    assert 'timed out after 15' in result.stdout
    assert not _our_containers(engine, workspace)


def test_interrupt_removes_every_container(
    make_workspace, engine, base_image
):
    """Ctrl-C (SIGINT to the process group) and SIGTERM leave nothing."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        workspace = make_workspace(['demo_geometry'])
        workspace.add_package('slow_pkg', SLOW_PACKAGE)
        # the repository as it was before the interrupted run
        workspace.colcon_deb('--packages-select', 'demo_geometry')
        debs_before = workspace.debs()
        process = _start_until(
            engine, workspace, '--packages-select', 'slow_pkg',
            until=bool, timeout=120, poll=0.5, never='no container started')
        time.sleep(3)
        os.killpg(process.pid, sig)
        output, _ = process.communicate(timeout=120)
        print(output)
        assert process.returncode == signal.SIGINT, output
        assert not _our_containers(engine, workspace), output
        assert anonymous_volumes(engine) == []
        assert 'Traceback' not in output
        # removing the run's containers is what an interrupt asks for, not
        # a fault to warn of after the summary
        assert 'left running' not in output
        # the summary says what happened to it: nothing failed
        assert re.search(r'^  slow_pkg +interrupted', output, re.M), output
        # the interrupted package's scratch output is gone
        scratch = workspace.root / 'build_deb' / 'bookworm' / 'slow_pkg'
        assert not list(scratch.glob('*/debs'))
        # the repository still holds what it held, and apt can read it
        assert workspace.debs() == debs_before
        packages = (workspace.repo /
                    'dists/bookworm/main/binary-amd64/Packages').read_text()
        assert 'Package: ros-humble-demo-geometry' in packages


def test_an_interrupt_ahead_of_the_builds_leaves_nothing(
    make_workspace, engine, base_image
):
    """SIGTERM while bloom generates ahead of the builds leaves nothing.

    The signal lands before any build started: the handlers that remove
    the run's containers must already be there (they were installed only
    for the builds, so SIGTERM killed the process and left bloom's
    container behind).
    """
    workspace = make_workspace([])
    # enough packages that bloom runs a while in its one container
    for index in range(12):
        workspace.add_package(
            f'ahead_{index}', data_package(f'ahead_{index}'))
    process = _start_until(
        engine, workspace, until=lambda containers: any(
            c.name.endswith('-bloom-ahead') for c in containers),
        timeout=300, poll=0.05, never='bloom never ran ahead')
    os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=120)
    print(output)
    assert process.returncode == signal.SIGINT, output
    assert not _our_containers(engine, workspace), output
    assert 'Traceback' not in output
    assert not workspace.debs()


def test_a_vendor_package_that_downloads_says_so(make_workspace, base_image):
    # ROS vendor packages fetch their sources while they configure; without
    # a route to the host the build fails, and the reason says why
    workspace = make_workspace([])
    workspace.add_package('fetch_vendor', data_package(
        'fetch_vendor', cmake_extra="""
set(url https://github.invalid/vendor/src-1.0.tar.gz)
file(DOWNLOAD ${url} ${CMAKE_BINARY_DIR}/src.tar.gz
     STATUS status TIMEOUT 20)
list(GET status 0 code)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "downloading ${url} failed: ${status}")
endif()
"""))
    # a hang would end at --timeout, and say "timed out"
    result = workspace.colcon_deb('--timeout', '600', check=False)
    assert result.returncode != 0
    assert 'timed out' not in result.stdout
    assert "'fetch_vendor' failed: container exited with code" in \
        result.stdout, result.stdout[-3000:]
    assert 'tried to download during the build ' \
        '(https://github.invalid/vendor/src-1.0.tar.gz)' in result.stdout
    # and where its whole log is
    match = re.search(r'\(full log: (\S+stdout_stderr\.log)\)', result.stdout)
    assert match, result.stdout[-2000:]
    assert 'downloading https://github.invalid' in \
        Path(match.group(1)).read_text()

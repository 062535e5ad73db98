"""The shlibs step: which installed package ships a linked library."""

import importlib.util
import os
import subprocess

from colcon_deb_docker.helpers_path import helpers_dir


def _step():
    spec = importlib.util.spec_from_file_location(
        'add_sibling_library_depends',
        helpers_dir() / 'add-sibling-library-depends.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_search_output_names_each_library_s_first_owner():
    output = (
        'diversion by dash from: /opt/ros/humble/lib/libfoo.so\n'
        'ros-humble-rcutils: /opt/ros/humble/lib/librcutils.so\n'
        'ros-humble-yaml:amd64, ros-humble-yaml-extra: '
        '/opt/ros/humble/lib/libyaml.so\n'
        'ros-humble-other: /opt/ros/humble/lib/librcutils.so\n'
        'ros-humble-unasked: /opt/ros/humble/lib/librt.so\n')
    assert _step().owning_packages(
        output, {'librcutils.so', 'libyaml.so', 'libfoo.so'}) == {
        'librcutils.so': 'ros-humble-rcutils', 'libyaml.so': 'ros-humble-yaml'}


def test_owners_asks_dpkg_twice_for_all_libraries(monkeypatch):
    # the machine's own dpkg database: libc.so.6 is libc6's, listed under
    # /lib (bookworm) or /usr/lib (trixie)
    version = subprocess.run(
        ['dpkg-query', '-W', '-f', '${Version}', 'libc6'],
        capture_output=True, text=True, check=True).stdout
    listed = subprocess.run(
        ['dpkg-query', '-L', 'libc6'],
        capture_output=True, text=True, check=True).stdout.splitlines()
    path, = [p for p in listed if p.endswith('/libc.so.6')]
    prefix = os.path.dirname(os.path.dirname(path))  # the lib/<triplet> up
    step = _step()
    runs, real_run = [], subprocess.run

    def run(command, **kwargs):
        runs.append(command[:2])
        return real_run(command, **kwargs)
    monkeypatch.setattr(step.subprocess, 'run', run)
    found = step.owners(
        prefix, {'libc.so.6', 'libm.so.6', 'libfoo-missing.so.9'})
    assert found == {'libc.so.6': ('libc6', version),
                     'libm.so.6': ('libc6', version)}
    # one search for all three, one version query for their one owner
    assert runs == [['dpkg-query', '-S'], ['dpkg-query', '-W']]
    runs.clear()
    assert step.owners(prefix, set()) == {}
    assert runs == []

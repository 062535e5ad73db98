"""ROS 2 packages as bloom-release makes them; a --verify that they run.

A small stand-in of a ROS 2 stack ships here (CI cannot fetch the real
one): ``ros_workspace`` installs ``/opt/ros/humble/setup.sh`` like the real
package; ``rt_core`` and ``rt_impl`` are libraries with unversioned sonames
(as every ROS library); ``rt_app`` links both but, like rclcpp users that
link the one RMW directly, declares only a build dependency on
``rt_impl``; ``rt_msgs`` is an interface package.
"""

import re
import subprocess

from e2e_support import cmake_package_xml
from e2e_support import data_package
from e2e_support import package_log
import pytest

SETUP_SH = """# generated from ros_workspace (test stand-in)
_prefix=@CMAKE_INSTALL_PREFIX@
export PATH="$_prefix/bin:$PATH"
export LD_LIBRARY_PATH="$_prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export AMENT_PREFIX_PATH="$_prefix${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
export CMAKE_PREFIX_PATH="$_prefix${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
unset _prefix
"""


def _package_xml(name, *, description, depends, build_depends):
    """Return a CMake package.xml with some build-only dependencies."""
    xml = cmake_package_xml(name, description=description, depends=depends)
    return xml.replace('  <export>', ''.join(
        f'  <build_depend>{d}</build_depend>\n' for d in build_depends)
        + '  <export>')


def _find_libraries(links):
    """Return (CMake find calls, link list, include list) of libraries."""
    find = ''.join(
        f'find_library({lib.upper()}_LIB {lib} REQUIRED)\n'
        f'find_path({lib.upper()}_INC {lib}.h REQUIRED)\n' for lib in links)
    link = ' '.join(f'${{{lib.upper()}_LIB}}' for lib in links)
    incs = ' '.join(f'${{{lib.upper()}_INC}}' for lib in links)
    return find, link, incs


def _library(name, *, depends=(), build_depends=(), links=()):
    xml = _package_xml(name, description=f'Test library {name}.',
                       depends=depends, build_depends=build_depends)
    find, link, incs = _find_libraries(links)
    calls = ''.join(f'  {lib}_value();\n' for lib in links)
    return {
        'package.xml': xml,
        'CMakeLists.txt': f"""cmake_minimum_required(VERSION 3.10)
project({name} C)
{find}add_library({name} SHARED {name}.c)
target_include_directories({name} PUBLIC include {incs})
target_link_libraries({name} {link})
install(TARGETS {name} LIBRARY DESTINATION lib)
install(FILES include/{name}.h DESTINATION include)
install(FILES package.xml DESTINATION share/{name})
""",
        f'include/{name}.h': f'int {name}_value(void);\n',
        f'{name}.c': f'#include "{name}.h"\n' + ''.join(
            f'#include "{lib}.h"\n' for lib in links)
        + f'int {name}_value(void) {{\n{calls}  return 21;\n}}\n',
    }


def _app(name, *, depends, build_depends, links):
    xml = _package_xml(name, description=f'Test program {name}.',
                       depends=depends, build_depends=build_depends)
    find, link, incs = _find_libraries(links)
    return {
        'package.xml': xml,
        'CMakeLists.txt': f"""cmake_minimum_required(VERSION 3.10)
project({name} C)
{find}add_executable({name} main.c)
target_include_directories({name} PRIVATE {incs})
target_link_libraries({name} {link})
install(TARGETS {name} RUNTIME DESTINATION lib/{name})
install(TARGETS {name} RUNTIME DESTINATION bin)
install(FILES package.xml DESTINATION share/{name})
""",
        'main.c': '#include <stdio.h>\n' + ''.join(
            f'#include "{lib}.h"\n' for lib in links)
        + 'int main(void) {\n  printf("rt says %d\\n", '
        + ' + '.join(f'{lib}_value()' for lib in links) + ');\n'
        + '  return 0;\n}\n',
    }


def _ros_workspace():
    return {
        'package.xml': cmake_package_xml(
            'ros_workspace', description='Installs the prefix setup.sh.'),
        'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(ros_workspace NONE)
configure_file(setup.sh.in setup.sh @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/setup.sh
        DESTINATION ${CMAKE_INSTALL_PREFIX})
install(FILES package.xml DESTINATION share/ros_workspace)
""",
        'setup.sh.in': SETUP_SH,
    }


def _interface_package():
    files = data_package('rt_msgs')
    files['package.xml'] = files['package.xml'].replace(
        '  <export>',
        '  <member_of_group>rosidl_interface_packages</member_of_group>\n'
        '  <export>')
    return files


def _add_stack(workspace):
    workspace.add_package('ros_workspace', _ros_workspace())
    workspace.add_package('rt_core', _library('rt_core'))
    workspace.add_package('rt_impl', _library('rt_impl'))
    workspace.add_package('rt_app', _app(
        'rt_app', depends=['rt_core'], build_depends=['rt_impl'],
        links=['rt_core', 'rt_impl']))
    workspace.add_package(
        'rosidl_typesupport_fastrtps_c',
        data_package('rosidl_typesupport_fastrtps_c'))
    workspace.add_package('rt_msgs', _interface_package())


def _field(control, name):
    match = re.search(rf'^{name}: (.*)$', control, re.M)
    return match.group(1) if match else ''


def _control(workspace, package):
    deb = next(workspace.repo.glob(f'pool/main/*/{package}_*.deb'))
    return subprocess.run(
        ['dpkg-deb', '-f', str(deb)], check=True, stdout=subprocess.PIPE,
        text=True).stdout


@pytest.fixture(scope='module')
def ros2_stack(make_workspace, base_image):
    workspace = make_workspace(packages=[])
    _add_stack(workspace)
    result = workspace.colcon_deb('--verify', '--build-jobs', '2')
    return workspace, result


def test_a_package_built_alone_gets_every_core(ros2_stack):
    # bloom writes debhelper compat 9, where dh runs make -j1 unless told
    # --parallel: the bloom step tells it, DEB_BUILD_OPTIONS says how many
    # (the build tool is ninja: see dh-auto-cmake-ninja.sh)
    workspace, _ = ros2_stack
    log = package_log(workspace, 'rt_core')
    assert re.search(r'\bninja -j2\b', log), log[-2000:]


def test_every_package_depends_on_ros_workspace_as_bloom_release(ros2_stack):
    workspace, _ = ros2_stack
    for name in ('rt-core', 'rt-impl', 'rt-app', 'rt-msgs',
                 'rosidl-typesupport-fastrtps-c'):
        control = _control(workspace, f'ros-humble-{name}')
        assert re.search(
            r'ros-humble-ros-workspace \(>= [^)]+\)', control), control
    # ros_workspace itself does not depend on itself
    assert 'ros-workspace' not in _field(_control(
        workspace, 'ros-humble-ros-workspace'), 'Depends')


def test_interface_packages_build_after_the_typesupport(ros2_stack):
    workspace, result = ros2_stack
    log = (workspace.root / 'log' / 'latest_deb' / 'events.log').read_text()
    # bloom-release's typesupport build dependency: in the workspace, so
    # added and ordered; the _cpp one is nowhere, so left out, said so
    assert 'ros-humble-rosidl-typesupport-fastrtps-c' in log
    assert 'left out (no workspace package, unknown to apt): ' \
        'ros-humble-rosidl-typesupport-fastrtps-cpp' in log
    order = [line for line in log.splitlines() if 'JobStarted' in line]
    started = [re.search(r'\((\w+)\)', line).group(1) for line in order]
    assert started.index('rosidl_typesupport_fastrtps_c') < \
        started.index('rt_msgs'), started


def test_a_linked_sibling_library_becomes_a_dependency(ros2_stack):
    workspace, _ = ros2_stack
    control = _control(workspace, 'ros-humble-rt-app')
    depends = _field(control, 'Depends')
    # declared in package.xml
    assert 'ros-humble-rt-core' in depends
    # only a build dependency in package.xml, but linked: dpkg-shlibdeps
    # cannot map librt_impl.so; the shlibs step adds it
    assert re.search(r'ros-humble-rt-impl \(>= [^)]+\)', depends), depends


def test_verify_proves_the_programs_run(ros2_stack):
    _, result = ros2_stack
    assert 'verify: runtime (ros-humble-rt-app: 4 check(s))' \
        in result.stdout, result.stdout[-3000:]
    assert 'runtime-failed' not in result.stdout


def test_installed_program_runs_after_sourcing_setup(
        ros2_stack, engine, base_image):
    workspace, _ = ros2_stack
    output = engine.client.containers.run(
        base_image, remove=True, command=['sh', '-ec', """
            echo "deb [trusted=yes] file:/repo bookworm main" \
                > /etc/apt/sources.list.d/colcon-deb.list
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                ros-humble-rt-app > /dev/null
            . /opt/ros/humble/setup.sh
            rt_app"""],
        volumes={str(workspace.repo): {'bind': '/repo', 'mode': 'ro'}})
    assert output.decode().strip() == 'rt says 42'


def test_verify_on_an_up_to_date_repository_verifies(ros2_stack):
    workspace, _ = ros2_stack
    again = workspace.colcon_deb('--verify')
    assert 'verify: runtime (ros-humble-rt-app: 4 check(s))' in again.stdout


BROKEN_RULES = """#!/usr/bin/make -f
%:
\tdh $@ --buildsystem=cmake
override_dh_auto_configure:
\t. /opt/ros/humble/setup.sh && dh_auto_configure -- \\
\t    -DCMAKE_INSTALL_PREFIX=/opt/ros/humble
override_dh_shlibdeps:
\t# a hand-written debian/ that forgets its library dependencies
"""

BROKEN_CONTROL = """Source: ros-humble-rt-broken
Section: misc
Priority: optional
Maintainer: Demo Maintainer <dev@example.com>
Build-Depends: debhelper-compat (= 13), cmake, ros-humble-rt-impl
Standards-Version: 4.6.2

Package: ros-humble-rt-broken
Architecture: any
Depends: ${misc:Depends}
Description: links librt_impl.so without depending on it
"""

BROKEN_CHANGELOG = """\
ros-humble-rt-broken (0.1.0-0bookworm) bookworm; urgency=low

  * test

 -- Demo Maintainer <dev@example.com>  Mon, 23 Nov 2026 00:00:00 +0000
"""


def test_verify_names_the_package_and_the_missing_library(
        make_workspace, base_image):
    workspace = make_workspace(packages=[])
    _add_stack(workspace)
    files = _app('rt_broken', depends=['rt_impl'], build_depends=[],
                 links=['rt_impl'])
    files.update({'debian/control': BROKEN_CONTROL,
                  'debian/rules': BROKEN_RULES,
                  'debian/changelog': BROKEN_CHANGELOG})
    workspace.add_package('rt_broken', files)
    result = workspace.colcon_deb(
        '--verify', '--packages-up-to', 'rt_broken', check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    assert ('colcon deb: verification: ros-humble-rt-broken: '
            '/opt/ros/humble/bin/rt_broken needs librt_impl.so, shipped by '
            'ros-humble-rt-impl, which ros-humble-rt-broken does not '
            'depend on') in result.stdout, result.stdout[-3000:]

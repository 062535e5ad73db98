"""--verify installs everything in one apt run, and names what fails.

helpers/verify-install.sh installs all the packages with one apt-get run;
only when that fails does it install them one at a time, so that each
package that does not install is named, and the others are still checked.
"""

from e2e_support import data_package

CONTROL = """Source: ros-humble-uninstallable
Section: misc
Priority: optional
Maintainer: Demo Maintainer <dev@example.com>
Build-Depends: debhelper-compat (= 13), cmake
Standards-Version: 4.6.2

Package: ros-humble-uninstallable
Architecture: any
Depends: colcon-deb-no-such-package, ${misc:Depends}
Description: depends on a package no repository has
"""

RULES = """#!/usr/bin/make -f
%:
\tdh $@ --buildsystem=cmake
override_dh_auto_configure:
\tdh_auto_configure -- -DCMAKE_INSTALL_PREFIX=/opt/ros/humble
"""

CHANGELOG = """\
ros-humble-uninstallable (0.1.0-0bookworm) bookworm; urgency=low

  * test

 -- Demo Maintainer <dev@example.com>  Mon, 23 Nov 2026 00:00:00 +0000
"""


def test_a_package_that_does_not_install_is_named_and_the_rest_verified(
        make_workspace):
    workspace = make_workspace([])
    workspace.add_package('fine_a', data_package('fine_a'))
    workspace.add_package('fine_b', data_package('fine_b', depends=['fine_a']))
    files = data_package('uninstallable')
    files.update({'debian/control': CONTROL, 'debian/rules': RULES,
                  'debian/changelog': CHANGELOG})
    workspace.add_package('uninstallable', files)

    result = workspace.colcon_deb('--verify', check=False)
    out = result.stdout
    assert result.returncode == 1, out[-3000:]
    assert 'verify: retry (one package at a time' in out, out[-3000:]
    assert ('colcon deb: verification: ros-humble-uninstallable does not '
            'install') in out, out[-3000:]
    for name in ('ros-humble-fine-a', 'ros-humble-fine-b'):
        assert f'verify: installed ({name})' in out, out[-3000:]
    assert 'verify: installed (ros-humble-uninstallable)' not in out

    # without it, one apt run installs the rest: no retry
    result = workspace.colcon_deb(
        '--verify', '--packages-select', 'fine_a', 'fine_b')
    assert 'verify: retry' not in result.stdout
    for name in ('ros-humble-fine-a', 'ros-humble-fine-b'):
        assert f'verify: installed ({name})' in result.stdout


def test_programs_start_eight_at_a_time_and_each_is_judged(make_workspace):
    # nine programs that keep running past the 5 s (they count as started)
    # and, after the first batch of eight, one that cannot import
    programs = {f'prog{i:02}': '#!/bin/sh\nexec sleep 30\n'
                for i in range(1, 10)}
    programs['prog10'] = '#!/usr/bin/python3\nimport colcon_deb_no_such\n'
    workspace = make_workspace([])
    files = data_package('many_programs', depends=['python3'])
    files['CMakeLists.txt'] = f"""cmake_minimum_required(VERSION 3.10)
project(many_programs NONE)
install(PROGRAMS {' '.join(sorted(programs))} DESTINATION bin)
install(FILES package.xml DESTINATION share/many_programs)
"""
    files.update(programs)
    workspace.add_package('many_programs', files)

    result = workspace.colcon_deb('--verify', check=False)
    out = result.stdout
    assert result.returncode == 1, out[-3000:]
    assert 'verify: runtime (ros-humble-many-programs: 10 check(s))' in out
    failures = [line for line in out.splitlines()
                if line.startswith('colcon deb: verification:')]
    assert failures == [
        'colcon deb: verification: ros-humble-many-programs: '
        '/opt/ros/humble/bin/prog10 does not start: ModuleNotFoundError: '
        "No module named 'colcon_deb_no_such'"], out[-3000:]

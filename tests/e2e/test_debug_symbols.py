"""--no-debug-symbols: compiled without -g, no -dbgsym package.

By default a C++ package is compiled with Debian's -g -O2 and its debug
symbols land in <package>-dbgsym; with the option the compiler never sees
-g, dh_strip makes no -dbgsym, and the changed option alone rebuilds the
package (it is part of the fingerprint).
"""

import re

from e2e_support import cmake_package_xml


def _compile_lines(workspace, name):
    log = workspace.root / 'log' / 'latest_deb' / name / 'stdout_stderr.log'
    return [line for line in log.read_text().splitlines()
            if re.search(r'c\+\+ .*-c .*main\.cpp', line)]


def test_no_debug_symbols_compiles_without_g_and_makes_no_dbgsym(
    make_workspace
):
    workspace = make_workspace([])
    workspace.add_package('hello_cpp', {
        'package.xml': cmake_package_xml('hello_cpp', description='Hello.'),
        'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(hello_cpp CXX)
add_executable(hello_cpp main.cpp)
install(TARGETS hello_cpp DESTINATION bin)
""",
        'main.cpp': 'int main() { return 0; }\n',
    })
    workspace.colcon_deb('--no-debug-symbols')
    lines = _compile_lines(workspace, 'hello_cpp')
    assert lines and not any(re.search(r' -g( |$)', x) for x in lines), lines
    assert all(' -O2' in x for x in lines), lines
    assert not [d for d in workspace.debs() if '-dbgsym' in d]

    # the default again: rebuilt (another fingerprint), -g and a -dbgsym
    workspace.colcon_deb()
    lines = _compile_lines(workspace, 'hello_cpp')
    assert lines and all(re.search(r' -g( |$)', x) for x in lines), lines
    assert [d for d in workspace.debs() if '-dbgsym' in d]

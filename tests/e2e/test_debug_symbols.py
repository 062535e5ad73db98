"""--debug-symbols: full (the default), lean or none.

By default a C++ package is compiled with Debian's -g -O2 and its debug
symbols land in <package>-dbgsym; with none (--no-debug-symbols) the
compiler never sees -g and dh_strip makes no -dbgsym; with lean it gets
-g -fno-var-tracking-assignments and there is a -dbgsym.  A changed
choice alone rebuilds the package (it is part of the fingerprint).  A
-dbgsym package is compressed with gzip -1 (its debug sections are
compressed already), every other one with dpkg-deb's xz -6.
"""

import re
import subprocess

from e2e_support import cmake_package_xml


def _compile_lines(workspace, name):
    log = workspace.root / 'log' / 'latest_deb' / name / 'stdout_stderr.log'
    return [line for line in log.read_text().splitlines()
            if re.search(r'c\+\+ .*-c .*main\.cpp', line)]


def _data_member(deb):
    """Return the name of a .deb's data member (data.tar.xz, ...)."""
    members = subprocess.run(['ar', 't', str(deb)], check=True,
                             capture_output=True, text=True).stdout.split()
    data, = [m for m in members if m.startswith('data.tar')]
    return data


def _gzip_extra_flags(deb):
    """Return the XFL byte of a .deb's data.tar.gz header.

    zlib writes 4 there for its fastest level (-1), 2 for -9, 0 between.
    """
    header = subprocess.run(['ar', 'p', str(deb), 'data.tar.gz'],
                            check=True, capture_output=True).stdout[:10]
    assert header[:2] == b'\x1f\x8b', header
    return header[8]


def _xz_dictionary(deb, tmp_path):
    """Return the LZMA2 dictionary of a .deb's data.tar.xz (e.g. '1MiB').

    xz's presets differ in it: -1 uses 1 MiB, -6 (dpkg-deb's default)
    8 MiB (less only for a payload smaller than that).
    """
    assert _data_member(deb) == 'data.tar.xz'
    payload = tmp_path / (deb.name + '.data.tar.xz')
    payload.write_bytes(subprocess.run(
        ['ar', 'p', str(deb), 'data.tar.xz'], check=True,
        capture_output=True).stdout)
    # xz lists files only, not a pipe
    listing = subprocess.run(['xz', '--robot', '--list', '-vv', str(payload)],
                             check=True, capture_output=True, text=True)
    return re.search(r'--lzma2=dict=(\w+)', listing.stdout).group(1)


def test_each_debug_symbols_choice_sets_g_and_the_dbgsym(
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
    assert not any('-fno-var-tracking-assignments' in x for x in lines)
    assert [d for d in workspace.debs() if '-dbgsym' in d]

    # lean: rebuilt again, -g without variable tracking at assignments,
    # still a -dbgsym
    workspace.colcon_deb('--debug-symbols', 'lean')
    lines = _compile_lines(workspace, 'hello_cpp')
    assert lines and all(
        re.search(r' -g( |$)', x) and
        re.search(r' -fno-var-tracking-assignments( |$)', x)
        for x in lines), lines
    assert [d for d in workspace.debs() if '-dbgsym' in d]


def test_dbgsym_packages_get_the_lighter_compression(
    make_workspace, tmp_path
):
    workspace = make_workspace([])
    # a payload over 1 MiB, where xz -1 and -6 differ: a data file of
    # 1.2 MB beside a small library (compiling 30,000 functions instead
    # took 25 s of the suite)
    functions = ''.join(
        f'int f{i}(int x) {{ return x * {i} + {i % 7}; }}\n'
        for i in range(30000))
    workspace.add_package('big_cpp', {
        'package.xml': cmake_package_xml('big_cpp', description='Big.'),
        'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(big_cpp CXX)
add_library(big_cpp SHARED small.cpp)
install(TARGETS big_cpp DESTINATION lib)
install(FILES big.cpp DESTINATION share/big_cpp)
""",
        'small.cpp': 'int f(int x) { return x * 3 + 1; }\n',
        'big.cpp': functions,
    })
    workspace.colcon_deb()
    pool = workspace.repo / 'pool' / 'main'
    dbgsym, = pool.glob('*/ros-*-big-cpp-dbgsym_*.deb')
    main, = pool.glob('*/ros-*-big-cpp_*.deb')
    assert _data_member(dbgsym) == 'data.tar.gz'
    assert _gzip_extra_flags(dbgsym) == 4
    assert _xz_dictionary(main, tmp_path) == '8MiB'

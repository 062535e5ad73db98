"""CMake packages build with the Ninja generator inside dpkg-buildpackage.

helpers/dh-auto-cmake-ninja.sh turns the `--buildsystem=cmake` of bloom's
rules into debhelper's `cmake+ninja` for every dh_auto_* step, and hands
the build's load limit (-lN of MAKEFLAGS) to ninja, which does not read
MAKEFLAGS.  A tree whose CMake code runs `$(MAKE)`, make syntax that only
the Makefile generator expands, keeps the Makefiles: under Ninja its
build would fail.  Both packages below compile and install what they did
before, and record which generator their configure saw.
"""

import re

from e2e_support import cmake_package_xml
from e2e_support import extracted_package
from e2e_support import package_log

CMAKE_LISTS = """cmake_minimum_required(VERSION 3.10)
project({name} C)
add_library({name} SHARED {name}.c)
file(WRITE ${{CMAKE_CURRENT_BINARY_DIR}}/generator.txt "${{CMAKE_GENERATOR}}")
install(TARGETS {name} LIBRARY DESTINATION lib)
install(FILES ${{CMAKE_CURRENT_BINARY_DIR}}/generator.txt
  DESTINATION share/{name})
{extra}"""

#: a sub-make, as some vendor packages run one
MAKE_SYNTAX = """add_custom_target(sub_make ALL
  COMMAND $(MAKE) -f ${CMAKE_CURRENT_SOURCE_DIR}/sub.mk
    OUT=${CMAKE_CURRENT_BINARY_DIR}/sub.txt)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sub.txt
  DESTINATION share/make_syntax_pkg)
"""

SUB_MAKEFILE = """all:
\techo made by a sub-make > $(OUT)
"""


def _package(name, *, extra=''):
    return {
        'package.xml': cmake_package_xml(
            name, description='Records the CMake generator.'),
        'CMakeLists.txt': CMAKE_LISTS.format(name=name, extra=extra),
        f'{name}.c': f'int {name}_answer(void) {{ return 42; }}\n',
    }


def test_ninja_generator_and_make_syntax_kept_on_makefiles(
    make_workspace, tmp_path
):
    workspace = make_workspace([])
    workspace.add_package('ninja_pkg', _package('ninja_pkg'))
    files = _package('make_syntax_pkg', extra=MAKE_SYNTAX)
    files['sub.mk'] = SUB_MAKEFILE
    workspace.add_package('make_syntax_pkg', files)
    workspace.colcon_deb()

    ninja = extracted_package(workspace, tmp_path, 'ninja_pkg')
    assert (ninja / 'share/ninja_pkg/generator.txt').read_text() == 'Ninja'
    assert (ninja / 'lib/libninja_pkg.so').is_file()
    log = package_log(workspace, 'ninja_pkg')
    # debhelper's ninja build with the load limit of every build
    assert re.search(r'\bninja -j\d+ -v -l[\d.]+\s*$', log, re.M), log
    assert re.search(r'\bninja install\b', log), log

    made = extracted_package(workspace, tmp_path, 'make_syntax_pkg')
    assert (made / 'share/make_syntax_pkg/generator.txt').read_text() == \
        'Unix Makefiles'
    assert (made / 'share/make_syntax_pkg/sub.txt').read_text() == \
        'made by a sub-make\n'
    assert (made / 'lib/libmake_syntax_pkg.so').is_file()

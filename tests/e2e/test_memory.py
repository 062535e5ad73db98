"""Memory: a limit per build container, named when a build goes over it."""

import re

from e2e_support import cmake_package_xml
from e2e_support import data_package

GREEDY_PACKAGE = {
    'package.xml': cmake_package_xml(
        'greedy_pkg', description='Needs more memory than it gets.'),
    # 400 MiB actually written, more than the 256 MiB limit below
    'CMakeLists.txt': """cmake_minimum_required(VERSION 3.10)
project(greedy_pkg NONE)
execute_process(
  COMMAND python3 -c "x = b'x' * (400 * 2 ** 20); print(len(x))"
  RESULT_VARIABLE rv)
if(NOT rv EQUAL 0)
  message(FATAL_ERROR "the allocation failed: ${rv}")
endif()
install(FILES package.xml DESTINATION share/greedy_pkg)
""",
}


def test_a_build_over_its_limit_is_named_out_of_memory(
    make_workspace, engine, base_image
):
    workspace = make_workspace([])
    workspace.add_package('greedy_pkg', GREEDY_PACKAGE)
    workspace.add_package('modest_pkg', data_package('modest_pkg'))
    result = workspace.colcon_deb(
        '--job-memory', '256m', '--memory', '512m', '--continue-on-error',
        check=False)
    assert result.returncode != 0
    line = re.search(r"colcon deb: 'greedy_pkg' failed: .*", result.stdout)
    assert line, result.stdout
    # which package, which limit, what to change; not a bare status 137
    assert 'out of memory (limit 256 MiB a build)' in line.group(0), \
        line.group(0)
    assert '--job-memory' in line.group(0)
    # without the limit 400 MiB would do on this machine; with it, the
    # modest package builds
    assert any('ros-humble-modest-pkg_' in d for d in workspace.debs())

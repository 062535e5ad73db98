"""CMake's FindPython asks the standard library's distutils at configure.

helpers/dh-auto-configure-stdlib-distutils.sh sets
SETUPTOOLS_USE_DISTUTILS=stdlib for the CMake configure of a package
without a setup.py, so that FindPython's `from distutils import sysconfig`
does not import setuptools (0.25 s of an ament_cmake package's configure).
The package below records what its configure saw (that variable and
FindPython's answers) and what its build saw: the configure gets the
variable and the same Debian layout as before, the build does not get it,
and a package with a setup.py keeps setuptools' distutils at configure too.
"""


from e2e_support import cmake_package_xml
from e2e_support import extracted_package

CMAKE_LISTS = """cmake_minimum_required(VERSION 3.10)
project({name} NONE)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(out ${{CMAKE_CURRENT_BINARY_DIR}})
file(WRITE ${{out}}/configure.txt
  "variable=$ENV{{SETUPTOOLS_USE_DISTUTILS}}
sitelib=${{Python3_SITELIB}}
sitearch=${{Python3_SITEARCH}}
stdlib=${{Python3_STDLIB}}
soabi=${{Python3_SOABI}}
")
add_custom_command(OUTPUT ${{out}}/build.txt
  COMMAND python3 ${{CMAKE_CURRENT_SOURCE_DIR}}/record_build.py ${{out}}
  DEPENDS record_build.py)
add_custom_target(record ALL DEPENDS ${{out}}/build.txt)
install(FILES ${{out}}/configure.txt ${{out}}/build.txt
  DESTINATION share/{name})
"""

RECORD_BUILD = """import os
import sys

with open(os.path.join(sys.argv[1], 'build.txt'), 'w') as f:
    f.write('variable=%s\\n' % os.environ.get('SETUPTOOLS_USE_DISTUTILS', ''))
"""


def _package(name, *, with_setup_py):
    files = {
        'package.xml': cmake_package_xml(
            name, description='Records what FindPython answered.'),
        'CMakeLists.txt': CMAKE_LISTS.format(name=name),
        'record_build.py': RECORD_BUILD,
    }
    if with_setup_py:  # never run: the build type is cmake
        files['setup.py'] = 'raise SystemExit("not to be run")\n'
    return files


def _recorded(workspace, tmp_path, name):
    share = extracted_package(workspace, tmp_path, name) / 'share' / name
    return [dict(line.split('=', 1) for line in
                 (share / f'{step}.txt').read_text().splitlines())
            for step in ('configure', 'build')]


def test_configure_gets_stdlib_distutils_with_the_same_answers(
    make_workspace, tmp_path
):
    workspace = make_workspace([])
    workspace.add_package('python_facts',
                          _package('python_facts', with_setup_py=False))
    workspace.add_package('python_facts_setup',
                          _package('python_facts_setup', with_setup_py=True))
    workspace.colcon_deb()

    configure, build = _recorded(workspace, tmp_path, 'python_facts')
    assert configure['variable'] == 'stdlib'
    assert build['variable'] == ''
    # Debian's layout, as setuptools' distutils answers it on bookworm
    assert configure['sitelib'] == '/usr/lib/python3/dist-packages'
    assert configure['sitearch'] == '/usr/lib/python3/dist-packages'
    assert configure['stdlib'] == '/usr/lib/python3.11'
    assert configure['soabi'] == 'cpython-311-x86_64-linux-gnu'

    with_setup, build = _recorded(workspace, tmp_path, 'python_facts_setup')
    assert with_setup['variable'] == ''
    assert build['variable'] == ''
    assert {k: v for k, v in with_setup.items() if k != 'variable'} == \
        {k: v for k, v in configure.items() if k != 'variable'}

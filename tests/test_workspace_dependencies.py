"""A job waits for, and its build gets, what apt-get build-dep would give.

Never the test dependencies of a dependency (colcon-core recurses into
every category of a dependency when given a plain list of categories).
"""

import argparse
from types import SimpleNamespace

from colcon_core.package_selection import add_arguments
from colcon_core.package_selection import get_packages
from colcon_deb_docker.job_runner import set_build_closures
from colcon_deb_docker.workspace_dependencies import RUN_DEPENDENCIES_ONLY
from colcon_deb_docker.workspace_dependencies import set_job_dependencies
import pytest


def _package(root, name, **depends):
    lines = ''.join(
        f'  <{tag}>{dependency}</{tag}>\n'
        for tag, names in depends.items() for dependency in names)
    (root / name).mkdir()
    (root / name / 'package.xml').write_text(f"""<?xml version="1.0"?>
<package format="3">
  <name>{name}</name>
  <version>0.1.0</version>
  <description>{name}</description>
  <maintainer email="dev@example.com">Dev</maintainer>
  <license>Apache-2.0</license>
  <buildtool_depend>cmake</buildtool_depend>
{lines}  <export><build_type>cmake</build_type></export>
</package>
""")


@pytest.fixture
def decorators(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    _package(src, 'library')  # a header a test of `base` uses
    _package(src, 'runtime')
    _package(src, 'tool')
    _package(src, 'base', test_depend=['library'], exec_depend=['runtime'],
             buildtool_export_depend=['tool'])
    _package(src, 'app', build_depend=['base'])
    _package(src, 'tested', test_depend=['library'])
    _package(src, 'launcher', exec_depend=['app'])
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(['--base-paths', str(src)])
    # as the verb asks colcon (verb/deb.py)
    return get_packages(args, recursive_categories=('run', ))


def _by_name(decorators):
    return {d.descriptor.name: set(d.recursive_dependencies)
            for d in decorators}


def test_a_job_never_waits_for_the_tests_of_its_dependencies(decorators):
    # what colcon-core makes of ('run', ): every category of a dependency
    assert 'library' in _by_name(decorators)['app']
    set_job_dependencies(decorators, with_tests=False)
    jobs = _by_name(decorators)
    # base's run and buildtool_export dependencies, not its test one
    assert jobs['app'] == {'base', 'runtime', 'tool'}
    assert jobs['tested'] == set()
    # run dependencies are waited for (the .deb requires this run's
    # versions of them), and theirs; not their build dependencies
    assert jobs['launcher'] == {'app'}
    set_job_dependencies(decorators, with_tests=True)
    jobs = _by_name(decorators)
    assert jobs['app'] == {'base', 'runtime', 'tool'}
    assert jobs['tested'] == {'library'}


def test_a_build_gets_no_test_dependency_of_a_dependency(decorators):
    session = SimpleNamespace(build_closure={})
    set_build_closures(session, decorators, with_tests=False)
    assert session.build_closure['app'] == {'base', 'runtime', 'tool'}
    assert session.build_closure['tested'] == set()
    # a run dependency is no build dependency
    assert session.build_closure['launcher'] == set()
    set_build_closures(session, decorators, with_tests=True)
    assert session.build_closure['app'] == {'base', 'runtime', 'tool'}
    assert session.build_closure['tested'] == {'library'}


def test_any_category_recurses_into_run_dependencies_only():
    assert RUN_DEPENDENCIES_ONLY['build'] == ('run', )
    assert RUN_DEPENDENCIES_ONLY.get('doc') == ('run', )
    assert dict(RUN_DEPENDENCIES_ONLY) == {
        'build': ('run', ), 'run': ('run', ), 'test': ('run', )}

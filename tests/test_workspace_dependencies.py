"""A job waits for, and its build gets, what apt-get build-dep would give.

Never the test dependencies of a dependency (colcon-core recurses into
every category of a dependency when given a plain list of categories).
"""

import argparse
from types import SimpleNamespace

from colcon_core.package_selection import add_arguments
from colcon_core.package_selection import get_packages
from colcon_deb_docker.job_runner import set_build_closures
from colcon_deb_docker.workspace_dependencies import get_workspace_packages
from colcon_deb_docker.workspace_dependencies import RUN_DEPENDENCIES_ONLY
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
def workspace(tmp_path):
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
    return parser.parse_args(['--base-paths', str(src)])


def _jobs(args, *, with_tests):
    # as the verb asks colcon (verb/deb.py)
    decorators = get_workspace_packages(args, with_tests=with_tests)
    return decorators, {d.descriptor.name: set(d.recursive_dependencies)
                        for d in decorators}


def test_colcon_alone_recurses_into_every_category(workspace):
    # what colcon-core makes of a plain list: the test dependency of
    # `base` in `app`'s, which the verb must not take over
    decorators = get_packages(workspace, recursive_categories=('run', ))
    app = next(d for d in decorators if d.descriptor.name == 'app')
    assert 'library' in app.recursive_dependencies


def test_a_job_never_waits_for_the_tests_of_its_dependencies(workspace):
    decorators, jobs = _jobs(workspace, with_tests=False)
    # base's run and buildtool_export dependencies, not its test one
    assert jobs['app'] == {'base', 'runtime', 'tool'}
    assert jobs['tested'] == set()
    # run dependencies are waited for (the .deb requires this run's
    # versions of them), and theirs; not their build dependencies
    assert jobs['launcher'] == {'app'}
    # and the order: every job after what it waits for
    names = [d.descriptor.name for d in decorators]
    for name, dependencies in jobs.items():
        assert all(names.index(d) < names.index(name) for d in dependencies)
    _, jobs = _jobs(workspace, with_tests=True)
    assert jobs['app'] == {'base', 'runtime', 'tool'}
    assert jobs['tested'] == {'library'}


def test_the_selection_stays_colcon_builds(workspace):
    # --packages-up-to app: what `colcon build --packages-up-to app` would
    # build, base's test dependency included; app's job does not wait for
    # it
    workspace.packages_up_to = ['app']
    decorators, jobs = _jobs(workspace, with_tests=False)
    assert {d.descriptor.name for d in decorators if d.selected} == {
        'app', 'base', 'library', 'runtime', 'tool'}
    assert 'library' not in jobs['app']


def test_a_build_gets_no_test_dependency_of_a_dependency(workspace):
    decorators, _ = _jobs(workspace, with_tests=False)
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

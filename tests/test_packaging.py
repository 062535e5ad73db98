"""What `pip install .` installs: every subpackage of the plugin."""

import ast
from pathlib import Path
import subprocess
import sys

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def _setup_argument(name):
    """Return the value setup.py passes to setup() as `name`."""
    tree = ast.parse((ROOT / 'setup.py').read_text())
    call = next(node for node in ast.walk(tree)
                if isinstance(node, ast.Call) and
                getattr(node.func, 'id', None) == 'setup')
    return next(ast.literal_eval(k.value) for k in call.keywords
                if k.arg == name)


def test_setup_py_lists_every_subpackage():
    listed = _setup_argument('packages')
    found = find_packages(str(ROOT), include=['colcon_deb_docker*'])
    assert sorted(set(found) - set(listed)) == []


def test_every_helper_script_is_package_data():
    # a helper missing from the installed package fails only in containers
    patterns = _setup_argument('package_data')['colcon_deb_docker.helpers']
    helpers = [p for p in (ROOT / 'helpers').iterdir()
               if p.is_file() and p.name != '__init__.py']
    assert helpers
    assert [p.name for p in helpers
            if not any(p.match(pattern) for pattern in patterns)] == []


def test_python_requires_covers_what_the_code_uses():
    # ThreadPoolExecutor.shutdown(cancel_futures=...) is Python 3.9
    used = any('cancel_futures' in p.read_text()
               for p in (ROOT / 'colcon_deb_docker').rglob('*.py'))
    config = (ROOT / 'setup.cfg').read_text()
    assert used and 'python_requires = >=3.9' in config


def test_everyday_colcon_verbs_come_with_the_plugin(tmp_path):
    colcon = Path(sys.executable).parent / 'colcon'
    examples = ROOT / 'examples'
    for verb in ('list', 'graph', 'info'):
        result = subprocess.run(
            [str(colcon), '--log-base', str(tmp_path / 'log'), verb],
            cwd=examples, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert 'demo_tools' in result.stdout, verb


def test_a_deb_task_is_registered_for_every_build_type_bloom_knows():
    # what the installed entry points say, as colcon loads them
    from colcon_core.task import get_task_extension
    from colcon_deb_docker.package_checks import BLOOM_BUILD_TYPES
    from colcon_deb_docker.task.deb import DEB_TASK_GROUP
    from colcon_deb_docker.task.deb import DebTask
    for build_type in BLOOM_BUILD_TYPES:
        task = get_task_extension(DEB_TASK_GROUP, f'ros.{build_type}')
        assert isinstance(task, DebTask), build_type
        assert task.TASK_NAME == 'deb'
    # a package colcon finds without a package.xml has no deb task
    assert get_task_extension(DEB_TASK_GROUP, 'cmake') is None
    assert get_task_extension(DEB_TASK_GROUP, 'python') is None

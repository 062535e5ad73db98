"""The result colcon's --packages-select-build-failed reads, per package."""

from argparse import Namespace
from types import SimpleNamespace

from colcon_core.event.job import JobEnded
from colcon_deb_docker.event_handler.deb_result import DebResultEventHandler
from colcon_deb_docker.task.deb import DebTask
from colcon_package_selection.package_selection.previous import \
    get_previous_result


def _end(args, name, rc):
    """Send one job's end to a new handler, as colcon does per executor."""
    job = SimpleNamespace(
        task=DebTask(),
        task_context=SimpleNamespace(
            args=args, pkg=SimpleNamespace(name=name)))
    DebResultEventHandler()((JobEnded(name, rc), job))


def _result(args, name):
    return get_previous_result(f'{args.build_base}/{name}', 'build')


def test_one_distribution_keeps_each_jobs_result(tmp_path):
    args = Namespace(build_base=str(tmp_path))
    _end(args, 'good', 0)
    _end(args, 'bad', 1)
    assert _result(args, 'good') == '0'
    assert _result(args, 'bad') == '1'


def test_a_failure_in_one_distribution_is_the_packages_result(tmp_path):
    # bookworm failed, trixie built: the last distribution's 0 was kept,
    # and --packages-skip-build-finished then skipped the package that
    # bookworm still lacks
    args = Namespace(build_base=str(tmp_path))
    _end(args, 'pkg', 1)
    _end(args, 'pkg', 0)
    assert _result(args, 'pkg') == '1'
    # the next run starts afresh (new arguments): it built everywhere
    args = Namespace(build_base=str(tmp_path))
    _end(args, 'pkg', 0)
    _end(args, 'pkg', 0)
    assert _result(args, 'pkg') == '0'

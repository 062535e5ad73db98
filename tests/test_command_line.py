"""Bad values on the command line are refused by the parser, in words."""

import argparse
from types import SimpleNamespace

from colcon_deb_docker.package_checks import unused_overrides
from colcon_deb_docker.verb.arguments import add_deb_arguments
import pytest


class _Refused(Exception):
    pass


class _Parser(argparse.ArgumentParser):

    def error(self, message):
        raise _Refused(message)


def _parse(*argv):
    parser = _Parser(prog='colcon deb')
    add_deb_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize('value', ['0', '-5', 'nan', 'inf', 'ten'])
def test_a_timeout_that_is_no_positive_finite_number_is_refused(value):
    # before: 0 meant no limit, -5 killed the rosdep pre-check at once
    # ("timed out after -5.0 s"), inf ended in an OverflowError traceback
    with pytest.raises(_Refused) as refused:
        _parse('--timeout', value)
    assert str(refused.value) == (
        'argument --timeout: expected a number of seconds above 0: '
        f'{value!r}')


def test_a_timeout_in_seconds_is_taken():
    assert _parse('--timeout', '90').timeout == 90.0
    assert _parse('--timeout', '0.5').timeout == 0.5
    assert _parse().timeout is None


def test_a_missing_overrides_directory_is_refused(tmp_path):
    # before: taken as a directory without overrides, and bloom generated
    # the debian/ the user meant to replace, without a word
    missing = str(tmp_path / 'overrides_dir')
    with pytest.raises(_Refused) as refused:
        _parse('--debian-overrides', missing)
    assert str(refused.value) == (
        f'argument --debian-overrides: no such directory: {missing!r}')
    (tmp_path / 'file').write_text('')
    with pytest.raises(_Refused):
        _parse('--debian-overrides', str(tmp_path / 'file'))
    assert _parse('--debian-overrides', str(tmp_path)).debian_overrides == \
        str(tmp_path)


def _decorator(name, *, selected=True):
    return SimpleNamespace(
        descriptor=SimpleNamespace(name=name), selected=selected)


def test_overrides_that_name_no_package_are_found(tmp_path):
    for name in ('demo_tools', 'demo_tool', 'left_out'):
        (tmp_path / name / 'debian').mkdir(parents=True)
    # a directory without debian/ is no override, a file neither
    (tmp_path / 'notes').mkdir()
    (tmp_path / 'README').write_text('')
    decorators = [
        _decorator('demo_tools'), _decorator('demo_robot'),
        _decorator('left_out', selected=False)]
    assert unused_overrides(decorators, str(tmp_path)) == ['demo_tool']
    assert unused_overrides(decorators, None) == []


def test_an_unreadable_overrides_directory_is_refused(tmp_path, monkeypatch):
    # as root every directory is readable: the check is faked here
    monkeypatch.setattr(
        'colcon_deb_docker.verb.arguments.os.access', lambda *_: False)
    with pytest.raises(_Refused) as refused:
        _parse('--debian-overrides', str(tmp_path))
    assert str(refused.value) == (
        'argument --debian-overrides: cannot read the directory '
        f'{str(tmp_path)!r}')

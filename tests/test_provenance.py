"""A package's git record, read on the host without running its config."""

import subprocess
import time

from colcon_deb_docker.provenance import vcs_info


def _git(path, *args):
    return subprocess.run(
        ['git', '-C', str(path), '-c', 'user.name=t',
         '-c', 'user.email=t@example.com', *args],
        check=True, text=True, stdout=subprocess.PIPE).stdout.strip()


def _hostile_checkout(tmp_path):
    """Return a committed package whose .git/config names host commands.

    Each command leaves a file in tmp_path when it runs.
    """
    package = tmp_path / 'pkg'
    package.mkdir()
    _git(package, 'init', '-q')
    (package / 'data.txt').write_text('data\n')
    (package / '.gitattributes').write_text('*.txt filter=evil\n')
    _git(package, 'add', '-A')
    _git(package, 'commit', '-q', '-m', 'first')
    for key, value in (
            ('core.fsmonitor', f'touch {tmp_path}/fsmonitor-ran; false'),
            ('filter.evil.clean', f'touch {tmp_path}/filter-ran; cat'),
            ('filter.evil.required', 'true'),
            ('log.showSignature', 'true'),
            ('gpg.program', f'touch {tmp_path}/gpg-ran; false')):
        _git(package, 'config', key, value)
    # a newer time than the index holds: git status compares the content
    time.sleep(1.1)
    (package / 'data.txt').touch()
    return package


def test_a_checkouts_own_commands_never_run(tmp_path):
    # git status ran the checkout's fsmonitor and clean filter on the host
    package = _hostile_checkout(tmp_path)
    vcs = vcs_info(package)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['pkg']
    assert vcs == {
        'commit': _git(package, 'rev-parse', 'HEAD'), 'dirty': False,
        'time': int(_git(package, '-c', 'log.showSignature=false', 'log',
                         '-1', '--format=%ct'))}


def test_changes_and_untracked_files_still_count(tmp_path):
    package = _hostile_checkout(tmp_path)
    (package / 'data.txt').write_text('changed\n')
    assert vcs_info(package)['dirty'] is True
    (package / 'data.txt').write_text('data\n')
    assert vcs_info(package)['dirty'] is False
    (package / 'new.txt').write_text('new\n')
    assert vcs_info(package)['dirty'] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ['pkg']


def test_a_plain_checkout_has_its_record(tmp_path):
    # no filter in its config (git config --get-regexp then exits with 1)
    package = tmp_path / 'pkg'
    package.mkdir()
    _git(package, 'init', '-q')
    (package / 'data.txt').write_text('data\n')
    _git(package, 'add', '-A')
    _git(package, 'commit', '-q', '-m', 'first')
    assert vcs_info(package) == {
        'commit': _git(package, 'rev-parse', 'HEAD'), 'dirty': False,
        'time': int(_git(package, 'log', '-1', '--format=%ct'))}


def test_no_checkout_no_record(tmp_path):
    assert vcs_info(tmp_path) is None

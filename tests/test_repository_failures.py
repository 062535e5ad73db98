"""The repository under failure: full disk, links, a second run."""

import os
import subprocess

from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.repository.publish_rules import RepositoryError
from debs import make_deb
import pytest


def _repo(path):
    return AptRepository(
        path=path, codename='bookworm', architectures=['amd64'])


def _packages(repo):
    return (repo.path / 'dists/bookworm/main/binary-amd64/Packages') \
        .read_text()


def _stray_files(root):
    return [p for p in root.rglob('*') if p.name.endswith('.tmp')]


@pytest.fixture
def small_disk(tmp_path):
    """Mount a real 512 KiB file system (tmpfs): writes really fail."""
    if os.geteuid() != 0:
        raise AssertionError('this test needs root to mount a tmpfs')
    mount_point = tmp_path / 'small'
    mount_point.mkdir()
    subprocess.run(
        ['mount', '-t', 'tmpfs', '-o', 'size=512k', 'tmpfs',
         str(mount_point)], check=True)
    yield mount_point
    subprocess.run(['umount', str(mount_point)], check=True)


def test_disk_full_keeps_the_last_complete_state(tmp_path, small_disk):
    repo = _repo(small_disk / 'repo')
    repo.ensure_initialized()
    small = make_deb(tmp_path, name='small-pkg')
    repo.publish(debs=[small])
    before = _packages(repo)
    release = (repo.path / 'dists/bookworm/Release').read_text()

    big = make_deb(tmp_path, name='big-pkg', payload=os.urandom(900_000))
    with pytest.raises(RepositoryError) as error:
        repo.publish(debs=[big])
    assert f'cannot write the repository {repo.path}: No space left on ' \
        'device' in str(error.value)
    assert _packages(repo) == before
    assert (repo.path / 'dists/bookworm/Release').read_text() == release
    assert not list(repo.pool.glob('big-pkg/*'))
    assert _stray_files(repo.path) == []


def test_a_linked_deb_is_refused(tmp_path):
    repo = _repo(tmp_path / 'repo')
    secret = tmp_path / 'secret'
    secret.write_text('not a package')
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'evil_1.0_amd64.deb').symlink_to(secret)
    with pytest.raises(RepositoryError, match='not a regular file'):
        repo.publish(debs=[out / 'evil_1.0_amd64.deb'])
    assert not list(repo.pool.rglob('*.deb'))


def test_a_second_run_is_refused_while_the_first_holds_the_output(tmp_path):
    repo = _repo(tmp_path / 'repo')
    with repo.exclusive_run():
        with pytest.raises(RepositoryError) as error:
            with _repo(tmp_path / 'repo').exclusive_run():
                pass
    assert f'another colcon deb run (pid {os.getpid()}) is writing to ' \
        f'{repo.path}' in str(error.value)
    with repo.exclusive_run():  # released
        pass

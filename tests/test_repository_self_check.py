"""The repository after a kill -9 anywhere, and the self-check's repairs."""

import json
import os
from pathlib import Path
import shutil
import signal

from colcon_deb_docker.repository import indexes
from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.repository.publish_rules import RepositoryError
from debs import make_deb
import pytest
from repository_checks import assert_consistent
from repository_checks import assert_entries_match


def _repo(path, **kwargs):
    return AptRepository(path=path, codename='bookworm',
                         architectures=['amd64'], **kwargs)


def _publish_and_die_at(root, debs, replace_number):
    """Publish in a child process that SIGKILLs itself at the n-th rename.

    os.replace is every step that makes something visible: a pool file, a
    snapshot, the dists link.  Returns True if the child was killed.
    """
    pid = os.fork()
    if pid == 0:
        calls = [0]
        real_replace = os.replace

        def dying_replace(src, dst):
            calls[0] += 1
            if calls[0] == replace_number:
                os.kill(os.getpid(), signal.SIGKILL)
            real_replace(src, dst)
        os.replace = dying_replace
        try:
            _repo(root).publish(debs=debs)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


@pytest.mark.parametrize('replace_number', [1, 2, 3, 4, 5])
def test_kill_9_at_any_rename_then_the_next_run_repairs(
    tmp_path, replace_number
):
    work = tmp_path / 'work'
    root = tmp_path / 'deb'
    first = make_deb(work / 'a', name='first')
    repo = _repo(root)
    repo.ensure_initialized()
    repo.publish(debs=[first])
    before = assert_consistent(root)
    new = [make_deb(work / 'b', name='second'),
           make_deb(work / 'b', name='third')]
    killed = _publish_and_die_at(root, new, replace_number)
    # a reader at that instant still sees a consistent repository
    during = assert_entries_match(root)
    assert during in (before, before | {
        'pool/main/second/second_1.0.0_amd64.deb',
        'pool/main/third/third_1.0.0_amd64.deb'})

    report = _repo(root).check(repair=True)
    listed = assert_consistent(root)
    if killed and listed == before:
        # nothing of the killed publication is left in the pool
        assert sorted(p.name for p in (root / 'pool').rglob('*.deb')) == [
            'first_1.0.0_amd64.deb']
        assert report.repairs, 'a repair must be reported'
    # and the next publication works
    _repo(root).publish(debs=new)
    assert len(assert_consistent(root)) == 3


def test_a_missing_pool_file_is_dropped_and_reported(tmp_path):
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path, name='gone'),
                       make_deb(tmp_path, name='kept')])
    (repo.path / 'pool/main/gone/gone_1.0.0_amd64.deb').unlink()
    report = _repo(repo.path).check(repair=True)
    assert any('dropped pool/main/gone/gone_1.0.0_amd64.deb' in r and
               'missing' in r for r in report.repairs)
    assert assert_consistent(repo.path) == {
        'pool/main/kept/kept_1.0.0_amd64.deb'}


def test_a_damaged_index_is_written_again(tmp_path):
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path, name='p')])
    packages = repo.path / 'dists/bookworm/main/binary-amd64/Packages'
    packages.write_text('')
    assert not _repo(repo.path).check(repair=False).repairs == []
    assert packages.read_text() == ''  # a dry check repairs nothing
    report = _repo(repo.path).check(repair=True)
    assert any('does not match Release' in r for r in report.repairs)
    assert assert_consistent(repo.path) == {'pool/main/p/p_1.0.0_amd64.deb'}
    assert _repo(repo.path).check(repair=True).repairs == []


def test_foreign_files_are_reported_and_left_alone(tmp_path):
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path, name='ours')])
    junk = repo.pool / 'junk' / 'junk_1.0_amd64.deb'
    junk.parent.mkdir()
    junk.write_bytes(b'not even a deb')
    report = _repo(repo.path).check(repair=True)
    assert report.foreign == ['pool/main/junk/junk_1.0_amd64.deb']
    assert junk.read_bytes() == b'not even a deb'
    repo.publish(debs=[make_deb(tmp_path / 'x', name='more')])
    assert junk.exists()
    assert 'junk' not in (
        repo.path / 'dists/bookworm/main/binary-amd64/Packages').read_text()


def test_a_foreign_dists_directory_stops_the_run_untouched(tmp_path):
    root = tmp_path / 'deb'
    foreign = root / 'dists' / 'bookworm'
    foreign.mkdir(parents=True)
    (foreign / 'Release').write_text('somebody else\n')
    with pytest.raises(RepositoryError) as error:
        _repo(root).check(repair=True)
    assert f'{foreign} was not written by colcon deb' in str(error.value)
    assert 'left alone' in str(error.value)
    with pytest.raises(RepositoryError):
        _repo(root).publish(debs=[make_deb(tmp_path, name='p')])
    assert (foreign / 'Release').read_text() == 'somebody else\n'
    assert not foreign.is_symlink()


def _copy_following_links(root, to, *, snapshots=True):
    """Copy a repository as aws s3 sync, rsync -r or a zip archive do."""
    ignore = None if snapshots else shutil.ignore_patterns('.snapshots')
    shutil.copytree(root, to, symlinks=False, ignore=ignore)
    assert (to / 'dists' / 'bookworm').is_dir()
    assert not (to / 'dists' / 'bookworm').is_symlink()
    return to


@pytest.mark.parametrize('snapshots', [True, False])
def test_a_copy_that_followed_the_dists_link_is_ours_again(
    tmp_path, snapshots, monkeypatch,
):
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path / 'a', name='first')])
    repo.publish(debs=[make_deb(tmp_path / 'b', name='second')])
    copy = _copy_following_links(
        repo.path, tmp_path / 'copy', snapshots=snapshots)
    before = assert_consistent(copy)
    released = (copy / 'dists/bookworm/Release').read_bytes()

    # a dry run reads it as it is, and says what it would do
    dry = _repo(copy).check(repair=False)
    assert set(dry.manifest.debs) == before
    assert [r for r in dry.links_restored
            if 'dists/bookworm was a directory' in r]
    assert not dry.rewrite
    assert not (copy / 'dists/bookworm').is_symlink()

    # the copy is compared with the snapshots once (it was twice: to read
    # it, and again to restore the link)
    compared = []
    real = indexes.copied_snapshot
    monkeypatch.setattr(indexes, 'copied_snapshot', lambda *a, **k: (
        compared.append(a), real(*a, **k))[1])
    report = _repo(copy).check(repair=True)
    assert len(compared) == 1, compared
    assert not report.repairs, report.repairs
    assert len(report.links_restored) == 1, report.links_restored
    assert ('the files of snapshot 2' if snapshots else
            'leaves out .snapshots/') in report.links_restored[0]
    assert not report.rewrite and not report.foreign
    link = copy / 'dists/bookworm'
    assert link.is_symlink()
    # the same Release: nothing was signed or published anew
    assert (link / 'Release').read_bytes() == released
    assert assert_consistent(copy) == before
    again = _repo(copy).check(repair=True)
    assert again.repairs == [] and again.links_restored == []
    # and it grows as the original would: older versions and all
    _repo(copy).publish(debs=[make_deb(tmp_path / 'c', name='third')])
    assert assert_consistent(copy) == before | {
        'pool/main/third/third_1.0.0_amd64.deb'}


def test_a_copied_dists_directory_that_differs_is_a_new_snapshot(tmp_path):
    """An index changed in the copy is not taken for snapshot 1's."""
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path / 'a', name='first')])
    copy = _copy_following_links(repo.path, tmp_path / 'copy')
    packages = copy / 'dists/bookworm/main/binary-amd64/Packages'
    changed = packages.read_text() + '\n'
    packages.write_text(changed)
    report = _repo(copy).check(repair=True)
    assert any('leaves out .snapshots/' in r for r in report.links_restored)
    # the Release's hashes no longer match the copy: indexed again
    assert report.rewrite
    assert os.readlink(copy / 'dists/bookworm') == '../.snapshots/3'
    # the copy kept as it was, its indexes for by-hash
    assert (copy / '.snapshots/2/main/binary-amd64/Packages').read_text() \
        == changed
    assert assert_consistent(copy) == {'pool/main/first/first_1.0.0_amd64.deb'}


def test_a_dists_directory_of_another_distribution_is_not_ours(tmp_path):
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path / 'a', name='first')])
    copy = _copy_following_links(repo.path, tmp_path / 'copy')
    (copy / 'dists/bookworm').rename(copy / 'dists/trixie')
    shutil.copytree(copy / 'dists/trixie', copy / 'dists/bookworm')
    (copy / 'dists/bookworm/Release').write_text('Codename: trixie\n')
    with pytest.raises(RepositoryError) as error:
        _repo(copy).check(repair=True)
    assert 'was not written by colcon deb' in str(error.value)
    assert not (copy / 'dists/bookworm').is_symlink()


def test_a_copied_dists_directory_with_a_link_in_it_is_not_ours(tmp_path):
    """Adopting it would copy what the link points at into the snapshots."""
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path / 'a', name='first')])
    copy = _copy_following_links(
        repo.path, tmp_path / 'copy', snapshots=False)
    secret = tmp_path / 'secret'
    secret.write_text('not for the repository\n')
    (copy / 'dists/bookworm/main/notes').symlink_to(secret)
    with pytest.raises(RepositoryError) as error:
        _repo(copy).check(repair=True)
    assert 'was not written by colcon deb' in str(error.value)
    assert not (copy / '.snapshots').exists()


def test_the_link_replaces_the_copy_in_one_step(tmp_path, monkeypatch):
    """A reader polling dists/bookworm/Release never misses it."""
    import threading
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path / 'a', name='first')])
    copy = _copy_following_links(repo.path, tmp_path / 'copy')
    release = copy / 'dists/bookworm/Release'
    expected = release.read_bytes()
    misses = []
    done = threading.Event()

    def read():
        while not done.is_set():
            try:
                assert release.read_bytes() == expected
            except FileNotFoundError:
                misses.append(1)
    reader = threading.Thread(target=read)
    reader.start()
    try:
        _repo(copy).check(repair=True)
    finally:
        done.set()
        reader.join()
    assert (copy / 'dists/bookworm').is_symlink()
    assert not misses


def test_without_an_atomic_exchange_the_copy_moves_aside(
    tmp_path, monkeypatch
):
    from colcon_deb_docker.repository import indexes
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path / 'a', name='first')])
    copy = _copy_following_links(repo.path, tmp_path / 'copy')
    monkeypatch.setattr(indexes, '_exchange', lambda a, b: False)
    _repo(copy).check(repair=True)
    assert os.readlink(copy / 'dists/bookworm') == '../.snapshots/1'
    assert sorted(p.name for p in (copy / 'dists').iterdir()) == ['bookworm']
    # a run killed between the exchange and the removal: the next one
    # removes what is left
    for name in ('.bookworm.tmp', '.bookworm.copy.tmp'):
        (copy / 'dists' / name).mkdir()
        (copy / 'dists' / name / 'Release').write_text('left over\n')
    report = _repo(copy).check(repair=True)
    assert sorted(report.repairs) == [
        'removed dists/.bookworm.copy.tmp (left by an interrupted run)',
        'removed dists/.bookworm.tmp (left by an interrupted run)']
    assert sorted(p.name for p in (copy / 'dists').iterdir()) == ['bookworm']


def test_a_repository_of_the_previous_layout_gets_a_manifest(tmp_path):
    repo = _repo(tmp_path / 'deb')
    repo.publish(debs=[make_deb(tmp_path, name='old')])
    # what an earlier colcon deb wrote: the same indexes, no manifest
    (repo.path / 'dists/bookworm/manifest.json').unlink()
    report = _repo(repo.path).check(repair=True)
    assert any('no manifest' in r for r in report.repairs)
    manifest = json.loads(
        (repo.path / 'dists/bookworm/manifest.json').read_text())
    assert [e['filename'] for e in manifest['debs']] == [
        'pool/main/old/old_1.0.0_amd64.deb']
    assert assert_consistent(repo.path)


def test_a_signed_repository_with_a_bad_signature_is_signed_again(tmp_path):
    class Signer:

        def __init__(self):
            self.good = True

        def sign(self, data):
            return b'sig', b'clear:' + data

        def verify(self, data):
            return data.startswith(b'clear:') and self.good

        def public_key(self, *, armor):
            return b'key'

    signer = Signer()
    repo = _repo(tmp_path / 'deb', signer=signer)
    repo.publish(debs=[make_deb(tmp_path, name='p')])
    assert _repo(repo.path, signer=signer).check(repair=True).repairs == []
    (repo.path / 'dists/bookworm/InRelease').write_bytes(b'tampered')
    report = _repo(repo.path, signer=signer).check(repair=True)
    assert any('no valid signature' in r for r in report.repairs)
    assert (repo.path / 'dists/bookworm/InRelease').read_bytes() \
        .startswith(b'clear:')


def test_a_reader_never_sees_an_entry_without_its_bytes(tmp_path):
    """Readers polling while versions are published and pruned."""
    import threading
    repo = _repo(tmp_path / 'deb', keep_versions=1)
    repo.ensure_initialized()
    debs = [make_deb(tmp_path / str(n), name='p', version=f'1.0.{n}',
                     payload=os.urandom(2000)) for n in range(30)]
    stop = threading.Event()
    seen = []
    errors = []

    def reader():
        while not stop.is_set():
            try:
                seen.append(len(assert_entries_match(repo.path)))
            except FileNotFoundError as e:
                # only a file a pruned index listed may have gone
                errors.append(e)
            except AssertionError as e:
                errors.append(e)

    thread = threading.Thread(target=reader)
    thread.start()
    for deb in debs:
        repo.publish(debs=[deb])
    stop.set()
    thread.join()
    assert len(seen) > 10
    assert [e for e in errors if isinstance(e, AssertionError)] == []
    assert errors == []
    assert Path(repo.path / 'pool/main/p/p_1.0.29_amd64.deb').exists()

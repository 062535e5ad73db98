"""The repository writer: real .debs in, apt-readable indexes out."""

from concurrent.futures import ThreadPoolExecutor
import gzip
import hashlib

from debian.deb822 import Packages
from debian.deb822 import Release

from colcon_deb_docker.apt_repository import AptRepository
from debs import make_deb


def _release(repo):
    return Release((repo.path / 'dists/bookworm/Release').read_text())


def _packages(repo, arch):
    text = (repo.path / f'dists/bookworm/main/binary-{arch}/Packages') \
        .read_text()
    return list(Packages.iter_paragraphs(text, use_apt_pkg=False))


def _check_release_hashes(repo):
    release = _release(repo)
    base = repo.path / 'dists/bookworm'
    assert release['SHA256']
    for entry in release['SHA256']:
        data = (base / entry['name']).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry['sha256']
        assert len(data) == int(entry['size'])


def test_empty_repository_is_readable(tmp_path):
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'])
    repo.ensure_initialized()
    assert _packages(repo, 'amd64') == []
    release = _release(repo)
    assert release['Codename'] == 'bookworm'
    assert release['Architectures'] == 'amd64'
    assert release['Components'] == 'main'
    _check_release_hashes(repo)


def test_publish_indexes_every_deb_with_hashes(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'])
    lib = make_deb(work, name='ros-humble-lib')
    tool = make_deb(work, name='ros-humble-tool', depends='ros-humble-lib')
    pure = make_deb(work, name='ros-humble-py', arch='all')
    published = repo.publish(
        debs=[lib, tool, pure], rosdep_keys={'lib': 'ros-humble-lib'})
    assert [p.name for p in published] == [lib.name, tool.name, pure.name]
    stanzas = {p['Package']: p for p in _packages(repo, 'amd64')}
    assert set(stanzas) == {'ros-humble-lib', 'ros-humble-tool',
                            'ros-humble-py'}
    tool_stanza = stanzas['ros-humble-tool']
    assert tool_stanza['Depends'] == 'ros-humble-lib'
    pool_file = repo.path / tool_stanza['Filename']
    assert pool_file.read_bytes() == tool.read_bytes()
    assert tool_stanza['SHA256'] == hashlib.sha256(
        tool.read_bytes()).hexdigest()
    assert int(tool_stanza['Size']) == tool.stat().st_size
    # the multi-line description stays a valid continuation
    assert tool_stanza['Description'].splitlines()[1:] == [
        ' multi-line', ' .', ' description']
    gz = gzip.decompress((repo.path / 'dists/bookworm/main/binary-amd64/'
                          'Packages.gz').read_bytes()).decode()
    assert gz == (repo.path / 'dists/bookworm/main/binary-amd64/Packages') \
        .read_text()
    _check_release_hashes(repo)
    rosdep = (repo.path / 'rosdep.yaml').read_text()
    assert 'lib:\n  debian:\n    bookworm:\n    - ros-humble-lib' in rosdep


def test_architecture_all_is_listed_for_every_architecture(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    repo = AptRepository(path=tmp_path / 'deb', codename='bookworm',
                         architectures=['amd64', 'arm64'])
    repo.publish(debs=[make_deb(work, name='pure', arch='all'),
                       make_deb(work, name='native', arch='arm64')])
    assert [p['Package'] for p in _packages(repo, 'amd64')] == ['pure']
    assert sorted(p['Package'] for p in _packages(repo, 'arm64')) == [
        'native', 'pure']
    assert _release(repo)['Architectures'] == 'amd64 arm64'


def test_republishing_replaces_the_file_and_keeps_snapshots_bounded(
    tmp_path
):
    work = tmp_path / 'work'
    work.mkdir()
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'])
    for payload in (b'one', b'two', b'three', b'four', b'five'):
        deb = make_deb(work / payload.decode(), name='p', payload=payload)
        repo.publish(debs=[deb])
    stanzas = _packages(repo, 'amd64')
    assert len(stanzas) == 1
    assert stanzas[0]['SHA256'] == hashlib.sha256(deb.read_bytes()) \
        .hexdigest()
    assert (repo.path / 'dists/bookworm').is_symlink()
    snapshots = [p for p in (repo.path / '.snapshots').iterdir()]
    assert len(snapshots) <= 3
    assert not list(repo.pool.glob('*/.*.tmp'))


def test_concurrent_publications_lose_nothing(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    debs = [make_deb(work, name=f'pkg{i:02d}') for i in range(24)]
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'])
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda deb: repo.publish(debs=[deb]), debs))
    assert sorted(p['Package'] for p in _packages(repo, 'amd64')) == [
        f'pkg{i:02d}' for i in range(24)]
    _check_release_hashes(repo)

"""The repository writer: real .debs in, apt-readable indexes out."""

from concurrent.futures import ThreadPoolExecutor
import gzip
import hashlib
import json
from pathlib import Path

from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.repository.publish_rules import NotReproducible
from colcon_deb_docker.repository.publish_rules import RejectedOutput
from debian.deb822 import Packages
from debian.deb822 import Release
from debs import make_deb
import pytest


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


def test_a_debian_name_stays_with_the_package_that_published_it(tmp_path):
    work = tmp_path / 'work'
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'])
    repo.publish(debs=[make_deb(work / 'one', name='ros-humble-core-lib')],
                 provenance={'ros_package': 'core_lib'})
    # another workspace package (core_lib may have left the workspace since)
    # cannot put a higher version under core_lib's name
    claim = make_deb(work / 'two', name='ros-humble-core-lib',
                     version='9.0.0')
    with pytest.raises(RejectedOutput, match=(
            'refusing ros-humble-core-lib_9.0.0_amd64.deb: the repository '
            'holds ros-humble-core-lib as built from the package '
            "'core_lib', not 'core'")):
        repo.publish(debs=[claim], provenance={'ros_package': 'core'})
    assert [p['Version'] for p in _packages(repo, 'amd64')] == ['1.0.0']
    assert not (repo.path / 'pool/main/ros-humble-core-lib' /
                claim.name).exists()
    # its own package publishes new versions under it
    newer = make_deb(work / 'three', name='ros-humble-core-lib',
                     version='2.0.0')
    repo.publish(debs=[newer], provenance={'ros_package': 'core_lib'})
    assert sorted(p['Version'] for p in _packages(repo, 'amd64')) == [
        '1.0.0', '2.0.0']


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


def test_a_published_file_name_never_gets_other_bytes(tmp_path):
    work = tmp_path / 'work'
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'])
    first = make_deb(work / 'one', name='p', payload=b'one')
    repo.publish(debs=[first])
    # the same bytes again: accepted, nothing changes
    repo.publish(debs=[first])
    other = make_deb(work / 'two', name='p', payload=b'two')
    with pytest.raises(NotReproducible, match='p_1.0.0_amd64.deb'):
        repo.publish(debs=[other])
    pool_file = repo.path / 'pool/main/p/p_1.0.0_amd64.deb'
    assert pool_file.read_bytes() == first.read_bytes()
    _check_release_hashes(repo)


def test_versions_are_kept_up_to_the_retention_and_snapshots_bounded(
    tmp_path
):
    work = tmp_path / 'work'
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'],
        keep_versions=2)
    debs = [make_deb(work / str(n), name='p', version=f'1.0.{n}',
                     payload=str(n).encode()) for n in range(1, 6)]
    for deb in debs:
        repo.publish(debs=[deb])
    versions = sorted(p['Version'] for p in _packages(repo, 'amd64'))
    assert versions == ['1.0.4', '1.0.5']
    assert (repo.path / 'dists/bookworm').is_symlink()
    assert len(list((repo.path / '.snapshots').iterdir())) == 3
    # files leave the pool only when no kept snapshot lists them any more
    on_disk = sorted(p.name for p in repo.pool.glob('p/*.deb'))
    listed = set()
    for snapshot in (repo.path / '.snapshots').iterdir():
        listed |= {Path(e['filename']).name for e in json.loads(
            (snapshot / 'manifest.json').read_text())['debs']}
    assert on_disk == sorted(listed)
    assert 'p_1.0.1_amd64.deb' not in on_disk
    assert json.loads((repo.path / 'dists/bookworm/manifest.json')
                      .read_text())['highest'] == {'p': '1.0.5'}
    assert not list(repo.pool.glob('*/.*.tmp'))


def test_by_hash_keeps_the_indexes_of_the_kept_snapshots(tmp_path):
    work = tmp_path / 'work'
    repo = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'])
    seen = []
    for n in range(1, 4):
        repo.publish(debs=[make_deb(work / str(n), name=f'p{n}')])
        seen.append((repo.path / 'dists/bookworm/main/binary-amd64/'
                     'Packages').read_bytes())
    assert 'Acquire-By-Hash: yes' in _release(repo).dump()
    by_hash = repo.path / 'dists/bookworm/main/binary-amd64/by-hash/SHA256'
    for data in seen:
        assert (by_hash / hashlib.sha256(data).hexdigest()).read_bytes() \
            == data


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


def test_two_distributions_share_the_pool_and_keep_their_indexes(tmp_path):
    # one repository, dists/bookworm and dists/trixie: publishing one never
    # prunes the other's snapshots or pool files, and the self-check of one
    # neither reports nor repairs away the other's files
    work = tmp_path / 'work'
    trixie = AptRepository(
        path=tmp_path / 'deb', codename='trixie', architectures=['amd64'])
    trixie.publish(debs=[make_deb(work / 't', name='p', version='1.0-0trixie',
                                  payload=b'trixie')])
    bookworm = AptRepository(
        path=tmp_path / 'deb', codename='bookworm', architectures=['amd64'],
        keep_versions=2)
    for n in range(1, 6):
        bookworm.publish(debs=[make_deb(
            work / str(n), name='p', version=f'1.0.{n}-0bookworm',
            payload=str(n).encode())])
    root = tmp_path / 'deb'
    trixie_packages = (root / 'dists/trixie/main/binary-amd64/Packages')
    assert 'Version: 1.0-0trixie' in trixie_packages.read_text()
    assert (root / 'pool/main/p/p_1.0-0trixie_amd64.deb').is_file()
    assert 'Codename: trixie' in (root / 'dists/trixie/Release').read_text()
    # bookworm keeps its 3 newest snapshots, trixie its one
    assert len(list((root / '.snapshots').iterdir())) == 4
    for repo in (bookworm, trixie):
        report = repo.check(repair=True)
        assert report.foreign == [] and report.repairs == [], report
    assert (root / 'pool/main/p/p_1.0-0trixie_amd64.deb').is_file()
    # a journal a killed trixie run left after indexing: bookworm's repair
    # must not take trixie's indexed file out
    pending = root / '.pending'
    pending.mkdir(exist_ok=True)
    (pending / 'killed.json').write_text(json.dumps(
        ['pool/main/p/p_1.0-0trixie_amd64.deb']))
    bookworm.check(repair=True)
    assert (root / 'pool/main/p/p_1.0-0trixie_amd64.deb').is_file()


def test_the_sources_line_of_a_path_with_blanks_is_one_uri(tmp_path):
    # apt splits the line at blanks: `file:/x/ci builds/deb` used to be
    # read as the URI file:/x/ci and the suite builds/deb
    repo = AptRepository(path=tmp_path / 'ci builds' / 'deb',
                         codename='bookworm', architectures=['amd64'])
    line = repo.apt_source_line()
    assert line == (
        f'deb [trusted=yes] file:{tmp_path}/ci%20builds/deb bookworm main')
    assert len(line.split()) == 5


def test_the_manifest_reads_back_and_its_copy_shares_nothing():
    from colcon_deb_docker.repository.manifest import Manifest
    manifest = Manifest()
    assert Manifest.from_json(manifest.to_json()) == manifest
    for name, version in (('ros-humble-b', '2.0'), ('ros-humble-a', '1.0')):
        manifest.add({
            'filename': f'pool/main/{name}/{name}_{version}_amd64.deb',
            'package': name, 'version': version,
            'control': {'Package': name, 'Version': version,
                        'Description': 'two\n lines'},
            'provenance': {'ros_package': name[11:], 'paths': ['a"b']}})
    text = manifest.to_json()
    assert Manifest.from_json(text) == manifest
    # stable and readable: the packages in pool order, one line each
    lines = text.splitlines()
    assert [json.loads(line.rstrip(','))['package'] for line in lines
            if line.startswith('{"filename"')] == [
                'ros-humble-a', 'ros-humble-b']
    assert Manifest.from_json(text).to_json() == text
    duplicate = manifest.copy()
    assert duplicate == manifest
    entry = duplicate.debs['pool/main/ros-humble-a/ros-humble-a_1.0_amd64.deb']
    entry['provenance']['paths'].append('changed')
    entry['control']['Version'] = '9'
    duplicate.highest['ros-humble-a'] = '9'
    assert Manifest.from_json(text) == manifest


def test_rosdep_yaml_is_the_text_of_yaml_safe_dump(tmp_path):
    """Keys YAML would read as a truth value or a number stay strings."""
    import yaml
    from colcon_deb_docker.repository.consumer_files import \
        update_consumer_files
    keys = {'yes': 'ros-humble-yes', 'on': 'ros-humble-on',
            '1.0': 'ros-humble-1.0', 'null': 'ros-humble-null',
            'a: b': 'ros-humble-a-b', 'plain_pkg': 'ros-humble-plain-pkg'}
    for codename in ('bookworm', 'trixie'):
        update_consumer_files(
            tmp_path, rosdep_keys=keys, os_name='debian', codename=codename,
            label='colcon-deb', underlays=[],
            sources_line=f'deb file:/repo {codename} main')
    expected = {ros: {'debian': {'bookworm': [deb], 'trixie': [deb]}}
                for ros, deb in keys.items()}
    text = (tmp_path / 'rosdep.yaml').read_text()
    assert text == yaml.safe_dump(expected, sort_keys=True)
    assert yaml.safe_load(text) == expected

"""Fingerprints: what changes them and what does not."""

import os

from colcon_deb_docker.fingerprint import compute_fingerprints
from colcon_deb_docker.fingerprint import input_digests
from colcon_deb_docker.fingerprint import is_up_to_date
from colcon_deb_docker.fingerprint import tree_digest


def _tree(root):
    (root / 'src').mkdir(parents=True)
    (root / 'src' / 'a.cpp').write_text('int a;\n')
    (root / 'CMakeLists.txt').write_text('project(x)\n')
    return root


def test_tree_digest_follows_content_mode_and_links_not_time(tmp_path):
    root = _tree(tmp_path / 'pkg')
    first = tree_digest(root)
    os.utime(root / 'CMakeLists.txt', (0, 0))
    (root / '.git').mkdir()
    (root / '.git' / 'HEAD').write_text('ref\n')
    assert tree_digest(root) == first
    (root / 'src' / 'a.cpp').write_text('int b;\n')
    second = tree_digest(root)
    assert second != first
    (root / 'src' / 'a.cpp').chmod(0o755)
    assert tree_digest(root) != second
    os.symlink('../../outside', root / 'link')
    with_link = tree_digest(root)
    os.remove(root / 'link')
    os.symlink('../../elsewhere', root / 'link')
    assert tree_digest(root) != with_link


def test_a_change_reaches_dependents_not_siblings(tmp_path):
    paths = {name: _tree(tmp_path / name) for name in ('lib', 'app', 'leaf')}
    graph = [('lib', []), ('app', ['lib']), ('leaf', [])]

    def fingerprints():
        return compute_fingerprints(
            packages=graph, options={'arch': 'amd64'},
            digests=input_digests(packages=paths.items()))

    before = fingerprints()
    (paths['lib'] / 'src' / 'a.cpp').write_text('changed\n')
    after = fingerprints()
    assert after['lib'] != before['lib']
    assert after['app'] != before['app']
    assert after['leaf'] == before['leaf']
    other_arch = compute_fingerprints(
        packages=graph, options={'arch': 'arm64'},
        digests=input_digests(packages=paths.items()))
    assert set(other_arch.values()).isdisjoint(after.values())


def test_stamp_needs_every_file_inside_the_repository(tmp_path):
    (tmp_path / 'pool').mkdir()
    (tmp_path / 'pool' / 'x.deb').write_bytes(b'x')
    stamp = {'fingerprint': 'f', 'files': ['pool/x.deb']}
    assert is_up_to_date(stamp, fingerprint='f', repository_path=tmp_path)
    assert not is_up_to_date(stamp, fingerprint='g', repository_path=tmp_path)
    stamp['files'].append('pool/gone.deb')
    assert not is_up_to_date(stamp, fingerprint='f', repository_path=tmp_path)
    (tmp_path / 'outside.deb').write_bytes(b'x')
    escaping = {'fingerprint': 'f', 'files': ['pool/../outside.deb']}
    assert not is_up_to_date(
        escaping, fingerprint='f', repository_path=tmp_path)

"""Fingerprints: what changes them and what does not."""

import os

from colcon_deb_docker.fingerprint import changed_inputs
from colcon_deb_docker.fingerprint import compute_fingerprints
from colcon_deb_docker.fingerprint import fingerprint_inputs
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
            digests=input_digests(packages=paths.items())[0])

    before = fingerprints()
    (paths['lib'] / 'src' / 'a.cpp').write_text('changed\n')
    after = fingerprints()
    assert after['lib'] != before['lib']
    assert after['app'] != before['app']
    assert after['leaf'] == before['leaf']
    other_arch = compute_fingerprints(
        packages=graph, options={'arch': 'arm64'},
        digests=input_digests(packages=paths.items())[0])
    assert set(other_arch.values()).isdisjoint(after.values())


def test_stamp_needs_every_file_listed_by_the_manifest(tmp_path):
    # a file merely present in the pool does not count: the manifest of
    # the checked repository must list it
    (tmp_path / 'pool').mkdir()
    (tmp_path / 'pool' / 'x.deb').write_bytes(b'x')
    published = {'pool/x.deb'}
    stamp = {'fingerprint': 'f', 'files': ['pool/x.deb']}
    assert is_up_to_date(stamp, fingerprint='f', published=published)
    assert not is_up_to_date(stamp, fingerprint='g', published=published)
    assert not is_up_to_date(stamp, fingerprint='f', published=set())
    stamp['files'].append('pool/gone.deb')
    assert not is_up_to_date(stamp, fingerprint='f', published=published)


def test_changed_inputs_name_what_changed():
    def inputs(source='s', helpers='h', deps=None):
        return fingerprint_inputs(
            source_digest=source, override_digest=None,
            options={'helpers': helpers, 'arch': 'amd64'},
            dependency_fingerprints=deps or {'lib': '1'})
    assert changed_inputs(inputs(), inputs()) == []
    assert changed_inputs(None, inputs()) == []
    assert changed_inputs(inputs(), inputs(source='t')) == ['sources']
    assert changed_inputs(inputs(), inputs(helpers='x')) == [
        'option helpers']
    assert changed_inputs(inputs(), inputs(deps={'lib': '2'})) == [
        'dependency lib']

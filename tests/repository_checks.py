"""What any apt client may rely on, checked from a repository's files."""

import hashlib

from debian.deb822 import Packages


def assert_entries_match(root, arch='amd64'):
    """Check every Packages entry against the bytes of its pool file.

    :returns: the pool paths the index lists
    """
    dists = root / 'dists' / 'bookworm'
    text = (dists / f'main/binary-{arch}/Packages').read_text()
    listed = set()
    for stanza in Packages.iter_paragraphs(text, use_apt_pkg=False):
        data = (root / stanza['Filename']).read_bytes()
        assert hashlib.sha256(data).hexdigest() == stanza['SHA256'], \
            stanza['Filename']
        assert len(data) == int(stanza['Size'])
        listed.add(stanza['Filename'])
    return listed


def assert_consistent(root, arch='amd64'):
    """Release, indexes and pool agree; nothing half-written is left."""
    dists = root / 'dists' / 'bookworm'
    in_sha256 = False
    for line in (dists / 'Release').read_text().splitlines():
        if not line.startswith(' '):
            in_sha256 = line.startswith('SHA256:')
            continue
        if in_sha256:
            digest, size, name = line.split()
            data = (dists / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, name
            assert len(data) == int(size), name
    listed = assert_entries_match(root, arch)
    assert not [p for p in root.rglob('*') if p.name.endswith('.tmp')]
    assert not list((root / '.pending').glob('*.json'))
    return listed

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Index snapshots: Packages, by-hash, Release, signatures, manifest.

Each publication writes a complete new snapshot ``.snapshots/<n>/`` and then
points ``dists/<codename>`` at it with one rename, so a reader sees either
the previous or the new state.  Release says ``Acquire-By-Hash: yes`` and
every snapshot carries, under ``by-hash/SHA256/``, its own index files and
those of the snapshots still kept: a client that read the previous Release
and fetches its Packages after the switch still gets the bytes that Release
promised.  Pool files dropped by retention are deleted only when the last
snapshot that lists them is deleted.

With a validity (``--valid-for``), Release says ``Valid-Until``: apt then
refuses the repository once that time has passed, so whoever can serve
the repository cannot keep a robot on an old signed state (withholding
the fixes published since) for longer than that.
"""

import ctypes
import email.utils
import gzip
import hashlib
import os
from pathlib import Path
import shutil
import time

from colcon_deb_docker.repository.manifest import Manifest
from colcon_deb_docker.repository.manifest import MANIFEST_NAME
from colcon_deb_docker.repository.manifest import version_key

COMPONENT = 'main'
#: how many index snapshots stay on disk (the current one included)
SNAPSHOTS_KEPT = 3
HASHES = (('MD5Sum', 'md5'), ('SHA1', 'sha1'), ('SHA256', 'sha256'))
#: the fields of a Packages stanza that the index writes, never a .deb's
#: control data (apt reads field names in any letter case)
GENERATED_FIELDS = frozenset(
    {'filename', 'size', 'sha512'} |
    {name.lower() for name, _ in HASHES})
SNAPSHOTS_DIR = '.snapshots'


class ForeignDists(Exception):
    """``dists/<codename>`` exists but was not written by this tool."""


def snapshot_serials(root, codename=None):
    """Return the serials of the complete snapshots, oldest first.

    :param codename: only those of this distribution (one repository may
      hold several: dists/bookworm, dists/trixie share the pool and the
      serial numbers)
    """
    snapshots = Path(root) / SNAPSHOTS_DIR
    if not snapshots.is_dir():
        return []
    serials = sorted(int(p.name) for p in snapshots.iterdir()
                     if p.name.isdigit())
    if codename is None:
        return serials
    return [s for s in serials
            if snapshot_codename(snapshots / str(s)) == codename]


def snapshot_codename(snapshot):
    """Return the Codename of a snapshot's Release, or None."""
    return release_field(snapshot, 'Codename')


def distributions(root):
    """Return {codename: current snapshot} of every dists/ link of ours."""
    dists = Path(root) / 'dists'
    found = {}
    if dists.is_dir():
        for link in sorted(dists.iterdir()):
            if link.name.startswith('.'):
                continue
            try:
                snapshot = current_snapshot(root, link.name)
            except ForeignDists:
                continue
            if snapshot is not None:
                found[link.name] = snapshot
    return found


def current_snapshot(root, codename):
    """Return the snapshot directory ``dists/<codename>`` points at.

    A copy of the repository that followed the link (see
    :func:`copied_snapshot`) gives the snapshot it is a copy of.

    :returns: None when there is no ``dists/<codename>`` yet
    :raises ForeignDists: when it is not one of our snapshot links
    """
    link = Path(root) / 'dists' / codename
    if not link.is_symlink():
        if link.exists():
            return copied_snapshot(root, codename)
        return None
    target = Path(os.readlink(link))
    if target.parent != Path('..') / SNAPSHOTS_DIR or \
            not target.name.isdigit():
        raise ForeignDists(str(link))
    return Path(root) / SNAPSHOTS_DIR / target.name


def copied_snapshot(root, codename):
    """Return what a ``dists/<codename>`` directory is a copy of.

    Copies that follow links (``aws s3 sync``, ``rsync`` without ``-l``,
    zip archives, ``tar --dereference`` as GitHub Pages' upload does) turn
    the link into a directory holding the snapshot's files.  Such a
    repository is served fine, and brought back before the next run it is
    still ours: its snapshot is the ``.snapshots/<n>`` with the same files
    byte for byte, or, when the copy left out the hidden ``.snapshots``
    (as GitHub's upload-artifact does), the directory itself.  The
    self-check makes it the link again (:func:`restore_link`).

    :returns: ``.snapshots/<n>``, or the directory itself
    :raises ForeignDists: when it holds no index snapshot of ours for
      `codename` (no manifest, a Release of another distribution, or a
      link or other file no snapshot has, which adopting it would follow)
    """
    root = Path(root)
    directory = root / 'dists' / codename
    if not (directory / MANIFEST_NAME).is_file() or \
            snapshot_codename(directory) != codename or any(
                path.is_symlink() or not (path.is_file() or path.is_dir())
                for path in directory.rglob('*')):
        raise ForeignDists(str(directory))
    files = _tree_files(directory)
    for serial in reversed(snapshot_serials(root, codename)):
        snapshot = root / SNAPSHOTS_DIR / str(serial)
        if _tree_files(snapshot) == files and all(
                (snapshot / name).read_bytes() ==
                (directory / name).read_bytes() for name in files):
            return snapshot
    return directory


def _tree_files(directory):
    """Return {relative path: size} of the files under `directory`."""
    return {
        path.relative_to(directory).as_posix(): path.stat().st_size
        for path in directory.rglob('*') if path.is_file()}


def restore_link(root, codename, *, copy_of=None):
    """Make a copied ``dists/<codename>`` the link to its snapshot again.

    A copy with no identical snapshot becomes a new snapshot first, so
    nothing it holds is lost.  The directory and the link are exchanged in
    one step where the kernel can (``renameat2``), so a reader of a
    repository served in place sees the one or the other.

    :param copy_of: what :func:`copied_snapshot` gave for it, when the
      caller has it (under the repository's lock): it compares every file,
      once is enough
    :returns: the serial of the snapshot it now points at, None when
      ``dists/<codename>`` is not a copy
    :raises ForeignDists: for a directory that is not ours
    """
    root = Path(root)
    directory = root / 'dists' / codename
    if directory.is_symlink() or not directory.is_dir():
        return None
    snapshot = copy_of or copied_snapshot(root, codename)
    if snapshot == directory:
        serial = _new_snapshot(
            root, lambda tmp: shutil.copytree(directory, tmp))
    else:
        serial = int(snapshot.name)
    _switch_link(root, codename, serial, replace_copy=True)
    return serial


def package_stanza(entry):
    """Return the Packages stanza (ordered dict) of a manifest entry."""
    stanza = {
        key: value for key, value in entry['control'].items()
        if key.lower() not in GENERATED_FIELDS}
    stanza['Filename'] = entry['filename']
    stanza['Size'] = str(entry['size'])
    for name, algorithm in HASHES:
        stanza[name] = entry[algorithm]
    return stanza


def format_stanza(stanza):
    """Return one deb822 paragraph (multi-line values continued)."""
    lines = []
    for key, value in stanza.items():
        first, *rest = str(value).split('\n')
        lines.append(f'{key}: {first}'.rstrip())
        lines.extend(line if line.startswith(' ') else ' ' + line
                     for line in rest)
    return '\n'.join(lines) + '\n'


def packages_text(manifest, arch):
    """Return the Packages index of one architecture for a manifest.

    Its packages, ``all`` included, by name and version.
    """
    entries = sorted(manifest.debs.values(), key=lambda e: (
        e['package'], version_key(e['version']), e['architecture']))
    return ''.join(
        format_stanza(package_stanza(e)) + '\n' for e in entries
        if e['architecture'] in (arch, 'all'))


def write_snapshot(*, root, codename, architectures, origin, manifest,
                   signer=None, label=None, valid_for=None):
    """Write the indexes of `manifest` as a new snapshot and switch to it.

    :param architectures: the architectures to index even when empty
    :param valid_for: seconds the Release stays valid (``Valid-Until``),
      None for no end
    :returns: the pool files deleted because no kept snapshot lists them
    """
    root = Path(root)
    # a copy that followed the link joins the snapshots first, so that the
    # new one's by-hash keeps its indexes for the clients reading it
    restore_link(root, codename)
    serial = _new_snapshot(root, lambda tmp: _write_indexes(
        tmp, root=root, codename=codename, architectures=architectures,
        origin=origin, label=label or origin, manifest=manifest,
        signer=signer, valid_for=valid_for))
    _switch_link(root, codename, serial)
    return _remove_old_snapshots(root, codename)


def _new_snapshot(root, write):
    """Add the next ``.snapshots/<n>``, complete or not at all.

    :param write: called with the path of a temporary directory, not
      there yet, to make and fill
    :returns: its serial
    """
    snapshots = root / SNAPSHOTS_DIR
    snapshots.mkdir(parents=True, exist_ok=True)
    publishable(snapshots)
    serial = 1 + max(snapshot_serials(root), default=0)
    tmp = snapshots / f'.{serial}.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        write(tmp)
        publishable(tmp, *tmp.rglob('*'))
        os.replace(tmp, snapshots / str(serial))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return serial


def _write_indexes(tmp, *, root, codename, architectures, origin, label,
                   manifest, signer, valid_for):
    architectures = set(architectures) | {
        e['architecture'] for e in manifest.debs.values()
        if e['architecture'] != 'all'}
    older = [root / SNAPSHOTS_DIR / str(s)
             for s in snapshot_serials(root, codename)[-(SNAPSHOTS_KEPT - 1):]]
    index_files = []
    for arch in sorted(architectures):
        text = packages_text(manifest, arch).encode()
        directory = f'{COMPONENT}/binary-{arch}'
        by_hash = tmp / directory / 'by-hash' / 'SHA256'
        by_hash.mkdir(parents=True)
        for name, content in (
            ('Packages', text),
            ('Packages.gz', gzip.compress(text, mtime=0)),
        ):
            (tmp / directory / name).write_bytes(content)
            index_files.append((f'{directory}/{name}', content))
            versions = [content] + [
                (snapshot / directory / name).read_bytes()
                for snapshot in older
                if (snapshot / directory / name).is_file()]
            for data in versions:
                (by_hash / hashlib.sha256(data).hexdigest()).write_bytes(data)
    (tmp / MANIFEST_NAME).write_text(manifest.to_json())
    now = time.time()
    release = {
        'Origin': origin,
        'Label': label,
        'Suite': codename,
        'Codename': codename,
        'Date': email.utils.formatdate(now, usegmt=True),
    }
    if valid_for is not None:
        release['Valid-Until'] = email.utils.formatdate(
            now + valid_for, usegmt=True)
    release.update({
        'Architectures': ' '.join(sorted(architectures)),
        'Components': COMPONENT,
        'Description': 'Packages built by colcon deb',
        'Acquire-By-Hash': 'yes',
    })
    text = ''.join(f'{k}: {v}\n' for k, v in release.items())
    for field, algorithm in HASHES:
        text += f'{field}:\n'
        for name, content in index_files:
            digest = hashlib.new(algorithm, content).hexdigest()
            text += f' {digest} {len(content)} {name}\n'
    (tmp / 'Release').write_text(text)
    if signer is not None:
        detached, clear = signer.sign(text.encode())
        (tmp / 'Release.gpg').write_bytes(detached)
        (tmp / 'InRelease').write_bytes(clear)


def _switch_link(root, codename, serial, *, replace_copy=False):
    """Point ``dists/<codename>`` at snapshot `serial` in one rename.

    :param replace_copy: a directory there is a copy of ours
      (:func:`restore_link` checked it): it is exchanged for the link,
      then deleted
    """
    dists = root / 'dists'
    dists.mkdir(exist_ok=True)
    publishable(dists)
    link = dists / codename
    copy = link.exists() and not link.is_symlink()
    if copy and not replace_copy:
        # never delete what somebody else put there (the self-check says so
        # before any build starts)
        raise ForeignDists(str(link))
    tmp_link = dists / f'.{codename}.tmp'
    if tmp_link.is_symlink() or tmp_link.exists():
        remove_path(tmp_link)
    tmp_link.symlink_to(Path('..') / SNAPSHOTS_DIR / str(serial))
    if not copy:
        os.replace(tmp_link, link)
        return
    if not _exchange(tmp_link, link):
        # no atomic exchange here: the copy moves aside, the link takes
        # its place a moment later
        os.replace(link, dists / f'.{codename}.copy.tmp')
        os.replace(tmp_link, link)
        tmp_link = dists / f'.{codename}.copy.tmp'
    remove_path(tmp_link)


def _exchange(a, b):
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``).

    :returns: False where the C library or the file system cannot
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b),
                     rename_exchange) == 0


def remove_path(path, *, missing_ok=False):
    """Delete a file, a link (not what it points at) or a directory tree.

    :param missing_ok: also what is gone already or goes while deleting
      (a leftover of a killed run)
    """
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=missing_ok)
    else:
        path.unlink(missing_ok=missing_ok)


def listed_files(snapshot):
    """Return the pool paths a snapshot's manifest lists.

    None if it has no readable manifest.
    """
    try:
        return set(Manifest.from_json(
            (snapshot / MANIFEST_NAME).read_text()).debs)
    except (OSError, ValueError, KeyError):
        return set()


def _remove_old_snapshots(root, codename):
    """Delete the snapshots of `codename` but its newest few.

    And the pool files no remaining snapshot (of any distribution) lists.
    """
    snapshots = root / SNAPSHOTS_DIR
    mine = snapshot_serials(root, codename)
    old = {snapshots / str(s) for s in mine[:-SNAPSHOTS_KEPT]}
    # never one a dists/ link points at, whatever its Release says
    current = set(distributions(root).values())
    old -= current
    if not old:
        return []
    kept = set()
    for serial in snapshot_serials(root):
        if snapshots / str(serial) not in old:
            kept |= listed_files(snapshots / str(serial))
    for snapshot in current:
        # a copied dists/<codename> with no snapshot of its own
        kept |= listed_files(snapshot)
    candidates = set()
    for snapshot in old:
        candidates |= listed_files(snapshot)
    deleted = []
    for relative in sorted(candidates - kept):
        path = root / relative
        if relative.startswith('pool/') and '..' not in Path(relative).parts \
                and path.is_file() and not path.is_symlink():
            path.unlink()
            deleted.append(relative)
    for snapshot in sorted(old):
        shutil.rmtree(snapshot)
    return deleted


def publishable(*paths):
    """Make repository files readable by everyone, whatever the umask.

    A repository is published: apt reads it as its unprivileged `_apt`
    user and consumers copy it around.  Nothing secret is ever written here
    (the signing key stays outside; only its public part is exported).
    """
    for path in paths:
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)


def release_label(root, codename):
    """Return the Label of the current Release of `codename`, or None."""
    return release_field(Path(root) / 'dists' / codename, 'Label')


def release_field(snapshot, name):
    """Return one field of a snapshot's Release (a ``dists/`` link's too).

    None when the Release or the field is missing.
    """
    try:
        text = (Path(snapshot) / 'Release').read_text()
    except OSError:
        return None
    return text_field(text, name)


def text_field(text, name):
    """Return one field of a Release's text (InRelease's too), or None."""
    for line in text.splitlines():
        if line.startswith(f'{name}:'):
            return line.split(':', 1)[1].strip()
    return None


def release_valid_until(snapshot):
    """Return the ``Valid-Until`` of a snapshot's Release (epoch seconds).

    None when it has none (or one that does not parse: then apt would
    not take it either, and the self-check writes the Release again).
    """
    value = release_field(snapshot, 'Valid-Until')
    if value is None:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return float('nan')

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The check every run makes of the repository it is about to extend.

It finds (and, when asked, repairs):

- leftovers of an interrupted run: temporary files, and pool files that a
  killed run copied (listed in its journal under ``.pending/``) but never
  indexed: deleted;
- a manifest entry whose pool file is missing or has other bytes: dropped
  from the index (the package is then built again);
- index files that do not match the manifest or their Release hashes, or a
  signature that does not verify: a new snapshot is written;
- a Release whose validity (``--valid-for``) is more than half gone, or
  other than asked: a new snapshot is written (a *renewal*, not a repair);
- files this tool did not write (a ``.deb`` in the pool that no manifest
  lists): reported and left alone, never indexed and never deleted.

A ``dists/<codename>`` directory that a copy made of our snapshot link
(one that followed links) is made the link again; any other
``dists/<codename>`` that is not one of our snapshot links stops the run
with a message, and is never touched.
"""

from dataclasses import dataclass
from dataclasses import field
import hashlib
import json
import math
from pathlib import Path
import time

from colcon_deb_docker.repository.indexes import current_snapshot
from colcon_deb_docker.repository.indexes import distributions
from colcon_deb_docker.repository.indexes import ForeignDists
from colcon_deb_docker.repository.indexes import listed_files
from colcon_deb_docker.repository.indexes import packages_text
from colcon_deb_docker.repository.indexes import release_valid_until
from colcon_deb_docker.repository.indexes import remove_path
from colcon_deb_docker.repository.indexes import restore_link
from colcon_deb_docker.repository.indexes import snapshot_codename
from colcon_deb_docker.repository.indexes import snapshot_serials
from colcon_deb_docker.repository.indexes import SNAPSHOTS_DIR
from colcon_deb_docker.repository.manifest import Manifest
from colcon_deb_docker.repository.manifest import MANIFEST_NAME
from colcon_deb_docker.repository.publish_rules import file_hashes
from colcon_deb_docker.repository.publish_rules import read_deb
from colcon_deb_docker.repository.publish_rules import RepositoryError
from colcon_deb_docker.repository.validity import renewal_reason

PENDING_DIR = '.pending'


@dataclass
class CheckReport:
    """What the self-check found."""

    manifest: Manifest
    #: what was (or, without repair, would be) repaired
    repairs: list = field(default_factory=list)
    #: files that are not ours, left alone
    foreign: list = field(default_factory=list)
    #: why the Release is signed again though nothing is wrong with it
    renewals: list = field(default_factory=list)
    #: copied dists/ directories made links again (routine after a copy
    #: that follows links, not a fault)
    links_restored: list = field(default_factory=list)
    #: a new index snapshot is needed
    rewrite: bool = False


def check_repository(*, root, codename, architectures, signer=None,
                     repair, valid_for=None, now=None):
    """Check the repository at `root`; repair it when `repair` is true.

    Returns the report; the caller writes a new snapshot of
    ``report.manifest`` when ``report.rewrite`` is set.

    :param valid_for: the seconds a Release should stay valid
      (``--valid-for``), None for no ``Valid-Until``
    :param now: the time to judge the validity at (default: now)
    :raises RepositoryError: for a ``dists/<codename>`` we did not write
    """
    root = Path(root)
    try:
        snapshot = current_snapshot(root, codename)
    except ForeignDists as e:
        raise RepositoryError(
            f'{e} was not written by colcon deb (it is not a link to one of '
            f'its index snapshots): it is left alone; move it away or pass '
            'another --output-base') from None
    report = CheckReport(manifest=Manifest())
    _temporaries(root, codename, report, repair)
    if snapshot is not None and not (root / 'dists' / codename).is_symlink():
        snapshot = _copied_dists(root, codename, snapshot, report, repair)
    if snapshot is not None:
        report.manifest = _load_manifest(root, snapshot, report)
    # files other snapshots list: the kept older ones (pruned versions stay
    # until their last snapshot goes) and those of the other distributions
    # sharing the pool (dists/trixie next to dists/bookworm)
    others = set()
    for snapshot_dir in _published_snapshots(root, codename, report, repair):
        others |= listed_files(snapshot_dir)
    _pending(root, report, repair, others)
    _entries(root, report)
    if snapshot is None:
        report.rewrite = report.rewrite or bool(report.manifest.debs)
    elif not report.rewrite:
        _indexes(snapshot, architectures, report, signer)
    if snapshot is not None and not report.rewrite:
        renewal = renewal_reason(
            valid_until=release_valid_until(snapshot), valid_for=valid_for,
            now=time.time() if now is None else now)
        if renewal:
            report.renewals.append(
                f'dists/{codename} (snapshot {snapshot.name}): {renewal}')
            report.rewrite = True
    listed = set(report.manifest.debs) | others
    for path in sorted([*(root / 'pool').rglob('*.deb'),
                        *(root / 'pool').rglob('*.ddeb')]):
        relative = path.relative_to(root).as_posix()
        if relative not in listed:
            report.foreign.append(relative)
    return report


def _copied_dists(root, codename, snapshot, report, repair):
    """Make a copied ``dists/<codename>`` directory the link again.

    See :func:`copied_snapshot`.  Returns the snapshot it stands for.
    """
    if snapshot.parent.name == SNAPSHOTS_DIR:
        report.links_restored.append(
            f'dists/{codename} was a directory holding the files of snapshot '
            f'{snapshot.name} (left by a copy that follows links): made it '
            f'the link to snapshot {snapshot.name} again')
    else:
        report.links_restored.append(
            f'dists/{codename} was a directory holding the files of a '
            'snapshot not kept here (left by a copy that follows links and '
            f'leaves out {SNAPSHOTS_DIR}/): kept them as a new snapshot and '
            f'made dists/{codename} its link')
    if not repair:
        return snapshot
    return root / SNAPSHOTS_DIR / str(
        restore_link(root, codename, copy_of=snapshot))


def _published_snapshots(root, codename, report, repair):
    """Return the snapshots a reader may be using.

    For each distribution, its current one and the older ones.  A newer one
    of `codename` was written by a run killed before it switched the link:
    removed.
    """
    # a copied dists/ directory without a snapshot of its own (a dry run
    # leaves it so): every snapshot of its distribution is an older one
    current = {name: int(snapshot.name) if snapshot.name.isdigit()
               else math.inf
               for name, snapshot in distributions(root).items()}
    published = []
    for serial in snapshot_serials(root):
        path = root / SNAPSHOTS_DIR / str(serial)
        name = snapshot_codename(path)
        if name in current and serial <= current[name]:
            published.append(path)
        elif name == codename or (name is None and not current):
            report.repairs.append(
                f'removed snapshot {serial} (written by an interrupted run, '
                'never published)')
            if repair:
                remove_path(path, missing_ok=True)
    return published


def _temporaries(root, codename, report, repair):
    found = list((root / 'pool').rglob('.*.tmp'))
    found += list((root / SNAPSHOTS_DIR).glob('.*.tmp'))
    # the link being made, and a copied dists/<codename> moved aside for it
    for name in (f'.{codename}.tmp', f'.{codename}.copy.tmp'):
        tmp_link = root / 'dists' / name
        if tmp_link.is_symlink() or tmp_link.exists():
            found.append(tmp_link)
    for path in found:
        report.repairs.append(
            f'removed {path.relative_to(root)} (left by an interrupted run)')
        if repair:
            remove_path(path, missing_ok=True)


def _load_manifest(root, snapshot, report):
    """Return the manifest of the current snapshot (or the best we have)."""
    try:
        return Manifest.from_json((snapshot / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError):
        for serial in reversed(snapshot_serials(root, snapshot_codename(
                snapshot) or None)):
            older = root / SNAPSHOTS_DIR / str(serial)
            try:
                manifest = Manifest.from_json(
                    (older / MANIFEST_NAME).read_text())
            except (OSError, ValueError, KeyError):
                continue
            report.repairs.append(
                f'the manifest of {snapshot.name} is damaged: restored the '
                f'index from snapshot {older.name}')
            report.rewrite = True
            return manifest
    # a repository of an earlier colcon deb: its Packages list our files
    manifest = Manifest()
    for packages in sorted(snapshot.glob('*/binary-*/Packages')):
        for line in packages.read_text().splitlines():
            if line.startswith('Filename: '):
                relative = line.split(' ', 1)[1]
                path = root / relative
                if not path.is_file() or '..' in Path(relative).parts:
                    continue
                try:
                    manifest.add(dict(read_deb(path), filename=relative))
                except RepositoryError as e:
                    report.repairs.append(f'left {relative} out: {e}')
    report.repairs.append(
        f'no manifest in {snapshot.name}: made one from its Packages '
        f'indexes ({len(manifest.debs)} file(s))')
    report.rewrite = True
    return manifest


def _pending(root, report, repair, others):
    for journal in sorted((root / PENDING_DIR).glob('*.json')):
        try:
            files = json.loads(journal.read_text())
        except (OSError, ValueError):
            files = []
        for relative in files:
            path = root / relative
            if relative in report.manifest.debs or relative in others or \
                    not str(relative).startswith('pool/') or \
                    '..' in Path(relative).parts or not path.is_file():
                continue
            report.repairs.append(
                f'removed {relative}: copied by an interrupted run but '
                'never indexed')
            if repair:
                path.unlink()
        if repair:
            journal.unlink()


def _entries(root, report):
    for relative, entry in sorted(report.manifest.debs.items()):
        path = root / relative
        problem = None
        if not path.is_file() or path.is_symlink():
            problem = 'its pool file is missing'
        elif path.stat().st_size != entry['size'] or \
                file_hashes(path)['sha256'] != entry['sha256']:
            problem = 'its pool file has other bytes than published'
        if problem:
            del report.manifest.debs[relative]
            report.rewrite = True
            report.repairs.append(
                f'dropped {relative} from the index: {problem} (its '
                'package will be built again)')


def _indexes(snapshot, architectures, report, signer):
    """Compare the snapshot's index files with the manifest and Release."""
    problems = []
    release = snapshot / 'Release'
    try:
        text = release.read_text()
    except OSError:
        text = ''
        problems.append('Release is missing')
    in_sha256 = False
    for line in text.splitlines():
        if not line.startswith(' '):
            in_sha256 = line.startswith('SHA256:')
            continue
        if in_sha256:
            digest, size, name = line.split()
            path = snapshot / name
            if not path.is_file() or path.stat().st_size != int(size) or \
                    hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                problems.append(f'{name} does not match Release')
    for arch in architectures:
        expected = packages_text(report.manifest, arch)
        packages = snapshot / 'main' / f'binary-{arch}' / 'Packages'
        if not packages.is_file() or packages.read_text() != expected:
            problems.append(f'main/binary-{arch}/Packages does not list '
                            'what the manifest holds')
    if signer is not None:
        try:
            signed = (snapshot / 'InRelease').read_bytes()
        except OSError:
            signed = b''
        if not signer.verify(signed):
            problems.append('InRelease has no valid signature of the key')
    for problem in problems:
        report.repairs.append(f'index snapshot {snapshot.name}: {problem}: '
                              'written again')
    if problems:
        report.rewrite = True

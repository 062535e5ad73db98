# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Fingerprints that decide whether a package must be built again.

A package's fingerprint hashes everything its .deb files depend on: its
source tree (paths, modes, contents, symlink targets), its debian/ override,
the builder image, the helpers, the options that change the result, and the
fingerprints of the workspace packages it builds against.  The last part
makes a change in a library rebuild its dependents while a change in a leaf
rebuilds only that leaf.

After a successful build a stamp (fingerprint plus the pool files) is kept
under the build base; the next run skips the package when the fingerprint
is equal and every stamped file is still in the repository.
"""

import hashlib
import json
import os
from pathlib import Path

#: Directory names that never affect a .deb (version control, caches).
IGNORED_DIRS = frozenset({'.git', '.hg', '.svn', '__pycache__'})
STAMP_NAME = 'stamp.json'


def tree_digest(path):
    """Return a hash of a directory tree, independent of timestamps.

    Symlinks are hashed by their target text, never followed, so a link out
    of the package changes nothing but itself.
    """
    digest = hashlib.sha256()
    root = Path(path)
    if not root.is_dir():
        return 'absent'
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS)
        base = Path(dirpath)
        entries = [(name, base / name) for name in sorted(filenames)]
        entries += [(name, base / name) for name in dirnames
                    if (base / name).is_symlink()]
        for name, full in entries:
            relative = full.relative_to(root).as_posix()
            if full.is_symlink():
                digest.update(
                    f'L {relative} -> {os.readlink(full)}\n'.encode())
                continue
            mode = full.stat().st_mode
            digest.update(
                f'F {relative} {"x" if mode & 0o111 else "-"}\n'.encode())
            with open(full, 'rb') as f:
                for block in iter(lambda: f.read(1 << 20), b''):
                    digest.update(block)
    return digest.hexdigest()


def package_fingerprint(*, source_digest, override_digest, options,
                        dependency_fingerprints):
    """Combine a package's inputs into one fingerprint.

    :param options: a JSON-serialisable mapping of everything else that
      changes the result (builder image, helpers, distro, build options ...)
    :param dependency_fingerprints: {workspace dependency: fingerprint}
    """
    data = json.dumps({
        'source': source_digest,
        'override': override_digest,
        'options': options,
        'dependencies': dict(sorted(dependency_fingerprints.items())),
    }, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def input_digests(*, packages, override_dir=None):
    """Return {name: (source digest, override digest)} of packages.

    Hashed once per run, whatever the number of architectures.

    :param packages: (name, source path) pairs
    """
    digests = {}
    for name, path in packages:
        override = None
        if override_dir is not None:
            override = tree_digest(Path(override_dir) / name / 'debian')
        digests[name] = (tree_digest(path), override)
    return digests


def compute_fingerprints(*, packages, digests, options):
    """Return {name: fingerprint} for packages given in topological order.

    :param packages: (name, workspace dependency names) pairs, dependencies
      before dependents
    :param digests: the :func:`input_digests` of those packages
    """
    fingerprints = {}
    for name, dependencies in packages:
        source_digest, override_digest = digests[name]
        fingerprints[name] = package_fingerprint(
            source_digest=source_digest, override_digest=override_digest,
            options=options,
            dependency_fingerprints={
                d: fingerprints[d] for d in dependencies
                if d in fingerprints})
    return fingerprints


def read_stamp(path):
    """Return the stamp stored at `path`, or None."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def write_stamp(path, *, fingerprint, files):
    """Record a successful build (written to a temporary name, renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.tmp')
    tmp.write_text(json.dumps(
        {'fingerprint': fingerprint, 'files': sorted(files)}, indent=1))
    os.replace(tmp, path)


def is_up_to_date(stamp, *, fingerprint, repository_path):
    """Return True if a stamp matches and its files are all published."""
    if not stamp or stamp.get('fingerprint') != fingerprint:
        return False
    files = stamp.get('files') or []
    root = Path(repository_path)
    return bool(files) and all(
        (root / f).is_file() and '..' not in Path(f).parts for f in files)

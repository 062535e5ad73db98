# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Fingerprints that decide whether a package must be built again.

A package's fingerprint hashes everything its .deb files depend on: its
source tree (paths, modes, contents, symlink targets), its debian/ override,
the builder image, the helpers, the options that change the result, and the
fingerprints of the workspace packages it builds against.  The last part
makes a change in a library rebuild its dependents while a change in a leaf
rebuilds only that leaf.

After a successful build a stamp (fingerprint, its inputs, the version and
the pool files) is kept under the build base; the next run skips the
package when the fingerprint is equal and the repository's manifest still
lists every stamped file, and otherwise says which inputs changed.
"""

import hashlib
import json
import os
from pathlib import Path
import stat

#: Directory names that never affect a .deb (version control, caches).
IGNORED_DIRS = frozenset({'.git', '.hg', '.svn', '__pycache__'})
STAMP_NAME = 'stamp.json'


class UnreadableSource(Exception):
    """A file of a package's source cannot be read."""


def tree_digest(path, *, exclude=(), on_special=None):
    """Return a hash of a directory tree, independent of timestamps.

    Symlinks are hashed by their target text, never followed, so a link out
    of the package changes nothing but itself.  FIFOs, sockets and device
    nodes are never opened (a FIFO would block forever): they are left out
    of the build, and `on_special` is told.

    :param exclude: absolute directories to leave out (an output or build
      base inside the source tree)
    :param on_special: called with the relative path of each special file
    :raises UnreadableSource: naming a file that cannot be read
    """
    digest = hashlib.sha256()
    root = Path(path)
    if not root.is_dir():
        return 'absent'
    excluded = {Path(p).resolve() for p in exclude}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in IGNORED_DIRS and
            (base / d).resolve() not in excluded)
        entries = [(name, base / name) for name in sorted(filenames)]
        entries += [(name, base / name) for name in dirnames
                    if (base / name).is_symlink()]
        for name, full in entries:
            relative = full.relative_to(root).as_posix()
            if full.is_symlink():
                digest.update(
                    f'L {relative} -> {os.readlink(full)}\n'.encode())
                continue
            mode = full.lstat().st_mode
            if not stat.S_ISREG(mode):
                if on_special is not None:
                    on_special(relative)
                continue
            digest.update(
                f'F {relative} {"x" if mode & 0o111 else "-"}\n'.encode())
            try:
                with open(full, 'rb') as f:
                    for block in iter(lambda: f.read(1 << 20), b''):
                        digest.update(block)
            except OSError as e:
                raise UnreadableSource(
                    f'cannot read {full}: {e.strerror or e}') from None
    return digest.hexdigest()


def fingerprint_inputs(*, source_digest, override_digest, options,
                       dependency_fingerprints):
    """Return the inputs a package's fingerprint hashes.

    They are kept in its stamp, so that a later run can say which of them
    changed.

    :param options: a JSON-serialisable mapping of everything else that
      changes the result (builder image, helpers, distro, build options ...)
    :param dependency_fingerprints: {workspace dependency: fingerprint}
    """
    return {
        'source': source_digest,
        'override': override_digest,
        'options': options,
        'dependencies': dict(sorted(dependency_fingerprints.items())),
    }


def hash_inputs(inputs):
    """Return the fingerprint of :func:`fingerprint_inputs`."""
    data = json.dumps(inputs, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def changed_inputs(old, new):
    """Return what differs between two :func:`fingerprint_inputs`, in words.

    :param old: the inputs of the last good build (None if unknown)
    """
    if not old:
        return []
    changes = []
    if old.get('source') != new['source']:
        changes.append('sources')
    if old.get('override') != new['override']:
        changes.append('debian override')
    old_options = old.get('options') or {}
    changes += [f'option {k}' for k in sorted(new['options'])
                if old_options.get(k) != new['options'][k]]
    old_deps = old.get('dependencies') or {}
    changes += [f'dependency {d}' for d in sorted(new['dependencies'])
                if old_deps.get(d) != new['dependencies'][d]]
    changes += [f'dependency {d} removed' for d in sorted(old_deps)
                if d not in new['dependencies']]
    return changes


def input_digests(*, packages, override_dir=None, exclude=(),
                  on_special=None):
    """Return {name: (source digest, override digest)} of packages.

    Hashed once per run, whatever the number of architectures.

    :param packages: (name, source path) pairs
    :param exclude: directories never hashed (see :func:`tree_digest`)
    :param on_special: called with (name, relative path) of each FIFO,
      socket or device node
    :returns: (digests, {name: why it cannot be read})
    """
    digests = {}
    unreadable = {}
    for name, path in packages:
        try:
            override = None
            if override_dir is not None:
                override = tree_digest(Path(override_dir) / name / 'debian')
            digests[name] = (tree_digest(
                path, exclude=exclude, on_special=on_special and (
                    lambda relative, name=name: on_special(name, relative))),
                override)
        except UnreadableSource as e:
            unreadable[name] = str(e)
            digests[name] = ('unreadable', None)
    return digests, unreadable


def compute_fingerprints(*, packages, digests, options, inputs=None):
    """Return {name: fingerprint} for packages given in topological order.

    :param packages: (name, workspace dependency names) pairs, dependencies
      before dependents
    :param digests: the :func:`input_digests` of those packages
    :param inputs: if given, a dict that receives {name: the inputs}
    """
    fingerprints = {}
    for name, dependencies in packages:
        source_digest, override_digest = digests[name]
        package_inputs = fingerprint_inputs(
            source_digest=source_digest, override_digest=override_digest,
            options=options,
            dependency_fingerprints={
                d: fingerprints[d] for d in dependencies
                if d in fingerprints})
        fingerprints[name] = hash_inputs(package_inputs)
        if inputs is not None:
            inputs[name] = package_inputs
    return fingerprints


def read_stamp(path):
    """Return the stamp stored at `path`, or None."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def write_stamp(path, *, fingerprint, files, version=None, inputs=None,
                seconds=None):
    """Record a successful build (written to a temporary name, renamed).

    :param version: the Debian version the build published
    :param inputs: its :func:`fingerprint_inputs`
    :param seconds: how long it took (for the next run's job order)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f'.{path.name}.tmp')
    tmp.write_text(json.dumps(
        {'fingerprint': fingerprint, 'files': sorted(files),
         'version': version, 'inputs': inputs, 'seconds': seconds},
        indent=1, sort_keys=True))
    os.replace(tmp, path)


def is_up_to_date(stamp, *, fingerprint, published):
    """Return True if a stamp matches and its files are all published.

    :param published: the pool paths the repository's (checked) manifest
      lists: a file that is merely present in the pool does not count
    """
    if not stamp or stamp.get('fingerprint') != fingerprint:
        return False
    files = stamp.get('files') or []
    return bool(files) and all(f in published for f in files)

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What a build knows of its workspace siblings' last good builds.

From their stamps: the versions its dependencies on them require, and the
.debs to install as its build dependencies.
"""

from pathlib import Path

from colcon_deb_docker.fingerprint import read_stamp


def built_stamp(session, package_name, arch):
    """Return the stamp of a package's last good build for `arch`.

    An architecture-independent package is built once, for the primary
    architecture: its stamp stands for every architecture.
    """
    layout = session.layout
    stamp = read_stamp(layout.stamp_path(package_name, arch))
    primary = session.architectures[0]
    if stamp is None and arch != primary:
        stamp = read_stamp(layout.stamp_path(package_name, primary))
        if stamp is not None:
            stamp['files'] = [f for f in stamp.get('files', [])
                              if f.endswith('_all.deb')]
    return stamp


def sibling_versions(session, package_names, arch):
    """Return {Debian name: published version} of workspace packages."""
    versions = {}
    for name in sorted(package_names):
        stamp = built_stamp(session, name, arch) or {}
        if stamp.get('version'):
            versions[session.debian_name(name)] = stamp['version']
    return versions


def sibling_debs(session, package_name, arch):
    """Return the repository paths of the sibling .debs a build needs.

    These are the main .debs (no -dbgsym) of the workspace packages in the
    package's build closure, from the stamps of their last good builds.
    Paths that are not plain repository-relative paths are left out (the
    build then falls back to apt).
    """
    files = []
    for name in sorted(session.build_closure.get(package_name, ())):
        stamp = built_stamp(session, name, arch) or {}
        for path in stamp.get('files', []):
            parts = Path(path).parts
            if parts[:2] != ('pool', 'main') or '..' in parts or \
                    '-dbgsym_' in parts[-1] or \
                    any(c.isspace() for c in path):
                continue
            files.append(path)
    return files

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


def missing_siblings(session, planned, *, building, closures=None):
    """Return {package: names} of workspace dependencies nobody provides.

    A workspace package in a build's closure comes from its .deb: one this
    run builds, or the last good build in the repository (by its stamp, or,
    when the build base lost that, by the repository's manifest: the build
    then gets it through apt).  One that is neither (left out by
    --packages-select, never built) would fail the build late, in apt's
    words ("held broken packages"), after the container and the index
    refresh; the run names it before any build.

    :param planned: the planned builds of the run (one per architecture)
    :param building: the names of the packages this run builds
    :param closures: {package: workspace dependencies} to check (default:
      the build closures)
    """
    if closures is None:
        closures = session.build_closure
    published = {
        (entry['package'], entry['architecture'])
        for entry in session.repository.manifest.debs.values()}
    missing = {}
    for entry in planned:
        for name in sorted(closures.get(entry.name, ())):
            if name in building or \
                    built_stamp(session, name, entry.arch) is not None or \
                    {(session.debian_name(name), entry.arch),
                     (session.debian_name(name), 'all')} & published:
                continue
            names = missing.setdefault(entry.name, [])
            if name not in names:
                names.append(name)
    return missing


def _needs(missing):
    """Return a line for each package and what it lacks, by name."""
    return [f"  {name} needs {', '.join(needed)}"
            for name, needed in sorted(missing.items())]


def describe_missing_siblings(missing, *, invalid=()):
    """Return the lines that say which builds lack which siblings."""
    lines = [
        'workspace packages needed to build, but neither in this run nor '
        'built into the repository:', *_needs(missing)]
    if any(name in invalid for names in missing.values() for name in names):
        lines.append(
            'A package that cannot be packaged (its error is above) cannot '
            'be installed for the build either.')
    lines.append(
        'Build them in the same run (--packages-up-to '
        f"{' '.join(sorted(missing))}) or before it.")
    return '\n'.join(lines)


def describe_uninstallable(missing):
    """Return the lines that say which packages apt cannot install yet."""
    lines = [
        'packages whose .deb depends on workspace packages neither in this '
        'run nor in the repository (apt cannot install them until those '
        'are):', *_needs(missing)]
    lines.append(
        f"Build those too (--packages-up-to {' '.join(sorted(missing))}), "
        'in this run or a later one.')
    return '\n'.join(lines)

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What a run will do: which packages build, which are up to date.

The plan is made on the host before any container starts: fingerprints of
every package (see :mod:`colcon_deb_docker.fingerprint`), the stamps of the
last good builds, and the .deb names each package will produce.  The verb
uses it to skip up-to-date packages and ``--dry-run`` prints it.
"""

from dataclasses import dataclass
import hashlib
from pathlib import Path

from catkin_pkg.package import parse_package
from colcon_deb_docker.fingerprint import compute_fingerprints
from colcon_deb_docker.fingerprint import is_up_to_date
from colcon_deb_docker.fingerprint import read_stamp
from colcon_deb_docker.fingerprint import tree_digest


@dataclass
class PlannedPackage:
    """One selected package and what the run will do with it."""

    name: str
    path: Path
    fingerprint: str
    #: 'build' or 'skip'
    action: str
    #: why: new, changed, forced, files missing, up to date
    reason: str
    stamp: dict = None


def fingerprint_options(*, session, user_sources, offline):
    """Return what, besides the sources, changes a package's .debs."""
    sources = hashlib.sha256()
    for path in user_sources:
        sources.update(Path(path).read_bytes())
    return {
        'builder_image': session.builder.tag,
        'architecture': session.builder.architecture,
        'helpers': tree_digest(session.helpers_dir),
        'ros_distro': session.ros_distro,
        'build_options': session.build_options,
        'rosdep_sources': sources.hexdigest(),
        'offline': bool(offline),
    }


def make_plan(*, decorators, session, options, selected, force):
    """Return the :class:`PlannedPackage` list in build order.

    :param decorators: colcon's package decorators, topologically ordered
    :param selected: names of the packages this run builds
    """
    fingerprints = compute_fingerprints(
        packages=[
            (d.descriptor.name, d.descriptor.path,
             sorted(d.recursive_dependencies))
            for d in decorators],
        options=options, override_dir=session.debian_overrides)
    session.fingerprints.update(fingerprints)
    plan = []
    for decorator in decorators:
        name = decorator.descriptor.name
        if name not in selected:
            continue
        fingerprint = fingerprints[name]
        stamp = read_stamp(session.stamp_path(name))
        if force:
            action, reason = 'build', 'forced'
        elif stamp is None:
            action, reason = 'build', 'new'
        elif stamp.get('fingerprint') != fingerprint:
            action, reason = 'build', 'changed'
        elif not is_up_to_date(
                stamp, fingerprint=fingerprint,
                repository_path=session.repository.path):
            action, reason = 'build', 'files missing from the repository'
        else:
            action, reason = 'skip', 'up to date'
        plan.append(PlannedPackage(
            name=name, path=Path(decorator.descriptor.path),
            fingerprint=fingerprint, action=action, reason=reason,
            stamp=stamp))
    return plan


def expected_deb_name(*, session, package_xml):
    """Return the name of the main .deb a package will produce."""
    package = parse_package(str(package_xml))
    architecture = session.builder.architecture
    if any(e.tagname == 'architecture_independent' for e in package.exports):
        architecture = 'all'
    return (f'{session.debian_name(package.name)}_{package.version}-0'
            f'{session.builder.os_codename}_{architecture}.deb')

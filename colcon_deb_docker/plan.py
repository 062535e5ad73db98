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
from colcon_deb_docker.fingerprint import input_digests
from colcon_deb_docker.fingerprint import is_up_to_date
from colcon_deb_docker.fingerprint import read_stamp
from colcon_deb_docker.fingerprint import tree_digest


@dataclass
class PlannedPackage:
    """One selected package and what the run will do with it."""

    name: str
    arch: str
    path: Path
    fingerprint: str
    #: 'build' or 'skip'
    action: str
    #: why: new, changed, forced, files missing, up to date
    reason: str
    stamp: dict = None
    #: built once, as ``Architecture: all``
    architecture_independent: bool = False


def fingerprint_options(*, session, user_sources, offline):
    """Return {arch: what, besides the sources, changes its .debs}."""
    sources = hashlib.sha256()
    for path in user_sources:
        sources.update(Path(path).read_bytes())
    common = {
        'helpers': tree_digest(session.helpers_dir),
        'ros_distro': session.ros_distro,
        'build_options': session.build_options,
        'rosdep_sources': sources.hexdigest(),
        'offline': bool(offline),
    }
    return {
        arch: {**common, 'builder_image': builder.tag, 'architecture': arch}
        for arch, builder in session.builders.items()}


def is_architecture_independent(package_xml):
    """Return whether a package declares ``<architecture_independent/>``."""
    package = parse_package(str(package_xml))
    return any(e.tagname == 'architecture_independent'
               for e in package.exports)


def make_plan(*, decorators, session, options_by_arch, selected, force):
    """Return the :class:`PlannedPackage` list in build order.

    Every package is planned for every architecture of the session, except
    an architecture-independent one, built once for the primary
    architecture (its ``Architecture: all`` .deb serves all of them).

    :param decorators: colcon's package decorators, topologically ordered
    :param options_by_arch: {arch: fingerprint options}
    :param selected: names of the packages this run builds
    """
    digests = input_digests(
        packages=[(d.descriptor.name, d.descriptor.path) for d in decorators],
        override_dir=session.debian_overrides)
    graph = [(d.descriptor.name, sorted(d.recursive_dependencies))
             for d in decorators]
    for arch, options in options_by_arch.items():
        fingerprints = compute_fingerprints(
            packages=graph, digests=digests, options=options)
        for name, fingerprint in fingerprints.items():
            session.fingerprints[(name, arch)] = fingerprint
    plan = []
    primary = session.architectures[0]
    for decorator in decorators:
        name = decorator.descriptor.name
        if name not in selected:
            continue
        path = Path(decorator.descriptor.path)
        architectures = session.architectures
        independent = is_architecture_independent(path / 'package.xml')
        if independent:
            architectures = [primary]
        for arch in architectures:
            planned = _plan_one(
                session=session, name=name, arch=arch, path=path,
                force=force)
            planned.architecture_independent = independent
            plan.append(planned)
    return plan


def _plan_one(*, session, name, arch, path, force):
    fingerprint = session.fingerprints[(name, arch)]
    stamp = read_stamp(session.stamp_path(name, arch))
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
    return PlannedPackage(
        name=name, arch=arch, path=path, fingerprint=fingerprint,
        action=action, reason=reason, stamp=stamp)


def expected_deb_name(*, session, package_xml, arch):
    """Return the name of the main .deb a package will produce."""
    package = parse_package(str(package_xml))
    if is_architecture_independent(package_xml):
        arch = 'all'
    return (f'{session.debian_name(package.name)}_{package.version}-0'
            f'{session.builder.os_codename}_{arch}.deb')

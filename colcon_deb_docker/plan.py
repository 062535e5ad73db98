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
from colcon_core.logging import colcon_logger
from colcon_deb_docker.apt_sources import source_digest
from colcon_deb_docker.fingerprint import changed_inputs
from colcon_deb_docker.fingerprint import compute_fingerprints
from colcon_deb_docker.fingerprint import input_digests
from colcon_deb_docker.fingerprint import is_up_to_date
from colcon_deb_docker.fingerprint import read_stamp
from colcon_deb_docker.fingerprint import tree_digest
from colcon_deb_docker.package_checks import declared_binary_packages
from colcon_deb_docker.provenance import vcs_info
from colcon_deb_docker.repository.manifest import version_key
from colcon_deb_docker.versioning import new_version
from colcon_deb_docker.versioning import VersionError

logger = colcon_logger.getChild(__name__)


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
    #: the Debian version the build gets (or, skipped, has)
    version: str = None
    #: the build's SOURCE_DATE_EPOCH and changelog date
    source_date_epoch: int = None
    #: {'commit', 'dirty'} of the source, or None
    vcs: dict = None
    #: the fingerprint's inputs (kept in the stamp)
    inputs: dict = None


def fingerprint_options(*, session, user_sources, offline, apt_sources=()):
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
    if apt_sources:
        # only when given, so that existing fingerprints stay valid
        common['apt_sources'] = source_digest(apt_sources)
    if session.debug_symbols == 'lean':
        # likewise ('none' is in build_options already)
        common['debug_symbols'] = session.debug_symbols
    # the builder image by its content where its base image's packages say
    # all it holds (else by its tag): a base image made anew by debootstrap
    # with the same packages, in each CI run, changes no fingerprint (see
    # builder_image.py)
    return {
        arch: {**common, 'builder_image': builder.content or builder.tag,
               'architecture': arch}
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
    digests, unreadable = input_digests(
        packages=[(d.descriptor.name, d.descriptor.path) for d in decorators],
        override_dir=session.debian_overrides,
        exclude=session.layout.excluded_paths, on_special=_warn_special)
    session.blocked.update(unreadable)
    graph = [(d.descriptor.name, sorted(d.recursive_dependencies))
             for d in decorators]
    inputs = {}
    for arch, options in options_by_arch.items():
        inputs[arch] = {}
        fingerprints = compute_fingerprints(
            packages=graph, digests=digests, options=options,
            inputs=inputs[arch])
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
            planned.inputs = inputs[arch][name]
            if planned.stamp and planned.reason == 'changed':
                changes = changed_inputs(
                    planned.stamp.get('inputs'), planned.inputs)
                if changes:
                    planned.reason = 'changed: ' + ', '.join(changes)
            try:
                assign_version(session=session, planned=planned)
            except VersionError as e:
                session.blocked[name] = str(e)
            plan.append(planned)
    return plan


def _warn_special(name, relative):
    logger.warning(
        f"'{name}': {relative} is a FIFO, socket or device node, not a "
        'file: it is left out of the build')


def _plan_one(*, session, name, arch, path, force):
    fingerprint = session.fingerprints[(name, arch)]
    stamp = read_stamp(session.layout.stamp_path(name, arch)) or \
        published_stamp(session=session, name=name, arch=arch,
                        fingerprint=fingerprint)
    if force:
        action, reason = 'build', 'forced'
    elif stamp is None:
        action, reason = 'build', 'new'
    elif stamp.get('fingerprint') != fingerprint:
        action, reason = 'build', 'changed'
    elif not is_up_to_date(
            stamp, fingerprint=fingerprint,
            published=session.repository.manifest.debs):
        action, reason = 'build', 'files missing from the repository'
    else:
        action, reason = 'skip', 'up to date'
    return PlannedPackage(
        name=name, arch=arch, path=path, fingerprint=fingerprint,
        action=action, reason=reason, stamp=stamp)


def published_stamp(*, session, name, arch, fingerprint):
    """Return the stamp of a build the repository holds, or None.

    The stamp in the build base is a cache: when it is gone (a fresh build
    base, a new layout), the checked manifest still says which files a
    fingerprint produced, so an unchanged package is not built again; but
    only when that build is the package's latest (an older one would leave
    apt on the newer version built from other sources).
    """
    manifest = session.repository.manifest
    entries = [
        e for e in manifest.debs.values()
        if e.get('provenance', {}).get('ros_package') == name and
        e.get('provenance', {}).get('fingerprint') == fingerprint and
        e['architecture'] in (arch, 'all')]
    main = [e for e in entries if e['package'] == session.debian_name(name)]
    if not main:
        return None
    version = max((e['version'] for e in main), key=version_key)
    if not _is_latest(manifest, session.debian_name(name), version, arch):
        return None
    return {
        'fingerprint': fingerprint, 'version': version,
        'files': sorted(e['filename'] for e in entries
                        if e['version'] == version)}


def assign_version(*, session, planned, now=None):
    """Give a planned build its Debian version, date and commit.

    A fingerprint the repository already published keeps its version, date
    and commit (so the build reproduces the published bytes); a new one gets
    a new version above every published one (see
    :mod:`colcon_deb_docker.versioning`).

    :param now: the time of the new version (default: the run's start)
    :raises VersionError: when no new version can sort above the published
    """
    manifest = session.repository.manifest
    debian_name = session.debian_name(planned.name)
    if now is None:
        published = manifest.find_build(
            package=debian_name, architectures=(planned.arch, 'all'),
            fingerprint=planned.fingerprint)
        # reused only while it is the latest: sources changed back to an
        # older build's still need a version above everything published
        if published is not None and _is_latest(
                manifest, debian_name, published['version'], planned.arch):
            provenance = published.get('provenance', {})
            planned.version = published['version']
            planned.source_date_epoch = provenance.get('source_date_epoch')
            planned.vcs = provenance.get('vcs')
            return
        if planned.action == 'skip' and planned.stamp.get('version'):
            planned.version = planned.stamp['version']
            return
    now = int(now or session.started)
    package = parse_package(str(planned.path / 'package.xml'))
    planned.version = new_version(
        scheme=session.version_scheme, upstream=package.version,
        codename=session.builder.os_codename,
        highest=manifest.highest_version(debian_name), now=now,
        package=debian_name)
    planned.vcs = vcs_info(planned.path) if planned.action == 'build' \
        else None
    # derived from the source where it can be (a clean git checkout: its
    # commit's time), else the time the version was made; either way
    # recorded with the version and reused by every rebuild of it
    clean = planned.vcs and not planned.vcs['dirty']
    planned.source_date_epoch = planned.vcs['time'] if clean else now


def _is_latest(manifest, debian_name, version, arch):
    """Return whether `version` is the highest the index of `arch` lists.

    What apt of that architecture sees: its own and ``all`` entries.
    """
    listed = [e['version'] for e in manifest.debs.values()
              if e['package'] == debian_name and
              e['architecture'] in (arch, 'all')]
    return all(version_key(version) >= version_key(v) for v in listed)


def expected_deb_name(*, session, planned):
    """Return the name of the main .deb a planned package produces."""
    arch = 'all' if planned.architecture_independent else planned.arch
    return f'{session.debian_name(planned.name)}_{planned.version}_{arch}.deb'


def binary_packages(*, session, planned):
    """Return the Debian names of the binary packages a build may produce.

    Read on the host before the build, from what the build cannot change
    (see :func:`declared_binary_packages`).
    """
    declared = declared_binary_packages(
        package_path=planned.path, package_name=planned.name,
        debian_overrides=session.debian_overrides)
    if declared is None:
        return frozenset({session.debian_name(planned.name)})
    return declared


def plan_run(args, *, session, decorators, invalid):
    """Plan the run against the checked repository (versions, skips)."""
    selected = {
        d.descriptor.name for d in decorators
        if d.selected and d.descriptor.name not in invalid}
    plan = make_plan(
        decorators=decorators, session=session,
        options_by_arch=fingerprint_options(
            session=session, user_sources=args.rosdep_source,
            offline=args.offline,
            apt_sources=session.apt_sources),
        selected=selected, force=args.force)
    for planned in plan:
        session.plan.setdefault(planned.name, []).append(planned)
    return plan

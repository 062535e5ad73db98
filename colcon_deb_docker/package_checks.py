# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Which selected packages can become .debs, and why the others cannot."""

from pathlib import Path

from catkin_pkg.package import parse_package
from colcon_deb_docker.naming import check_package_name
from colcon_deb_docker.naming import check_version
from colcon_deb_docker.naming import CLAIMING_FIELDS
from colcon_deb_docker.naming import debian_package_name
from colcon_deb_docker.naming import InvalidPackage
from colcon_deb_docker.naming import relation_names
from debian.deb822 import Deb822


def search_paths(args):
    """Return where colcon looked for packages.

    That is --paths if given (each a package directory), else the
    --base-paths.
    """
    return getattr(args, 'paths', None) or \
        getattr(args, 'base_paths', None) or ['.']


#: the build types bloom's rosdebian templates know
BLOOM_BUILD_TYPES = ('ament_cmake', 'ament_python', 'catkin', 'cmake')


def invalid_packages(decorators, debian_overrides=None):
    """Return {name: reason} of selected packages that cannot become .debs."""
    invalid = {}
    for decorator in decorators:
        pkg = decorator.descriptor
        if not decorator.selected:
            continue
        manifest = Path(pkg.path) / 'package.xml'
        if not manifest.is_file():
            invalid[str(pkg.name)] = (
                f'{pkg.path}: not supported: colcon found a {pkg.type} '
                'package without a package.xml, and bloom needs one (add a '
                'package.xml)')
            continue
        try:
            check_package_name(pkg.name)
            package = parse_package(str(manifest))
            check_version(package.version)
        except InvalidPackage as e:
            invalid[str(pkg.name)] = f'{manifest}: {e}'
            continue
        except Exception as e:  # noqa: B902 (any catkin_pkg parse failure)
            invalid[str(pkg.name)] = f'{manifest}: {e}'
            continue
        build_type = package.get_build_type()
        own_debian = (Path(pkg.path) / 'debian').is_dir() or (
            debian_overrides is not None and
            (Path(debian_overrides) / pkg.name / 'debian').is_dir())
        if build_type not in BLOOM_BUILD_TYPES and not own_debian:
            invalid[str(pkg.name)] = (
                f'{manifest}: not supported: build type {build_type!r} '
                f"(bloom knows {', '.join(BLOOM_BUILD_TYPES)}; give the "
                'package a debian/ directory or --debian-overrides)')
    return invalid


def _own_control(*, package_path, package_name, debian_overrides):
    """Return the debian/control that stands for bloom's, or None.

    ``DIR/<name>/debian/control`` given with --debian-overrides, else the
    ``debian/control`` the package ships.
    """
    if debian_overrides is not None:
        override = Path(debian_overrides) / package_name / 'debian'
        if override.is_dir():
            return override / 'control'
    if (Path(package_path) / 'debian').is_dir():
        return Path(package_path) / 'debian' / 'control'
    return None


def _stanzas(control):
    """Return the stanzas of a debian/control as dpkg reads them, or None.

    Any letter case, comments left out; None when it cannot be read.
    """
    try:
        text = control.read_text()
    except (OSError, UnicodeDecodeError):
        return None
    return list(Deb822.iter_paragraphs(text))


def declared_binary_packages(*, package_path, package_name,
                             debian_overrides=None):
    """Return the binary package names a package's own debian/ declares.

    The ``Package:`` field of each stanza of its own debian/control (see
    :func:`_own_control`); None when there is none (bloom's one package
    then).  A control that cannot be read declares nothing, so that no
    file of its build is accepted.
    """
    control = _own_control(
        package_path=package_path, package_name=package_name,
        debian_overrides=debian_overrides)
    if control is None:
        return None
    stanzas = _stanzas(control) or ()
    return frozenset(
        stanza['Package'] for stanza in stanzas if 'Package' in stanza)


def claimed_packages(*, package_path, package_name, ros_distro,
                     debian_overrides=None):
    """Return the Debian names whose place a package's .debs would take.

    ``Replaces`` lets an installed package overwrite the files of the
    packages it names, ``Provides`` lets it satisfy dependencies on them.
    Those of every stanza of its own debian/control; with bloom's, the
    ``<replace>`` of its package.xml (bloom's ``Replaces``, each a
    workspace package's Debian name when it is one).
    """
    control = _own_control(
        package_path=package_path, package_name=package_name,
        debian_overrides=debian_overrides)
    if control is not None:
        return frozenset(
            name for stanza in _stanzas(control) or ()
            for field in CLAIMING_FIELDS if field in stanza
            for name in relation_names(stanza[field]))
    manifest = Path(package_path) / 'package.xml'
    try:
        if b'<replace' not in manifest.read_bytes():
            return frozenset()
        replaces = parse_package(str(manifest)).replaces
    except Exception:  # noqa: B902
        return frozenset()  # invalid_packages() says why
    claimed = set()
    for dependency in replaces:
        try:
            claimed.add(debian_package_name(
                ros_distro=ros_distro, package_name=dependency.name))
        except InvalidPackage:
            continue  # not a workspace package's name
    return frozenset(claimed)


def debian_name_problems(decorators, *, ros_distro, debian_overrides=None):
    """Return {name: reason} of selected packages whose .deb names are wrong.

    A package's own name is bloom's ros-<distro>-<name> (``_`` turned into
    ``-``).  It makes that one, or the binary packages its own
    debian/control declares, each named ros-<distro>-<name> or
    ros-<distro>-<name>-<suffix>; each comes with its ``-dbgsym``.  No two
    packages of the workspace, selected or not, may make the same name.
    Otherwise one package's build would put .debs under another package's
    name into the repository (or a Debian package's, on every machine that
    installs from it), and apt would take whichever has the higher
    version.  A debian/control of its own must declare its own name: the
    one its dependents, rosdep and apt ask for.

    A clash is the fault of the package that makes another's own name (a
    suffix that is a sibling's name, a name outside its own): the sibling
    still builds.  Two packages whose own names are the same (``foo_bar``
    and ``foo-bar``) are both refused.  Nor may a package take another's
    place by ``Replaces`` (installed, it would overwrite the other's files
    without a word from dpkg) or ``Provides`` (it would stand in for the
    other where apt finds no version of it that fits): see
    :func:`claimed_packages`.
    """
    made_by, makers = _names_made(
        decorators, ros_distro=ros_distro, debian_overrides=debian_overrides)
    conflicts = {}
    for decorator in decorators:
        name = str(decorator.descriptor.name)
        if not decorator.selected or name not in made_by:
            continue
        own, foreign, made, own_control = made_by[name]
        if foreign:
            conflicts[name] = (
                f"its debian/control declares {', '.join(foreign)}: a "
                f"package's .debs are named {own} or {own}-<suffix>, so "
                'that none can take the place of a Debian package or of '
                'another package in the repository (rename the binary '
                'package)')
            continue
        if own not in made:
            conflicts[name] = (
                f'its debian/control declares no package {own}: that is '
                'the name its dependents, rosdep and apt ask for (add a '
                'stanza for it)')
            continue
        clashes = sorted(
            (debian_name, other)
            for debian_name, is_own in made.items()
            for other, other_is_own in makers[debian_name].items()
            if other != name and (other_is_own or not is_own))
        if clashes:
            debian_name, other = clashes[0]
            alike = made_by[other][0] == own
            conflicts[name] = (
                f"'{name}' and '{other}' both make the Debian package "
                f'{debian_name}: the repository would hold one of them '
                "under the other's name" +
                (" (bloom's names turn `_` into `-`)" if alike else '') +
                '; rename one of them')
            continue
        taken = sorted(
            (debian_name, other)
            for debian_name in claimed_packages(
                package_path=decorator.descriptor.path, package_name=name,
                ros_distro=ros_distro, debian_overrides=debian_overrides)
            for other in makers.get(debian_name, ()) if other != name)
        if taken:
            debian_name, other = taken[0]
            where, fix = (
                'debian/control provides or replaces',
                'remove the name from Provides and Replaces') \
                if own_control else (
                    'package.xml replaces', 'remove its <replace>')
            conflicts[name] = (
                f"its {where} {debian_name}, which '{other}' makes: "
                "installed, it could overwrite that package's files or "
                f'stand in for it ({fix})')
    return conflicts


def workspace_debian_names(decorators, *, ros_distro, debian_overrides=None):
    """Return {Debian name: the workspace packages that make it}.

    Every package of the workspace, selected or not: the names each one's
    .debs may have (see :func:`debian_name_problems`), with their
    ``-dbgsym``.  The repository refuses a built .deb whose control data
    replaces or provides one of another package's names.
    """
    _, makers = _names_made(
        decorators, ros_distro=ros_distro, debian_overrides=debian_overrides)
    return {debian_name: frozenset(names)
            for debian_name, names in makers.items()}


def _names_made(decorators, *, ros_distro, debian_overrides):
    """Return the Debian names each package makes, and who makes each.

    :returns: ({package: (its own Debian name, the names it declares
      outside its own, {name it makes: whether it is its own or its
      -dbgsym}, whether it has a debian/control of its own)},
      {Debian name: {package: whether that is the package's own name}})
    """
    made_by = {}
    makers = {}
    for decorator in decorators:
        name = str(decorator.descriptor.name)
        try:
            own = debian_package_name(
                ros_distro=ros_distro, package_name=name)
        except InvalidPackage:
            continue  # invalid_packages() says why
        declared = declared_binary_packages(
            package_path=decorator.descriptor.path, package_name=name,
            debian_overrides=debian_overrides)
        names = {own} if declared is None else set(declared)
        foreign = sorted(
            n for n in names if n != own and not n.startswith(f'{own}-'))
        made = {
            made: made in (own, f'{own}-dbgsym')
            for n in names if n not in foreign
            for made in (n, f'{n}-dbgsym')}
        made_by[name] = (own, foreign, made, declared is not None)
        for debian_name, is_own in made.items():
            makers.setdefault(debian_name, {})[name] = is_own
    return made_by, makers


def unused_overrides(decorators, debian_overrides):
    """Return the names under --debian-overrides that no package has.

    Each DIR/<name>/debian/ replaces bloom for the package <name>; one that
    names no package of the workspace (a typo, a renamed package) replaces
    nothing, and the package it was meant for gets bloom's debian/ without
    a word.  Selected or not: an override of a package left out of this
    run is still in use.
    """
    if debian_overrides is None:
        return []
    names = {str(decorator.descriptor.name) for decorator in decorators}
    try:
        entries = list(Path(debian_overrides).iterdir())
    except OSError:
        # gone or unreadable since the command line was parsed (which
        # checked it): the run goes on without the warning
        return []
    return sorted(
        entry.name for entry in entries
        if (entry / 'debian').is_dir() and entry.name not in names)

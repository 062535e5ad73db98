# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Names: which package names are safe, and what bloom calls their .debs."""

import re

# REP 144 names, plus the dashes that older ROS 1 packages still use.  Above
# all a name may never contain a path separator or `..`: it becomes a
# directory name under the build base and part of a file name in the pool.
_PACKAGE_NAME = re.compile(r'^[a-z][a-z0-9_-]{0,99}$')
_VERSION = re.compile(r'^\d+\.\d+\.\d+$')

#: the relationship fields by which an installed package takes another's
#: place: ``Replaces`` lets dpkg overwrite the other's files with its own
#: ("Replacing files in old package"), ``Provides`` lets apt take it for
#: the other
CLAIMING_FIELDS = ('Replaces', 'Provides')


class InvalidPackage(ValueError):
    """A package whose name or version cannot become a Debian package."""


def check_package_name(name):
    """Raise :class:`InvalidPackage` unless `name` is a safe package name."""
    if not isinstance(name, str) or not _PACKAGE_NAME.fullmatch(name):
        raise InvalidPackage(
            f'invalid package name {name!r}: it must start with a lowercase '
            'letter and contain only lowercase letters, digits, `_` and `-`')


def check_version(version):
    """Raise :class:`InvalidPackage` unless `version` is MAJOR.MINOR.PATCH."""
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise InvalidPackage(
            f'invalid version {version!r}: package.xml requires '
            'MAJOR.MINOR.PATCH with non-negative integers')


def debian_package_name(*, ros_distro, package_name):
    """Return the Debian name bloom's rosdebian generator gives a package."""
    check_package_name(package_name)
    return f"ros-{ros_distro}-{package_name.replace('_', '-')}"


def relation_names(value):
    """Return the package names a Debian relationship field gives.

    ``a (>= 1), b:any | c [amd64] <!nocheck>`` names a, b and c: each
    alternative's name, without its version, architecture qualifier,
    architecture list or build profile.  Names come in lower case, as apt
    compares them.
    """
    return frozenset(
        re.split(r'[\s(:\[<]', alternative.strip(), maxsplit=1)[0].lower()
        for relation in value.split(',')
        for alternative in relation.split('|') if alternative.strip())

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Which selected packages can become .debs, and why the others cannot."""

from pathlib import Path

from catkin_pkg.package import parse_package
from colcon_deb_docker.naming import check_package_name
from colcon_deb_docker.naming import check_version
from colcon_deb_docker.naming import InvalidPackage


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

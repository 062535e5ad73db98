# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Where a run keeps things on the host, under the build base.

Per distribution, package and architecture:
``<build-base>/<codename>/<package>/<arch>/`` holds the stamp of the last
good build (``stamp.json``) and the scratch directories a container's
outputs are copied to (``debs/``, ``apt-downloads/``).  The rosdep
pre-check's cache is ``<build-base>/<codename>/.rosdep-state``.
"""

import hashlib
import os
from pathlib import Path
import shutil

from colcon_deb_docker.errors import DebDockerError


def check_apart(*, build_base, output_base):
    """Refuse a build base that is the repository or inside it.

    The same directory would have the run lock itself out ("another colcon
    deb run (pid <its own>)"); one inside the repository would be published
    with it: whoever serves the repository would serve the build's stamps,
    caches and scratch.  (The repository inside the build base is fine.)

    :raises DebDockerError: with what to change
    """
    build = Path(os.path.realpath(build_base))
    output = Path(os.path.realpath(output_base))
    if build == output:
        raise DebDockerError(
            f'--build-base and --output-base are the same directory '
            f'({build}): give the build base a directory of its own')
    if output in build.parents:
        raise DebDockerError(
            f'--build-base {build} is inside the repository {output}: it '
            'would be published with it; give the build base a directory '
            'outside --output-base')


def create_build_base(path):
    """Create the build base (once) and return its absolute path.

    It gets a COLCON_IGNORE, so colcon never takes what is in it for a
    package of the workspace.
    """
    path = Path(os.path.abspath(path))
    path.mkdir(parents=True, exist_ok=True)
    marker = path / 'COLCON_IGNORE'
    if not marker.exists():
        marker.touch()
    return path


class BuildLayout:
    """The host paths of one distribution's builds."""

    def __init__(self, *, build_base, codename, repository_path):
        """Describe the layout; nothing is created here.

        :param repository_path: the output base, excluded from fingerprints
          when it lies inside a package's source
        """
        self.build_base = Path(build_base)
        self.codename = codename
        self.repository_path = Path(repository_path)

    @property
    def label(self):
        """A short stable name of the build base (container labels)."""
        return hashlib.sha256(
            str(self.build_base).encode()).hexdigest()[:16]

    def package_dir(self, package_name, arch):
        """Return the directory of a package's builds for `arch`."""
        return self.build_base / self.codename / package_name / arch

    def output_dir(self, package_name, arch):
        """Return the directory a package's container writes .debs to."""
        return self.package_dir(package_name, arch) / 'debs'

    def apt_downloads_dir(self, package_name, arch):
        """Return where a container's apt downloads land for checking."""
        return self.package_dir(package_name, arch) / 'apt-downloads'

    def stamp_path(self, package_name, arch):
        """Return where the fingerprint of the last good build is kept."""
        return self.package_dir(package_name, arch) / 'stamp.json'

    @property
    def rosdep_state_dir(self):
        """The rosdep cache and key check written by the pre-check."""
        return self.build_base / self.codename / '.rosdep-state'

    @property
    def excluded_paths(self):
        """Directories of ours that a package's source may contain.

        An output or build base inside it: never part of a fingerprint.
        """
        return [self.build_base, self.repository_path]

    def remove_scratch(self):
        """Delete the build base's scratch outputs.

        What dead runs left (at the start), or what an interrupt cut short
        (at the end); only while this run holds the build base's lock.
        """
        for pattern in ('*/*/*/debs', '*/*/*/apt-downloads',
                        # bloom_ahead.py's container inputs and outputs
                        '*/.bloom/.inputs', '*/.bloom/.out',
                        '*/.bloom/*/.*.tmp'):
            for scratch in self.build_base.glob(pattern):
                shutil.rmtree(scratch, ignore_errors=True)

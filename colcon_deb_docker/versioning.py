# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Debian versions that always upgrade (``--version-scheme``).

bloom names a build ``<package.xml version>-0<codename>``.  A rebuild with
changed sources but the same package.xml would get the same version, and
apt would never upgrade to it.  So every build of a *new fingerprint* gets a
version strictly greater (``dpkg --compare-versions``) than every version
of the package this repository has ever published; a build of a
fingerprint already published reuses that version, its date and its commit
(and reproduces its bytes).

Schemes:

- ``timestamp`` (default, as ros_buildfarm does):
  ``1.2.3-0bookworm.20261123.201500`` (UTC time of the run);
- ``counter``: ``1.2.3-0bookworm.<n>``, one more than the highest build
  number published for that package.xml version;
- ``none``: bloom's ``1.2.3-0bookworm``; you bump package.xml yourself, and
  a changed package whose version is already published is refused.
"""

import re
import time

from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.repository.manifest import version_key

SCHEMES = ('timestamp', 'counter', 'none')
DEFAULT_SCHEME = 'timestamp'


class VersionError(DebDockerError):
    """No version for a build can sort above what is published."""


def base_version(*, upstream, codename):
    """Return bloom's version of a package: ``<upstream>-0<codename>``."""
    return f'{upstream}-0{codename}'


def new_version(*, scheme, upstream, codename, highest, now, package):
    """Return the version of a new build of a package.

    :param highest: the highest version of the package ever published
      (None for a new package)
    :param now: the run's time (seconds since the epoch)
    :param package: the Debian package name, for messages
    :raises VersionError: when no version of this scheme can be greater
    """
    base = base_version(upstream=upstream, codename=codename)
    if scheme == 'none':
        candidate = base
    elif scheme == 'timestamp':
        candidate = base + time.strftime('.%Y%m%d.%H%M%S', time.gmtime(now))
    elif scheme == 'counter':
        number = 0
        match = re.fullmatch(re.escape(base) + r'\.(\d+)', highest or '')
        if match:
            number = int(match.group(1))
        candidate = f'{base}.{number + 1}'
    else:
        raise ValueError(f'unknown version scheme {scheme!r}')
    if highest is None or version_key(candidate) > version_key(highest):
        return candidate
    if scheme == 'none':
        raise VersionError(
            f'{package} {candidate} is already published with other '
            'contents (or a higher version is): raise the version in '
            'package.xml, or let colcon deb version builds '
            '(--version-scheme timestamp)')
    if highest.startswith(base + '.'):
        # the same package.xml version, built in the same second or on a
        # clock that went back: one more than the highest
        match = re.fullmatch(r'(.*\.)(\d+)', highest)
        bumped = f'{match.group(1)}{int(match.group(2)) + 1}' if match \
            else highest + '.1'
        if version_key(bumped) > version_key(highest):
            return bumped
    raise VersionError(
        f'{package} {upstream} sorts below the published {highest}: apt '
        'would never upgrade to it; raise the version in package.xml')

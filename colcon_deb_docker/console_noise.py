# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Known noise on a healthy build's stderr, kept out of the console.

debhelper warns about bloom's compat level 9 once per dh command, useradd
about UID ranges, CMake about the variables debhelper always passes,
dpkg-buildpackage echoes its steps on stderr, dpkg-shlibdeps cannot map a
ROS library's unversioned soname (the shlibs step does that).  None of it
is a problem, and all of it made colcon show a ``--- stderr:`` block for
every package, hiding the one error that matters.  Such lines still
reach the package's logs (as standard output); only real stderr reaches
the console.
"""

import re

_NOISE = re.compile('|'.join([
    r'\S+: warning: Compatibility levels before \d+ are deprecated '
    r'\(level \d+ in use\)',
    r'useradd warning: .* outside of the UID_MIN \d+ and UID_MAX \d+ range\.',
    r' (fakeroot debian/rules \w+|debian/rules \w+|dpkg-source --\S+ \.|'
    r'dpkg-genbuildinfo .*|dpkg-genchanges .*)',
    r'debconf: delaying package configuration, since apt-utils is not '
    r'installed',
    r'dpkg-gencontrol: warning: Depends field of package \S+: substitution '
    r'variable \$\{[\w:]+\} used, but is not defined',
    r'dh_auto_\w+: warning: warning: pybuild does not support building out '
    r'of source tree\. In source building enforced\.',
    r'I: pybuild .*',
    r'D: dh_python3 .*',
    r"'build/[^']+' does not exist -- can't clean it",
    r'\S+: SetuptoolsDeprecationWarning: setup\.py install is deprecated\. '
    r'Use build and pip and other standards-based tools\.',
    r'  warnings\.warn\(',
    # ROS libraries have unversioned sonames: expected, and the shlibs step
    # (helpers/add-sibling-library-depends.py) maps them to packages
    r"dpkg-shlibdeps: warning: can't extract name and version from "
    r"library name '[^']+'",
    r'\s*',
]))
_CMAKE_WARNING = 'CMake Warning:'
_UNUSED_VARIABLES = '  Manually-specified variables were not used by the ' \
    'project:'


class StderrNoiseFilter:
    """Sorts a package's stderr lines into noise and real stderr.

    Stateful, one per package build: CMake's unused-variables warning
    spans several lines.
    """

    def __init__(self):  # noqa: D107
        self._held = None
        self._in_cmake_block = False

    def feed(self, line):
        """Return ``[(line, is_noise), ...]`` for one stderr line.

        A ``CMake Warning:`` line is held until the next line tells what
        kind of warning it is.
        """
        if self._held is not None:
            held, self._held = self._held, None
            if line == _UNUSED_VARIABLES:
                self._in_cmake_block = True
                return [(held, True), (line, True)]
            return [(held, False), *self.feed(line)]
        if self._in_cmake_block:
            if line.startswith('    ') or not line.strip():
                return [(line, True)]
            self._in_cmake_block = False
        if line == _CMAKE_WARNING:
            self._held = line
            return []
        return [(line, bool(_NOISE.fullmatch(line)))]

    def flush(self):
        """Return what is still held, as real stderr."""
        held, self._held = self._held, None
        return [(held, False)] if held is not None else []

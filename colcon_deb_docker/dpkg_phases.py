# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Where the time of `dpkg-buildpackage` goes, read from its own output.

debhelper prints each command it runs (``   dh_strip -O--parallel``, or
``   debian/rules override_dh_auto_configure`` for an override); the host
times the output line by line, so a phase lasts from its first command's
line to the next phase's.  Only timing depends on it: a package that prints
such lines itself can skew its own figures, nothing else.
"""

import re

#: debhelper command -> phase of the breakdown
PHASES = {
    'dh_auto_clean': 'clean', 'dh_clean': 'clean',
    'dh_auto_configure': 'configure',
    'dh_auto_build': 'compile',
    'dh_auto_test': 'test',
    'dh_prep': 'install', 'dh_auto_install': 'install',
    'dh_strip': 'strip', 'dh_dwz': 'strip',
    'dh_makeshlibs': 'shlibdeps', 'dh_shlibdeps': 'shlibdeps',
    'dh_builddeb': 'compress',
}
#: the phase of every other debhelper command (docs, links, control ...)
OTHER = 'debhelper'

_COMMAND = re.compile(
    r'^ {3}(?:debian/rules override_)?(dh_[a-z0-9_]+)(?:\s|$)')


def command_of_line(line):
    """Return the debhelper command a line says starts, or None."""
    match = _COMMAND.match(line)
    return match.group(1) if match else None


def phase_of_line(line):
    """Return the phase a debhelper command line starts, or None."""
    command = command_of_line(line)
    if command is None:
        return None
    return PHASES.get(command, OTHER)

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Find package.xml files colcon silently dropped, and say why.

colcon's ROS identification skips a package.xml it cannot parse (malformed
XML, an invalid version ...) without telling the user; for a packaging tool
a package that quietly disappears is a lost package.
"""

import os
from pathlib import Path

from catkin_pkg.package import parse_package

IGNORE_MARKERS = ('COLCON_IGNORE', 'AMENT_IGNORE', 'CATKIN_IGNORE')


def find_unidentified_packages(*, base_paths, identified_paths):
    """Return {directory name: reason} for package.xml files colcon dropped.

    :param base_paths: the directories colcon searched
    :param identified_paths: the paths of the packages colcon identified
    """
    identified = {Path(p).resolve() for p in identified_paths}
    dropped = {}
    for base in base_paths:
        for root, dirs, files in os.walk(base):
            here = Path(root).resolve()
            if any(marker in files for marker in IGNORE_MARKERS) or \
                    here in identified:
                dirs[:] = []
                continue
            dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
            if 'package.xml' in files:
                manifest = here / 'package.xml'
                try:
                    parse_package(str(manifest))
                    reason = 'colcon did not identify it as a package'
                except Exception as e:  # noqa: B902 (any parse failure)
                    # catkin_pkg lists every problem, one per line, after
                    # a header naming the file (which the reason names too)
                    lines = [
                        line.strip() for line in str(e).splitlines()
                        if line.strip() and
                        not line.startswith('Error(s) in package')]
                    reason = '; '.join(lines) or type(e).__name__
                dropped[here.name] = f'{manifest}: {reason}'
                dirs[:] = []
    return dropped

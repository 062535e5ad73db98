#!/usr/bin/env python3
# Step "bloom", the generator (build user, in the package's directory):
# `bloom-generate rosdebian` with what `bloom-release` adds for ROS 2.
# bloom-generate uses bloom's module-level substitutions, which leave out
# the ROS 2 steps of RosDebianGenerator.get_subs (the buildfarm's path):
# the ros_workspace dependency and the vendor typesupport build
# dependencies of interface packages.  The host decides them
# (COLCON_DEB_BLOOM_RELEASE_DEPENDS, words name:build[+run]:workspace|apt);
# this step adds them, an `apt` one only if the container's apt sources
# know the package, so that no debian/control names a package nobody ships.
# Arguments: those of `bloom-generate rosdebian`.
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import progress  # noqa: E402

from bloom.generators.debian.generate_cmd import main as debian_main  # noqa
from bloom.generators.debian.generate_cmd import prepare_arguments  # noqa
from bloom.generators.rosdebian import get_subs as rosdebian_subs  # noqa
from bloom.generators.rosdebian import rosify_package_name  # noqa


def release_dependencies():
    for word in os.environ.get(
            'COLCON_DEB_BLOOM_RELEASE_DEPENDS', '').split():
        name, fields, source = word.split(':')
        yield name, fields.split('+'), source


def apt_knows(debian_name):
    return subprocess.run(
        ['apt-cache', 'show', '--no-all-versions', debian_name],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def get_subs(pkg, os_name, os_version, ros_distro, deb_inc=0, native=False):
    subs = rosdebian_subs(pkg, os_name, os_version, ros_distro, deb_inc,
                          native)
    added, left_out = [], []
    for name, fields, source in release_dependencies():
        debian_name = rosify_package_name(
            name.replace('_', '-'), ros_distro)
        if source != 'workspace' and not apt_knows(debian_name):
            left_out.append(debian_name)
            continue
        if debian_name not in subs['BuildDepends']:
            subs['BuildDepends'].append(debian_name)
        if 'run' in fields and debian_name not in subs['Depends']:
            subs['Depends'].append(debian_name)
        added.append(debian_name + (' (run)' if 'run' in fields else ''))
    if added:
        progress('bloom', 'ros2', 'as bloom-release: ' + ', '.join(added))
    if left_out:
        progress('bloom', 'ros2', 'left out (no workspace package, unknown '
                 'to apt): ' + ', '.join(left_out))
    return subs


def main():
    parser = prepare_arguments(argparse.ArgumentParser(
        prog='bloom-generate rosdebian'))
    debian_main(parser.parse_args(), get_subs)


if __name__ == '__main__':
    main()

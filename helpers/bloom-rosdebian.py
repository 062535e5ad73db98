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
# Then four fixes of bloom's output: `dh --parallel` (bloom writes debhelper
# compat 9, where dh builds with make -j1 unless told so: this lets
# DEB_BUILD_OPTIONS=parallel=N take effect, as in compat 10 and later),
# `Architecture: all` for <architecture_independent/> (COLCON_DEB_ARCH_ALL;
# this bloom writes `any` regardless), and `Rules-Requires-Root: no`, so that
# dpkg-buildpackage runs `debian/rules binary` as the build user without
# fakeroot, and dh_builddeb makes every file in the .deb root's (dpkg's
# default since its build API level 1, dpkg-build-api(7)).  fakeroot cost
# 0.4 s of a one-file library's 3.8 s in dpkg-buildpackage and 1.1 s of a
# ROS 2 core package's (its start, and a round trip to its daemon for each
# file operation); a control file that declares the field keeps its own.
# And the cmake template's `export DEB_HOST_MULTIARCH := $(shell
# dpkg-architecture ...)` runs only where the environment lacks the
# variable: make reads debian/rules again for each override target, and
# that perl program cost 0.13-0.15 s of a one-file library's 2.6 s in
# dpkg-buildpackage, which exports the variable itself (the .debs are
# byte-identical either way).
# Arguments: those of `bloom-generate rosdebian`.  bloom-ahead.py calls
# generate() once per package in one process.
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import progress  # noqa: E402

from bloom.generators.debian.generate_cmd import main as debian_main  # noqa
from bloom.generators.debian.generate_cmd import prepare_arguments  # noqa
from bloom.generators.rosdebian import get_subs as rosdebian_subs  # noqa
from bloom.generators.rosdebian import rosify_package_name  # noqa


def release_dependencies(words):
    for word in words.split():
        name, fields, source = word.split(':')
        yield name, fields.split('+'), source


_apt_known = {}


def apt_knows(debian_name):
    if debian_name not in _apt_known:
        _apt_known[debian_name] = subprocess.run(
            ['apt-cache', 'show', '--no-all-versions', debian_name],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL).returncode == 0
    return _apt_known[debian_name]


#: what bloom-release's additions did, for the build's own log (bloom
#: ahead keeps them in NOTES_FILE of the debian/ it generates)
notes = []
NOTES_FILE = 'colcon-deb-bloom.notes'


def note(text):
    notes.append(text)
    progress('bloom', 'ros2', text)


def subs_with_release_dependencies(words):
    def get_subs(pkg, os_name, os_version, ros_distro, deb_inc=0,
                 native=False):
        subs = rosdebian_subs(pkg, os_name, os_version, ros_distro, deb_inc,
                              native)
        added, left_out = [], []
        for name, fields, source in release_dependencies(words):
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
            note('as bloom-release: ' + ', '.join(added))
        if left_out:
            note('left out (no workspace package, unknown to apt): ' +
                 ', '.join(left_out))
        return subs
    return get_subs


def fix_output(debian_dir, *, arch_all):
    rules = os.path.join(debian_dir, 'rules')
    with open(rules) as f:
        text = f.read()
    if '--parallel' not in text:
        text = re.sub(r'^(\tdh \$@)( |$)', r'\1 --parallel\2', text,
                      flags=re.MULTILINE)
    text = multiarch_from_environment(text)
    with open(rules, 'w') as f:
        f.write(text)
    control = os.path.join(debian_dir, 'control')
    with open(control) as f:
        text = f.read()
    if arch_all:
        text = re.sub(r'^Architecture: any$', 'Architecture: all', text,
                      flags=re.MULTILINE)
    with open(control, 'w') as f:
        f.write(without_root(text))


#: the cmake template's line that runs dpkg-architecture on every read
MULTIARCH_LINE = re.compile(
    r'^export DEB_HOST_MULTIARCH := '
    r'\$\(shell dpkg-architecture -qDEB_HOST_MULTIARCH\)[ \t]*$',
    flags=re.MULTILINE)


def multiarch_from_environment(rules):
    """Return debian/rules asking dpkg-architecture only without the value.

    dpkg-buildpackage exports DEB_HOST_MULTIARCH; the line then keeps it
    instead of running dpkg-architecture each time make reads the file.
    """
    if '$(origin DEB_HOST_MULTIARCH)' in rules:
        return rules
    return MULTIARCH_LINE.sub(
        lambda match: 'ifeq ($(origin DEB_HOST_MULTIARCH),undefined)\n'
        f'{match.group(0)}\nendif', rules)


def without_root(control):
    """Return debian/control with `Rules-Requires-Root: no` declared.

    In the source stanza (up to the first empty line), after its Source
    field, unless that stanza declares the field already.
    """
    source, separator, binaries = control.partition('\n\n')
    if re.search(r'^Rules-Requires-Root:', source,
                 flags=re.MULTILINE | re.IGNORECASE):
        return control
    source = re.sub(r'^(Source:.*)$', r'\1\nRules-Requires-Root: no',
                    source, count=1, flags=re.MULTILINE)
    return source + separator + binaries


def generate(path, *, ros_distro, os_name, os_version, release_depends='',
             arch_all=False):
    """Write path/debian; bloom exits (SystemExit) when it cannot."""
    parser = prepare_arguments(argparse.ArgumentParser(
        prog='bloom-generate rosdebian'))
    debian_main(parser.parse_args([
        '--ros-distro', ros_distro, '--os-name', os_name,
        '--os-version', os_version, path]),
        subs_with_release_dependencies(release_depends))
    fix_output(os.path.join(path, 'debian'), arch_all=arch_all)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--ros-distro', required=True)
    parser.add_argument('--os-name', required=True)
    parser.add_argument('--os-version', required=True)
    parser.add_argument('path')
    args = parser.parse_args()
    generate(
        args.path, ros_distro=args.ros_distro, os_name=args.os_name,
        os_version=args.os_version,
        release_depends=os.environ.get(
            'COLCON_DEB_BLOOM_RELEASE_DEPENDS', ''),
        arch_all=os.environ.get('COLCON_DEB_ARCH_ALL') == '1')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
# Step "rosdep-check": resolve every rosdep key of every package at once.
# Reads {package: [keys]} (JSON) and writes, for each key, the Debian
# packages it resolves to and the source file that defined it, or why it
# does not resolve.  Runs after configure-rosdep.sh, with rosdep's own API
# (the same lookup bloom uses), so that a missing key is found before any
# package build instead of failing (or prompting) inside bloom.
import json
import os
import sys

from rosdep2 import create_default_installer_context
from rosdep2.lookup import ResolutionError
from rosdep2.lookup import RosdepLookup
from rosdep2.rospkg_loader import DEFAULT_VIEW_KEY
from rosdep2.sources_list import SourcesListLoader

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import progress  # noqa: E402


def main(keys_file, result_file):
    with open(keys_file) as f:
        packages = json.load(f)
    os_name = os.environ['COLCON_DEB_OS_NAME']
    os_version = os.environ['COLCON_DEB_OS_CODENAME']
    progress('rosdep-check', 'start', '%d keys of %d packages' % (
        len({k for keys in packages.values() for k in keys}), len(packages)))
    lookup = RosdepLookup.create_from_rospkg(
        sources_loader=SourcesListLoader.create_default())
    view = lookup.get_rosdep_view(DEFAULT_VIEW_KEY)
    context = create_default_installer_context()
    context.set_os_override(os_name, os_version)
    installer_keys = context.get_os_installer_keys(os_name)
    default_key = context.get_default_os_installer_key(os_name)
    results = {}
    unresolved = 0
    for package, keys in sorted(packages.items()):
        results[package] = {}
        for key in keys:
            try:
                definition = view.lookup(key)
            except KeyError:
                results[package][key] = {'error': 'no rosdep rule'}
                unresolved += 1
                continue
            try:
                installer_key, rule = definition.get_rule_for_platform(
                    os_name, os_version, installer_keys, default_key)
                installer = context.get_installer(installer_key)
                resolved = installer.resolve(rule)
            except (ResolutionError, KeyError) as e:
                reason = getattr(e, 'args', [''])[0] or str(e)
                results[package][key] = {
                    'error': 'no rule for %s %s (%s)' % (
                        os_name, os_version, reason),
                    'origin': definition.origin}
                unresolved += 1
                continue
            if installer_key != default_key:
                # bloom turns keys into Depends only through the OS's own
                # installer (apt): a pip or source rule fails there later
                results[package][key] = {
                    'error': 'resolves with the %s installer (%s), which a '
                             'Debian package cannot depend on' % (
                                 installer_key, ' '.join(map(str, resolved))),
                    'origin': definition.origin}
                unresolved += 1
                continue
            results[package][key] = {
                'resolved': [str(r) for r in resolved],
                'installer': installer_key,
                'origin': definition.origin}
    sources = []
    source_dir = os.environ['ROSDEP_SOURCE_PATH']
    for name in sorted(os.listdir(source_dir)):
        with open(os.path.join(source_dir, name)) as f:
            for line in f:
                words = line.split()
                if len(words) >= 2 and not words[0].startswith('#'):
                    sources.append(words[1])
    tmp = result_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'sources': sources, 'packages': results}, f, indent=1)
    os.replace(tmp, result_file)
    progress('rosdep-check', 'done', '%d unresolved' % unresolved)


if __name__ == '__main__':
    main(*sys.argv[1:])

#!/usr/bin/env python3
# Step "version" (build user): give the generated debian/ the version the
# host assigned, so that a changed package always upgrades.
#  - debian/changelog: the first entry gets COLCON_DEB_VERSION, a date from
#    SOURCE_DATE_EPOCH (not the clock: the same version gives the same
#    bytes) and a line naming the commit it was built from (COLCON_DEB_VCS);
#  - debian/control: a dependency on a workspace sibling
#    (COLCON_DEB_SIBLING_VERSIONS="name=version ...") requires at least the
#    version this package was built against, so apt never pairs a new
#    binary with an old library.
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import progress  # noqa: E402


def set_changelog(path, version, epoch, vcs):
    with open(path) as f:
        lines = f.read().split('\n')
    head = re.match(r'^(\S+) \(([^)]*)\)(.*)$', lines[0])
    if not head:
        sys.exit('debian/changelog: cannot read its first line')
    if version:
        lines[0] = f'{head.group(1)} ({version}){head.group(3)}'
    end = next(i for i, line in enumerate(lines) if line.startswith(' -- '))
    if epoch is not None:
        date = time.strftime('%a, %d %b %Y %H:%M:%S +0000',
                             time.gmtime(epoch))
        signer = re.match(r'^( -- .*?>)', lines[end])
        if signer:
            lines[end] = f'{signer.group(1)}  {date}'
    if vcs:
        # before the blank line that ends the entry's text
        at = end - 1 if end > 0 and not lines[end - 1].strip() else end
        lines.insert(at, f'  * Built by colcon deb from commit {vcs}')
    with open(path, 'w') as f:
        f.write('\n'.join(fill_empty_entries(lines)))


def fill_empty_entries(lines):
    """Give every entry a change line.

    bloom writes an entry per CHANGELOG.rst version, empty where the
    version lists nothing, and dpkg then warns "found trailer where
    expected start of change data" at every build.
    """
    out, changes = [], False
    for line in lines:
        if line.startswith(' -- ') and not changes:
            at = len(out) - 1 if out and not out[-1].strip() else len(out)
            out.insert(at, '  * No changes recorded.')
        if line.startswith('  ') and line.strip():
            changes = True
        elif line.startswith(' -- '):
            changes = False
        out.append(line)
    return out


def require_sibling_versions(path, versions):
    with open(path) as f:
        text = f.read()

    def constrain(match):
        items = []
        for item in match.group(2).split(','):
            name = item.strip()
            if name in versions:
                item = item.replace(name, f'{name} (>= {versions[name]})')
            items.append(item)
        return match.group(1) + ','.join(items)

    text = re.sub(r'(?m)^(Depends:)(.*(?:\n[ \t].*)*)', constrain, text)
    with open(path, 'w') as f:
        f.write(text)


def main():
    version = os.environ.get('COLCON_DEB_VERSION', '')
    epoch = os.environ.get('SOURCE_DATE_EPOCH')
    vcs = os.environ.get('COLCON_DEB_VCS', '')
    versions = dict(
        pair.split('=', 1) for pair in
        os.environ.get('COLCON_DEB_SIBLING_VERSIONS', '').split() if pair)
    progress('version', 'start', version)
    set_changelog('debian/changelog', version,
                  int(epoch) if epoch else None, vcs)
    if versions:
        require_sibling_versions('debian/control', versions)
    progress('version', 'done', version)


if __name__ == '__main__':
    main()

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The manifest: every published .deb, its hashes and its provenance.

It is written into each index snapshot (``dists/<codename>/manifest.json``)
and is the repository's own record of what it holds: the Packages indexes
are generated from it, the self-check compares the pool against it, the
planner reuses the version of a fingerprint published before, and
``highest`` remembers the highest version of every package ever published,
pruned versions included, so that a new version is always greater.
"""

from dataclasses import dataclass
from dataclasses import field
import json

from debian.debian_support import Version

MANIFEST_NAME = 'manifest.json'
FORMAT = 1


def version_key(version):
    """Return a sort key ordering Debian versions as dpkg does."""
    return Version(version)


@dataclass
class Manifest:
    """The published files of one codename, by pool path."""

    #: pool path (``pool/main/<source>/<file>.deb``) -> entry
    debs: dict = field(default_factory=dict)
    #: Debian package name -> highest version ever published
    highest: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, text):
        """Parse a manifest written by :meth:`to_json`."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get('format') != FORMAT:
            raise ValueError('not a colcon deb manifest')
        return cls(
            debs={e['filename']: e for e in data.get('debs', [])},
            highest=dict(data.get('highest', {})))

    def to_json(self):
        """Return the manifest as stable, readable JSON.

        Keys keep their order: a control stanza's fields stay in the order
        its package has them (the Packages index is generated from it).
        One line for each file: json's C encoder writes those, where an
        indented document goes through its pure-Python one (a manifest is
        copied and written at every publication: for 500 packages both
        took 33.5 ms with the indented document, 10.8 ms now).
        """
        head = json.dumps({
            'format': FORMAT,
            'highest': dict(sorted(self.highest.items())),
        })
        debs = ',\n'.join(json.dumps(self.debs[k]) for k in sorted(self.debs))
        return f'{head[:-1]},\n "debs": [\n{debs}\n]}}\n' if debs \
            else f'{head[:-1]},\n "debs": []}}\n'

    def copy(self):
        """Return an independent duplicate (entries are not shared)."""
        return Manifest(
            debs=json.loads(json.dumps(self.debs)),
            highest=dict(self.highest))

    def add(self, entry):
        """Add (or replace) the entry of one pool file."""
        self.debs[entry['filename']] = entry
        package, version = entry['package'], entry['version']
        current = self.highest.get(package)
        if current is None or version_key(version) > version_key(current):
            self.highest[package] = version

    def highest_version(self, package):
        """Return the highest version of a package ever published, or None."""
        return self.highest.get(package)

    def publishers(self, package):
        """Return the workspace packages whose builds published `package`.

        From the provenance of the files the manifest lists now.
        """
        return {
            e['provenance']['ros_package'] for e in self.debs.values()
            if e['package'] == package and
            'ros_package' in e.get('provenance', {})}

    def find_build(self, *, package, architectures, fingerprint):
        """Return the newest entry of a package built from a fingerprint.

        :param architectures: the architectures that count (e.g. the
          build's own and ``all``)
        """
        matches = [
            e for e in self.debs.values()
            if e['package'] == package and
            e['architecture'] in architectures and
            e.get('provenance', {}).get('fingerprint') == fingerprint]
        return max(matches, key=lambda e: version_key(e['version']),
                   default=None)

    def retain(self, keep):
        """Keep the `keep` newest versions of each package and architecture.

        :returns: the entries dropped (their files are deleted later, once
          no index snapshot still lists them)
        """
        groups = {}
        for entry in self.debs.values():
            groups.setdefault(
                (entry['package'], entry['architecture']), []).append(entry)
        dropped = []
        for entries in groups.values():
            entries.sort(key=lambda e: version_key(e['version']),
                         reverse=True)
            dropped += entries[keep:]
        for entry in dropped:
            del self.debs[entry['filename']]
        return dropped

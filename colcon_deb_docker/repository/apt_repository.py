# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The apt repository written to the output base.

Layout (what `apt` expects from a ``deb file:<path> <codename> main`` line)::

    pool/main/<source>/<file>.deb             (append-only)
    dists/<codename> -> ../.snapshots/<n>     (a link, switched atomically)
    .snapshots/<n>/Release, InRelease, manifest.json
    .snapshots/<n>/main/binary-<arch>/Packages(.gz), by-hash/SHA256/...
    rosdep.yaml                               (for consumers)

Publishing copies new files into the pool first (under temporary names,
renamed when complete, listed in a journal so that a killed run's files can
be found), then writes a new index snapshot and switches to it.  Writers
are serialised by an exclusive lock on ``.lock`` (between processes) and a
thread lock (between jobs of one process); a whole run holds ``.run.lock``.
"""

import os
from pathlib import Path
import re
import secrets
from urllib.parse import quote

from colcon_core.logging import colcon_logger
from colcon_deb_docker.repository.consumer_files import \
    update_consumer_files
from colcon_deb_docker.repository.consumer_files import write_public_key
from colcon_deb_docker.repository.consumer_files import write_sources_files
from colcon_deb_docker.repository.indexes import COMPONENT
from colcon_deb_docker.repository.indexes import current_snapshot
from colcon_deb_docker.repository.indexes import distributions
from colcon_deb_docker.repository.indexes import publishable
from colcon_deb_docker.repository.indexes import release_field
from colcon_deb_docker.repository.indexes import release_label
from colcon_deb_docker.repository.indexes import write_snapshot
from colcon_deb_docker.repository.manifest import Manifest
from colcon_deb_docker.repository.pool import copy_to_pool
from colcon_deb_docker.repository.publish_rules import check_publisher
from colcon_deb_docker.repository.publish_rules import NotReproducible
from colcon_deb_docker.repository.publish_rules import pool_conflict
from colcon_deb_docker.repository.publish_rules import read_deb
from colcon_deb_docker.repository.publish_rules import RepositoryError
from colcon_deb_docker.repository.self_check import check_repository
from colcon_deb_docker.repository.write_lock import RepositoryLock
from colcon_deb_docker.repository.write_lock import write_error

logger = colcon_logger.getChild(__name__)

#: versions of each package (and architecture) kept in the index
DEFAULT_KEEP_VERSIONS = 3
#: a Release Label: it goes into the consumers' pin (``Pin: release
#: l=<label>, ...``), where a comma, a blank or a newline would change what
#: the line says, and names the key file of consumers
LABEL_PATTERN = re.compile(r'[A-Za-z0-9][A-Za-z0-9.+~_-]{0,63}')


class AptRepository:
    """An apt repository of one codename, several architectures."""

    def __init__(
        self, *, path, codename, architectures, os_name='debian',
        origin='colcon-deb', signer=None,
        keep_versions=DEFAULT_KEEP_VERSIONS, valid_for=None, label=None,
        public_url=None,
    ):
        """Describe (and create on first use) the repository under `path`.

        :param os_name: the rosdep OS key used in ``rosdep.yaml``
        :param signer: a :class:`RepositorySigner`; then every Release gets
          ``Release.gpg`` and ``InRelease`` and the public key is written to
          ``key.gpg`` (binary, for ``signed-by``) and ``key.asc``
        :param keep_versions: how many versions of each package the index
          keeps (older ones are pruned, index first, files after)
        :param valid_for: seconds each Release stays valid after it is
          written (``Valid-Until``, see :mod:`.validity`), None for ever
        :param label: the Release ``Label`` asked for (``--label``); None
          for the one the repository has, or a new one of its own
        :param public_url: where consumers reach the repository
          (``--public-url``), named in the sources lines written for them;
          None for its ``file:`` path here
        """
        self.path = Path(path).resolve()
        self.codename = codename
        self.os_name = os_name
        self.architectures = sorted(set(architectures))
        self.origin = origin
        self.signer = signer
        self.keep_versions = keep_versions
        self.valid_for = valid_for
        self.public_url = public_url
        self._lock = RepositoryLock(self.path)
        self._manifest = None
        self._label = None
        self._wanted_label = label
        #: the --apt-source underlays of this run (named in sources.list)
        self.underlays = ()

    @property
    def label(self):
        """The Release `Label`, this repository's identity for pinning.

        An existing repository keeps the label it has, because apt refuses
        to update from a repository whose Label changed ("changed its
        'Label' value ... must be accepted explicitly").  A new one gets
        the ``--label`` asked for, else that of the repository's other
        distributions, else one of its own (so that its pin
        never matches an underlay that is also made by colcon deb); so a
        CI job that makes the repository anew in every run must give the
        same ``--label`` each time, or the machines following it stop
        updating after its second run.

        :raises RepositoryError: when ``--label`` is not the label the
          repository has
        """
        if self._label is None:
            existing = release_label(self.path, self.codename)
            wanted = self._wanted_label
            if existing and wanted and existing != wanted:
                raise RepositoryError(
                    f'{self.path} has the Label {existing}, not {wanted} '
                    '(--label): apt stops updating from a repository whose '
                    f'Label changes; pass --label {existing}, or another '
                    '--output-base for a new repository')
            self._label = existing or wanted or \
                self._label_of_another_distribution() or \
                f'{self.origin}-{secrets.token_hex(4)}'
        return self._label

    def _label_of_another_distribution(self):
        """Return the Label the repository's other distributions have.

        So that ``dists/trixie``, added to a repository that has
        ``dists/bookworm``, joins it under the same name.
        """
        labels = sorted(filter(None, (
            release_field(snapshot, 'Label')
            for snapshot in distributions(self.path).values())))
        return labels[0] if labels else None

    @property
    def pool(self):
        """The directory holding the .deb files."""
        return self.path / 'pool' / COMPONENT

    @property
    def public_key_path(self):
        """The exported public key (binary) of a signed repository."""
        return self.path / 'key.gpg'

    def apt_source_line(self, *, options=None):
        """Return the sources.list line a consumer adds.

        The path goes into the URI percent-encoded: apt splits the line at
        blanks, so `file:/srv/ci builds/deb` would be read as the URI
        `file:/srv/ci` and the suite `builds/deb` (apt decodes
        `file:/srv/ci%20builds/deb`).
        """
        if options is None:
            options = f'signed-by={self.public_key_path}' if self.signer \
                else 'trusted=yes'
        uri = 'file:' + quote(str(self.path), safe='/')
        return f'deb [{options}] {uri} {self.codename} {COMPONENT}'

    def consumer_source_line(self):
        """Return the sources line of the files written for consumers.

        ``colcon-deb*.list`` beside ``dists/``: with a public URL
        (``--public-url``), the line a machine that fetches the repository
        from there adds, the key where it puts ``key.gpg``
        (:attr:`consumer_key_path`); else the line of the repository here.
        """
        if self.public_url is None:
            return self.apt_source_line()
        options = f'signed-by={self.consumer_key_path}' if self.signer \
            else 'trusted=yes'
        return f'deb [{options}] {self.public_url} {self.codename} ' \
            f'{COMPONENT}'

    @property
    def consumer_key_path(self):
        """Where a consumer of the public URL keeps ``key.gpg``.

        ``/etc/apt/keyrings/<label>.gpg``: the directory Debian's apt
        documents for keys an administrator adds, the file named by the
        repository's Label (a Label that could not be a file name, written
        by hand into an existing Release, gives ``colcon-deb.gpg``).
        """
        name = self.label if LABEL_PATTERN.fullmatch(self.label) \
            else self.origin
        return f'/etc/apt/keyrings/{name}.gpg'

    def locked(self):
        """Hold the repository's write lock (threads and processes)."""
        return self._lock.held()

    def exclusive_run(self):
        """Hold the repository for one whole run (see :mod:`.write_lock`)."""
        return self._lock.exclusive_run()

    def _write_error(self, error):
        return write_error(self.path, error)

    @property
    def manifest(self):
        """The manifest of the published state (read once, then kept)."""
        if self._manifest is None:
            self.check(repair=False)
        return self._manifest

    def _current_manifest(self):
        """Return the manifest; the caller holds the lock."""
        if self._manifest is None:
            self._manifest = self._check_repository(repair=False).manifest
        return self._manifest

    def _check_label(self):
        """Stop on a ``--label`` the repository does not have.

        Before any build, rather than at the first publication.
        """
        return self.label

    def _check_repository(self, *, repair):
        return check_repository(
            root=self.path, codename=self.codename,
            architectures=self.architectures, signer=self.signer,
            repair=repair, valid_for=self.valid_for)

    def check(self, *, repair):
        """Check the repository (see :mod:`.self_check`), repair if asked.

        :returns: the :class:`CheckReport`
        :raises RepositoryError: if it cannot be used (a foreign
          ``dists/<codename>``) or not be repaired
        """
        try:
            if not repair:
                # only reads (a dry run writes nothing, not even a lock);
                # the index is switched atomically, so reading is safe
                report = self._check_repository(repair=False)
                self._check_label()
            else:
                with self.locked():
                    report = self._check_repository(repair=True)
                    self._check_label()
                    if report.rewrite:
                        self._write(report.manifest)
        except OSError as e:
            raise self._write_error(e) from None
        self._manifest = report.manifest
        return report

    def ensure_initialized(self):
        """Write empty indexes if there are none, so apt can read the repo.

        :raises RepositoryError: if the output directory is not writable
        """
        try:
            with self.locked():
                for directory in (self.path, self.path / 'pool', self.pool):
                    directory.mkdir(parents=True, exist_ok=True)
                    publishable(directory)
                if self.signer is not None:
                    write_public_key(self.path, self.signer)
                if current_snapshot(self.path, self.codename) is None:
                    self._write(self._manifest or Manifest())
                # this run's --public-url and underlays, though it may
                # publish nothing
                write_sources_files(
                    self.path, codename=self.codename,
                    underlays=self.underlays,
                    sources_line=self.consumer_source_line(),
                    only_if_there=True)
                probe = self.path / f'.write-test.{os.getpid()}'
                probe.write_bytes(b'')
                probe.unlink()
        except OSError as e:
            raise self._write_error(e) from None

    def publish(self, *, debs, expected=None, provenance=None,
                rosdep_keys=None):
        """Add .deb files to the pool and switch to a new index snapshot.

        :param expected: the :class:`ExpectedOutputs` of the build: any
          other file fails the whole publication
        :param provenance: recorded with each file in the manifest
        :param rosdep_keys: mapping of ROS package name to Debian name, added
          to ``rosdep.yaml``
        :returns: the paths of the files in the pool
        :raises NotReproducible: if a file name is already published with
          other bytes (nothing is written then)
        :raises RejectedOutput: for a file the build may not produce, or
          one under a Debian name another workspace package published
        """
        with self.locked():
            manifest = self._current_manifest().copy()
            entries = [dict(read_deb(deb, expected=expected),
                            provenance=dict(provenance or {}))
                       for deb in debs]
            if provenance and 'ros_package' in provenance:
                check_publisher(manifest, entries,
                                ros_package=provenance['ros_package'])
            conflicts = [
                Path(e['filename']).name for e in entries
                if pool_conflict(self.path / e['filename'], e['sha256'])]
            if conflicts:
                raise NotReproducible(conflicts)
            _add_and_index(self, manifest, debs, entries, rosdep_keys)
            self._manifest = manifest
        return [self.path / e['filename'] for e in entries]

    def _write(self, manifest):
        deleted = write_snapshot(
            root=self.path, codename=self.codename,
            architectures=self.architectures, origin=self.origin,
            label=self.label, manifest=manifest, signer=self.signer,
            valid_for=self.valid_for)
        for relative in deleted:
            logger.info(f'deleted {relative} (no index lists it any more)')


def _add_and_index(repository, manifest, debs, entries, rosdep_keys):
    """Copy into the pool, index and switch; the caller holds the lock.

    On failure nothing stays: the new pool files are taken back out.
    """
    journal = added = None
    try:
        journal, added = copy_to_pool(repository.path, zip(debs, entries))
        for entry in entries:
            manifest.add(entry)
        dropped = manifest.retain(repository.keep_versions)
        for entry in dropped:
            logger.info(f"pruned {entry['filename']} (keeping "
                        f'{repository.keep_versions} versions)')
        if rosdep_keys:
            update_consumer_files(
                repository.path, rosdep_keys=rosdep_keys,
                os_name=repository.os_name, codename=repository.codename,
                label=repository.label, underlays=repository.underlays,
                sources_line=repository.consumer_source_line())
        repository._write(manifest)
        journal.unlink()
    except OSError as e:
        # nothing indexed them: take the new files back out
        for path in added or ():
            path.unlink(missing_ok=True)
        if journal is not None:
            journal.unlink(missing_ok=True)
        raise repository._write_error(e) from None

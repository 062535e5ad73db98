# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The apt repository written to the output base.

Layout (what `apt` expects from a ``deb file:<path> <codename> main`` line)::

    pool/main/<source>/<file>.deb
    dists/<codename> -> .snapshots/<n>          (a symlink, swapped atomically)
    .snapshots/<n>/Release
    .snapshots/<n>/main/binary-<arch>/Packages(.gz)
    rosdep.yaml                                 (for consumers)

Each publication writes a complete new snapshot of the indexes and then
replaces the ``dists/<codename>`` symlink with one rename, so a reader (apt in
a build container, a consumer) sees either the previous or the new state,
never a Packages file that does not match its Release.  Writers are
serialised by an exclusive lock on ``.lock`` (between processes) and a thread
lock (between jobs of one process).
"""

from contextlib import contextmanager
import email.utils
import fcntl
import gzip
import hashlib
import os
from pathlib import Path
import shutil
import threading

from colcon_core.logging import colcon_logger
from colcon_deb_docker.errors import DebDockerError
from debian.debfile import DebFile
import yaml

logger = colcon_logger.getChild(__name__)

COMPONENT = 'main'
_HASHES = (('MD5Sum', 'md5'), ('SHA1', 'sha1'), ('SHA256', 'sha256'))
_SNAPSHOTS_KEPT = 3


class AptRepository:
    """An apt repository of one codename, several architectures."""

    def __init__(
        self, *, path, codename, architectures, os_name='debian',
        origin='colcon-deb', signer=None,
    ):
        """Describe (and create on first use) the repository under `path`.

        :param os_name: the rosdep OS key used in ``rosdep.yaml``
        :param signer: a :class:`RepositorySigner`; then every Release gets
          ``Release.gpg`` and ``InRelease`` and the public key is written to
          ``key.gpg`` (binary, for ``signed-by``) and ``key.asc``
        """
        self.path = Path(path).resolve()
        self.codename = codename
        self.os_name = os_name
        self.architectures = sorted(set(architectures))
        self.origin = origin
        self.signer = signer
        self._thread_lock = threading.Lock()
        self._control_cache = {}

    @property
    def pool(self):
        """The directory holding the .deb files."""
        return self.path / 'pool' / COMPONENT

    @property
    def public_key_path(self):
        """The exported public key (binary) of a signed repository."""
        return self.path / 'key.gpg'

    def apt_source_line(self, *, options=None):
        """Return the sources.list line a consumer adds."""
        if options is None:
            options = f'signed-by={self.public_key_path}' if self.signer \
                else 'trusted=yes'
        return f'deb [{options}] file:{self.path} {self.codename} {COMPONENT}'

    @contextmanager
    def locked(self):
        """Hold the repository's write lock (threads and processes)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self._thread_lock:
            with open(self.path / '.lock', 'a') as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _write_error(self, error):
        """Return the error for an OSError met while writing the repo."""
        return RepositoryError(
            f'cannot write the repository {self.path}: '
            f'{error.strerror or error}')

    @contextmanager
    def exclusive_run(self):
        """Hold the repository for one whole `colcon deb` run.

        A second run on the same output is refused at once with a message
        naming the process that holds it, instead of interleaving its
        packages with ours.  The lock is the kernel's (flock): it goes away
        with the process, even a killed one.

        :raises RepositoryError: if another run holds it
        """
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            lock_file = open(self.path / '.run.lock', 'a+')
        except OSError as e:
            raise self._write_error(e) from None
        with lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_file.seek(0)
                holder = lock_file.read().strip() or 'unknown'
                raise RepositoryError(
                    f'another colcon deb run ({holder}) is writing to '
                    f'{self.path}; wait for it to finish or pass another '
                    '--output-base') from None
            lock_file.seek(0)
            lock_file.truncate()
            lock_file.write(f'pid {os.getpid()}\n')
            lock_file.flush()
            try:
                yield
            finally:
                lock_file.seek(0)
                lock_file.truncate()
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def ensure_initialized(self):
        """Write empty indexes if there are none, so apt can read the repo.

        :raises RepositoryError: if the output directory is not writable
        """
        try:
            with self.locked():
                for directory in (self.path, self.path / 'pool', self.pool):
                    directory.mkdir(parents=True, exist_ok=True)
                    _publishable(directory)
                if self.signer is not None:
                    self._write_public_key()
                release = self.path / 'dists' / self.codename / 'Release'
                # signed: always re-sign, the key may be a new one
                if not release.exists() or self.signer is not None:
                    self._write_indexes()
                probe = self.path / f'.write-test.{os.getpid()}'
                probe.write_bytes(b'')
                probe.unlink()
        except OSError as e:
            raise self._write_error(e) from None

    def publish(self, *, debs, rosdep_keys=None):
        """Add .deb files to the pool and rewrite the indexes atomically.

        :param debs: paths of .deb files (outside the repository)
        :param rosdep_keys: mapping of ROS package name to Debian name, added
          to ``rosdep.yaml``
        :returns: the paths of the files in the pool
        """
        staged = []
        with self.locked():
            try:
                for deb in debs:
                    deb = Path(deb)
                    if deb.is_symlink() or not deb.is_file():
                        # the container writes the output directory: never
                        # follow a link it made to somewhere on the host
                        raise RepositoryError(
                            f'refusing {deb.name}: not a regular file')
                    control = self._control(deb)
                    target_dir = self.pool / _pool_dir(control)
                    target_dir.mkdir(parents=True, exist_ok=True)
                    target = target_dir / deb.name
                    tmp = target_dir / f'.{deb.name}.tmp'
                    staged.append((tmp, target))
                    shutil.copyfile(deb, tmp)
                    _publishable(tmp, target_dir.parent, target_dir)
                # every file is complete before any one becomes visible
                for tmp, target in staged:
                    os.replace(tmp, target)
                if rosdep_keys:
                    self._update_rosdep_yaml(rosdep_keys)
                self._write_indexes()
            except OSError as e:
                raise self._write_error(e) from None
            finally:
                for tmp, _ in staged:
                    if tmp.exists():
                        tmp.unlink()
        return [target for _, target in staged]

    def packages(self):
        """Return the control stanzas of every .deb in the pool."""
        stanzas = []
        for deb in sorted(self.pool.glob('*/*.deb')):
            stanza = dict(self._control(deb))
            stanza['Filename'] = str(deb.relative_to(self.path))
            stanza['Size'] = str(deb.stat().st_size)
            stanza.update(self._hashes(deb))
            stanzas.append(stanza)
        return stanzas

    def _cached(self, kind, deb, compute):
        # keyed by identity and content stamp: a rebuilt .deb is read again
        stat = deb.stat()
        key = (kind, str(deb.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in self._control_cache:
            self._control_cache[key] = compute(deb)
        return self._control_cache[key]

    def _control(self, deb):
        return self._cached('control', deb, _read_control)

    def _hashes(self, deb):
        return self._cached('hashes', deb, _file_hashes)

    def _write_indexes(self):
        snapshots = self.path / '.snapshots'
        try:
            self._write_snapshot(snapshots)
        finally:
            for tmp in snapshots.glob('.*.tmp'):
                shutil.rmtree(tmp, ignore_errors=True)

    def _write_snapshot(self, snapshots):
        stanzas = self.packages()
        architectures = set(self.architectures)
        architectures.update(
            s['Architecture'] for s in stanzas if s['Architecture'] != 'all')
        snapshots.mkdir(parents=True, exist_ok=True)
        serial = 1 + max(
            (int(p.name) for p in snapshots.iterdir() if p.name.isdigit()),
            default=0)
        snapshot = snapshots / str(serial)
        tmp_snapshot = snapshots / f'.{serial}.tmp'
        if tmp_snapshot.exists():
            shutil.rmtree(tmp_snapshot)
        index_files = []
        for arch in sorted(architectures):
            text = ''.join(
                _format_stanza(s) + '\n' for s in stanzas
                if s['Architecture'] in (arch, 'all'))
            directory = f'{COMPONENT}/binary-{arch}'
            (tmp_snapshot / directory).mkdir(parents=True)
            data = text.encode()
            for name, content in (
                ('Packages', data),
                ('Packages.gz', gzip.compress(data, mtime=0)),
            ):
                (tmp_snapshot / directory / name).write_bytes(content)
                index_files.append((f'{directory}/{name}', content))
        release = {
            'Origin': self.origin,
            'Label': self.origin,
            'Suite': self.codename,
            'Codename': self.codename,
            'Date': email.utils.formatdate(usegmt=True),
            'Architectures': ' '.join(sorted(architectures)),
            'Components': COMPONENT,
            'Description': 'Packages built by colcon deb',
        }
        text = ''.join(f'{k}: {v}\n' for k, v in release.items())
        for field, algorithm in _HASHES:
            text += f'{field}:\n'
            for name, content in index_files:
                digest = hashlib.new(algorithm, content).hexdigest()
                text += f' {digest} {len(content)} {name}\n'
        (tmp_snapshot / 'Release').write_text(text)
        if self.signer is not None:
            detached, clear = self.signer.sign(text.encode())
            (tmp_snapshot / 'Release.gpg').write_bytes(detached)
            (tmp_snapshot / 'InRelease').write_bytes(clear)
        _publishable(self.path, snapshots, *[
            p for p in [tmp_snapshot, *tmp_snapshot.rglob('*')]])
        os.replace(tmp_snapshot, snapshot)

        dists = self.path / 'dists'
        dists.mkdir(exist_ok=True)
        _publishable(dists)
        link = dists / self.codename
        tmp_link = dists / f'.{self.codename}.tmp'
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(os.path.relpath(snapshot, dists))
        if link.exists() and not link.is_symlink():
            shutil.rmtree(link)
        os.replace(tmp_link, link)
        for old in snapshots.iterdir():
            if old.name.isdigit() and \
                    int(old.name) <= serial - _SNAPSHOTS_KEPT:
                shutil.rmtree(old)

    def _write_public_key(self):
        for name, armor in (('key.gpg', False), ('key.asc', True)):
            path = self.path / name
            tmp = path.with_name(f'.{name}.tmp')
            tmp.write_bytes(self.signer.public_key(armor=armor))
            _publishable(tmp)
            os.replace(tmp, path)

    def _update_rosdep_yaml(self, rosdep_keys):
        path = self.path / 'rosdep.yaml'
        data = {}
        if path.exists():
            data = yaml.safe_load(path.read_text()) or {}
        for ros_name, deb_name in rosdep_keys.items():
            data.setdefault(ros_name, {}).setdefault(self.os_name, {})[
                self.codename] = [deb_name]
        tmp = path.with_name('.rosdep.yaml.tmp')
        tmp.write_text(yaml.safe_dump(data, sort_keys=True))
        _publishable(tmp)
        os.replace(tmp, path)


def _publishable(*paths):
    """Make repository files readable by everyone, whatever the umask.

    A repository is published: apt reads it as its unprivileged `_apt`
    user and consumers copy it around.  Nothing secret is ever written here
    (the signing key stays outside; only its public part is exported).
    """
    for path in paths:
        os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)


class RepositoryError(DebDockerError):
    """The repository cannot be written (permissions, disk full ...)."""


def _pool_dir(control):
    source = control.get('Source', control['Package']).split(' ')[0]
    # the Source field comes from the package's own control file: never let
    # it name a path
    if '/' in source or source.startswith('.'):
        raise RepositoryError(f'refusing source name {source!r}')
    return source


def _read_control(deb):
    control = DebFile(str(deb)).debcontrol()
    return {key: control[key] for key in control}


def _file_hashes(path):
    hashes = {name: hashlib.new(algorithm) for name, algorithm in _HASHES}
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            for h in hashes.values():
                h.update(block)
    return {name: h.hexdigest() for name, h in hashes.items()}


def _format_stanza(stanza):
    lines = []
    for key, value in stanza.items():
        value = str(value)
        if '\n' in value:
            first, *rest = value.split('\n')
            lines.append(f'{key}: {first}'.rstrip())
            lines.extend(
                (' ' + line if not line.startswith(' ') else line)
                for line in rest)
        else:
            lines.append(f'{key}: {value}')
    return '\n'.join(lines) + '\n'

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""A cache of downloaded Debian packages that no build can poison.

apt trusts a file already in ``/var/cache/apt/archives`` that has the right
size: it does not check its hash again.  So build containers never write
the cache.  It is mounted read-only; what a build downloads comes back to
the host through the engine API, and the host admits a file only if its
SHA256 is the one the builder image's apt indexes (verified by apt against
the archive's signed Release when the image was made) or, in a run with
``--apt-source`` underlays, the underlays' indexes (verified by apt in a
container where nothing else runs) give for that file name.  Anything
else, a workspace .deb or a planted file, is dropped.
"""

import hashlib
import os
from pathlib import Path
import re
import shutil
import tarfile
import tempfile
import threading

from colcon_core.logging import colcon_logger
from colcon_deb_docker.container_spec import ContainerSpec

logger = colcon_logger.getChild(__name__)

#: where apt keeps the indexes in the builder image
APT_LISTS = '/var/lib/apt/lists'
# a field is a whole line; each match takes the newline before its line
# (the text is searched with one put in front), which makes re look for
# that byte first: 0.14 s for the builder image's 50 MB against 0.34 s
# with ^ and re.MULTILINE
_STANZA_FIELDS = re.compile(
    rb'\n(Package|Version|Architecture|Filename|SHA256): (\S+)(?=\n|\Z)')


#: a text apt's QuoteString leaves as it is, unless it holds a `bad` one
_APT_UNQUOTED = re.compile(r'[!-$&-~]*')


def apt_quote(text, bad):
    """Return `text` quoted as apt's QuoteString does for file names.

    Each character in `bad`, '%', and any character outside printable
    ASCII becomes %xx (lower-case hex of its byte).
    """
    if _APT_UNQUOTED.fullmatch(text) and not any(c in text for c in bad):
        # most names of an index: the 190,000 names, versions and
        # architectures of the builder image's 63,000 packages took 0.23 s
        # to quote character by character, 0.11 s this way
        return text
    return ''.join(
        f'%{byte:02x}' if chr(byte) in bad or byte == 0x25 or
        byte <= 0x20 or byte >= 0x7f else chr(byte)
        for byte in text.encode())


def archive_name(*, package, version, architecture, filename):
    """Return the name apt stores a downloaded package under.

    ``package_version_arch.deb``, each part quoted (apt's pkgAcqArchive):
    a version with an epoch, ``1:1.10.0``, becomes ``1%3a1.10.0``, while
    the archive's pool file name has no epoch at all.
    """
    extension = filename.rsplit('.', 1)[-1]
    return (f"{apt_quote(package, '_:')}_{apt_quote(version, '_:')}_"
            f"{apt_quote(architecture, '_:.')}.{extension}")


def index_digests(packages_text):
    """Return {file name: sha256} from the text of a Packages index.

    Each package under the name apt stores its download as in
    /var/cache/apt/archives, and under its pool file name.
    """
    digests = {}
    fields = {}
    # the keys stay bytes and a stanza's names are made once, at its
    # SHA256: the builder image's 50 MB of indexes took 0.72 s before
    # this, the search above and apt_quote's shortcut, 0.41 s with them
    for key, value in _STANZA_FIELDS.findall(b'\n' + packages_text):
        if key == b'Package':
            fields = {}
        fields[key] = value
        if key == b'SHA256' and b'Filename' in fields:
            digest = value.decode()
            filename = fields[b'Filename'].decode()
            digests[filename.rsplit('/', 1)[-1]] = digest
            if b'Package' in fields and b'Version' in fields and \
                    b'Architecture' in fields:
                digests[archive_name(
                    package=fields[b'Package'].decode(),
                    version=fields[b'Version'].decode(),
                    architecture=fields[b'Architecture'].decode(),
                    filename=filename)] = digest
            fields = {}
    return digests


class VerifiedAptCache:
    """The host's directory of verified .debs, shared read-only."""

    def __init__(self, *, path, read_indexes):
        """Describe the cache.

        :param read_indexes: called (once, when first needed) to return the
          concatenated Packages indexes of the builder image and of the
          underlays, as bytes
        """
        self.path = Path(path)
        self._read_indexes = read_indexes
        self._digests = None
        #: held while the indexes are read (a second or more)
        self._lock = threading.Lock()
        #: held only to ask for that reading once (never while it runs)
        self._ahead_guard = threading.Lock()
        self._reading_ahead = False

    def _expected(self):
        with self._lock:
            if self._digests is None:
                self._digests = index_digests(self._read_indexes())
            return self._digests

    def read_ahead(self, submit):
        """Read the indexes in the background, once, before admitting.

        Reading and parsing the builder image's lists (50 MB) took
        1.1-1.4 s (0.3 s less since 2026-12-08, see index_digests), and
        the first admission of a run did it after its build had published,
        before the package's dependents could start: in cold runs of the
        ament workspace that build's job ended 1.06-1.18 s after its
        publish.  A build asks for it as soon as apt said it downloaded
        something, so the reading overlaps its compile; runs that download
        nothing never read them.  Called from the thread that streams a
        build's output: it returns at once, also while the reading is
        under way.

        :param submit: runs a blocking call in the run's threads
        """
        with self._ahead_guard:
            if self._reading_ahead or self._digests is not None:
                return
            self._reading_ahead = True
        submit(self._expected)

    def admit(self, staging):
        """Move the verified .debs of a build's downloads into the cache.

        A file whose name the indexes give with another SHA256 is warned
        of (a build rewrote it, or the mirror changed under the image); one
        whose name they do not give at all (planted, or from an underlay
        republished since the indexes were read) is dropped quietly,
        logged at debug level.

        :param staging: a directory of files downloaded from a container;
          it is deleted afterwards
        :returns: (admitted, rejected) file names
        """
        staging = Path(staging)
        admitted, rejected, mismatched = [], [], []
        try:
            candidates = [
                p for p in sorted(staging.glob('*.deb'))
                if p.is_file() and not p.is_symlink() and
                not (self.path / p.name).exists()]
            if not candidates:
                return admitted, rejected
            expected = self._expected()
            for deb in candidates:
                digest = hashlib.sha256(deb.read_bytes()).hexdigest()
                if expected.get(deb.name) != digest:
                    rejected.append(deb.name)
                    if deb.name in expected:
                        mismatched.append(deb.name)
                    continue
                # a name of its own: two builds of the run downloading
                # the same file admit it at the same time, each in a
                # thread of this process
                fd, tmp = tempfile.mkstemp(
                    dir=self.path, prefix=f'.{deb.name}.', suffix='.tmp')
                try:
                    with os.fdopen(fd, 'wb') as out, deb.open('rb') as src:
                        shutil.copyfileobj(src, out)
                    os.chmod(tmp, 0o644)
                    os.replace(tmp, self.path / deb.name)
                finally:
                    # gone once moved into place
                    Path(tmp).unlink(missing_ok=True)
                admitted.append(deb.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if mismatched:
            logger.warning(
                'not cached (content other than the signed apt indexes '
                'give): ' + ', '.join(mismatched))
        unknown = [name for name in rejected if name not in mismatched]
        if unknown:
            logger.debug(
                'not cached (not in the signed apt indexes): '
                + ', '.join(unknown))
        return admitted, rejected


def builder_indexes(engine, image, *, labels=None):
    """Return the Packages indexes of an image's apt lists.

    Read through the engine API from a container that is created (with
    the security defaults and the run's labels), never started.

    :returns: {list file name: its content}
    """
    container = engine.create(ContainerSpec(
        image=image, command=['true'], network_mode='none',
        labels=dict(labels or {})))
    try:
        return _packages_indexes(container)
    finally:
        engine.remove(container)


def underlay_indexes(engine, spec, *, timeout=None):
    """Return the Packages indexes a container read the underlays into.

    `spec` is a container of the builder image that reads the
    ``--apt-source`` underlays' indexes and installs nothing (see
    ``ContainerSpecs.dependency_set``): apt verifies them against each
    underlay's signed Release (or its ``trusted=yes``) as it does for
    every build, and only Debian's apt runs in it, no workspace code.
    Its lists are read through the engine API once it ended; they hold
    the builder image's lists too, under the same names.

    :returns: {list file name: its content}
    :raises ContainerFailed: when it cannot read them
    """
    ended = []
    container = engine.create(spec)
    try:
        engine.run_created(container, timeout=timeout,
                           remove_later=ended.append)
        return _packages_indexes(container)
    finally:
        for remove in ended:
            remove()


def _packages_indexes(container):
    """Return {name: content} of the Packages files of a container's lists."""
    data = tempfile.TemporaryFile()
    stream, _ = container.get_archive(APT_LISTS)
    for chunk in stream:
        data.write(chunk)
    data.seek(0)
    indexes = {}
    with data, tarfile.open(fileobj=data) as tar:
        for member in tar:
            if member.isreg() and member.name.endswith('_Packages'):
                indexes[member.name.rsplit('/', 1)[-1]] = \
                    tar.extractfile(member).read()
    return indexes

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What the pool accepts.

- A build's output is *accepted*, not collected: only the files of the
  binary packages the build was asked for (:class:`ExpectedOutputs`), for
  its version (to the epoch) and architecture, as regular files whose
  control data says the same as their names and gives none of the fields
  the index writes, whose data installs nothing that hands a local user
  more than the package's own files (:func:`member_problem`), and whose
  relationships take no other workspace package's place
  (:func:`sibling_claim`).
- A Debian package name belongs to the workspace package that published
  it first (:func:`check_publisher`): no other package's build may put
  files under that name, even after the first left the workspace.
- The pool is append-only: a file name, once published, never gets other
  bytes (:func:`pool_conflict`); a rebuild that does not reproduce them
  must take a new version.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
import hashlib
from pathlib import Path
from pathlib import PurePosixPath
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile

from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.memory_budget import format_size
from colcon_deb_docker.naming import CLAIMING_FIELDS
from colcon_deb_docker.naming import relation_names
from colcon_deb_docker.repository.indexes import COMPONENT
from colcon_deb_docker.repository.indexes import GENERATED_FIELDS
from colcon_deb_docker.repository.indexes import HASHES
from debian.arfile import ArError
from debian.arfile import ArFile
from debian.deb822 import Deb822
from debian.debfile import DebError
from debian.debfile import DebFile

#: what a built .deb's data (its files and their tar headers) and its
#: control part may unpack to, and how many files its data may hold: a
#: ROS package holds a few thousand files, Debian's largest about 100,000
MAX_DATA_SIZE = 64 * 2 ** 30
MAX_CONTROL_SIZE = 256 * 2 ** 20
MAX_MEMBERS = 500_000

#: a source package name as Debian's policy (5.6.1) has it, which names a
#: package's directory in the pool
SOURCE_NAME = re.compile(r'[a-z0-9][a-z0-9+.-]{1,199}')


class RepositoryError(DebDockerError):
    """The repository cannot be written (permissions, disk full ...)."""


class RejectedOutput(RepositoryError):
    """A build produced a file the repository does not accept."""


class NotReproducible(RepositoryError):
    """A file name already in the pool would get other bytes."""

    def __init__(self, names):
        """Name the files whose published bytes differ."""
        super().__init__(
            'not reproducible: ' + ', '.join(names) + ' already published '
            'with other contents (the pool never changes a published file)')
        self.names = names


@dataclass(frozen=True)
class ExpectedOutputs:
    """The binary packages one build may produce."""

    #: Debian package names (their ``-dbgsym`` packages are accepted too)
    packages: frozenset
    version: str
    #: the build's architecture; ``all`` is accepted as well
    architecture: str
    #: Debian name -> the other workspace package that makes it: no .deb
    #: of this build may replace or provide one of them
    siblings: Mapping = field(default_factory=dict)

    def file_name(self, package, arch, extension='deb'):
        """Return the file name a package of this build has."""
        version = self.version.split(':', 1)[-1]
        return f'{package}_{version}_{arch}.{extension}'

    def accepts(self, name):
        """Return whether a file name is one this build may produce.

        Debug symbols come as ``<package>-dbgsym`` in a ``.deb`` (Debian)
        or a ``.ddeb`` (Ubuntu).
        """
        return any(
            name in (self.file_name(package, arch),
                     self.file_name(f'{package}-dbgsym', arch),
                     self.file_name(f'{package}-dbgsym', arch, 'ddeb'))
            for package in self.packages
            for arch in (self.architecture, 'all'))


def read_deb(path, *, expected=None):
    """Read one .deb offered to the pool; return its manifest entry base.

    :param expected: the :class:`ExpectedOutputs` of the build, or None for
      a file the tool already trusts (e.g. one in the pool)
    :raises RejectedOutput: for anything the pool does not accept
    """
    path = Path(path)
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise RejectedOutput(f'refusing {path.name}: not a regular file')
    if expected is not None and not expected.accepts(path.name):
        raise RejectedOutput(
            f'refusing {path.name}: not a package this build may produce '
            f"(expected {', '.join(sorted(expected.packages))} "
            f'{expected.version} for {expected.architecture})')
    try:
        if expected is None:
            deb = DebFile(str(path))
            control = deb.debcontrol()
            members = []
        else:
            control, members = _read_untrusted(path)
        control = {key: control[key] for key in control}
    except (ArError, DebError, OSError, KeyError, ValueError, EOFError,
            StopIteration, tarfile.TarError) as e:
        raise RejectedOutput(
            f'refusing {path.name}: not a readable .deb ({e})') from None
    for required in ('Package', 'Version', 'Architecture'):
        if required not in control:
            raise RejectedOutput(
                f'refusing {path.name}: no {required} field')
    if expected is not None:
        generated = sorted(
            key for key in control if key.lower() in GENERATED_FIELDS)
        if generated:
            raise RejectedOutput(
                f'refusing {path.name}: its control data has '
                f"{', '.join(generated)}, which only the repository's "
                'index may give')
        name = f"{control['Package']}_" \
            f"{control['Version'].split(':', 1)[-1]}_" \
            f"{control['Architecture']}{path.suffix}"
        if name != path.name:
            raise RejectedOutput(
                f'refusing {path.name}: its control data says {name}')
        if control['Version'] != expected.version:
            # an epoch (which dpkg-deb leaves out of the file name) would
            # put the package above every version the host gives it later
            raise RejectedOutput(
                f'refusing {path.name}: its control data gives the version '
                f"{control['Version']}, not {expected.version}, which the "
                'host assigned')
        # in any letter case: apt reads the index's field names so
        source = next((
            value for key, value in control.items()
            if key.lower() == 'source'), control['Package']).split(' ')[0]
        if not SOURCE_NAME.fullmatch(source):
            # it names the pool directory (a name of 300 characters failed
            # the publication as "cannot write the repository")
            raise RejectedOutput(
                f'refusing {path.name}: its control data gives the source '
                f'name {source[:100]!r}, which is not a Debian source name '
                '(lower case letters, digits, +, - and ., at most 200)')
        taken = sibling_claim(control, expected.siblings)
        if taken:
            raise RejectedOutput(f'refusing {path.name}: {taken}')
        for member in members:
            problem = member_problem(member)
            if problem:
                raise RejectedOutput(
                    f'refusing {path.name}: {member.name} {problem}')
    entry = {
        'package': control['Package'],
        'version': control['Version'],
        'architecture': control['Architecture'],
        'size': info.st_size,
        'control': control,
        'filename': f'pool/{COMPONENT}/{pool_dir(control)}/{path.name}',
    }
    entry.update(file_hashes(path))
    return entry


def _read_untrusted(path):
    """Return the control fields and the data members of a built .deb.

    Read as a stream, within bounds: a few hundred KiB of xz or zstd can
    hold terabytes of zeros, which python-debian decompresses (the
    whole of a zstd part into memory) and tarfile skips over by
    decompressing them: 4 GiB of zeros in 625 KB of xz held the host for
    8 s.  Here a member's size is counted from its header, before its
    data is read, and a part over its bound is refused there.

    :raises RejectedOutput: over a bound
    """
    ar = ArFile(str(path))
    names = ar.getnames()
    control_name = next(n for n in names if n.startswith('control.tar'))
    data_name = next(n for n in names if n.startswith('data.tar'))
    control = None
    for tar, member in _stream_members(
            ar.getmember(control_name), path=path, part=control_name,
            limit=MAX_CONTROL_SIZE):
        if member.name in ('./control', 'control') and member.isreg():
            control = Deb822(tar.extractfile(member).read())
    if control is None:
        raise RejectedOutput(f'refusing {path.name}: no control file')
    members = [member for _, member in _stream_members(
        ar.getmember(data_name), path=path, part=data_name,
        limit=MAX_DATA_SIZE)]
    return control, members


def _stream_members(member, *, path, part, limit):
    """Yield (tar, member) of one tar part of a .deb, read as a stream.

    zstd parts (Ubuntu's dpkg-deb makes them) go through unzstd, its
    output read as it comes; the others through tarfile's own
    decompressors.  Stops with RejectedOutput once the members' sizes and
    headers come to more than `limit` bytes, or there are more than
    :data:`MAX_MEMBERS`.
    """
    if not part.endswith('.zst'):
        yield from _bounded(tarfile.open(fileobj=member, mode='r|*'),
                            path=path, part=part, limit=limit)
        return
    with tempfile.TemporaryFile(dir=Path(path).parent) as compressed:
        shutil.copyfileobj(member, compressed)
        compressed.seek(0)
        unzstd = subprocess.Popen(
            ['unzstd', '--stdout', '--quiet'], stdin=compressed,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            yield from _bounded(
                tarfile.open(fileobj=unzstd.stdout, mode='r|'),
                path=path, part=part, limit=limit)
        finally:
            unzstd.kill()
            unzstd.stdout.close()
            unzstd.wait()


def _bounded(tar, *, path, part, limit):
    """Yield (tar, member) while the part stays within its bounds."""
    total = 0
    with tar:
        for count, member in enumerate(tar, start=1):
            # the header's block too: empty members add up as well
            total += member.size + tarfile.BLOCKSIZE
            if total > limit or count > MAX_MEMBERS:
                raise RejectedOutput(
                    f'refusing {path.name}: its {part} unpacks to more than '
                    f'{format_size(limit)} or {MAX_MEMBERS} files (a '
                    'runaway file, or a few KiB that decompress to '
                    'terabytes?)')
            yield tar, member


def sibling_claim(control, siblings):
    """Say how a built .deb's control data takes a sibling's place, if so.

    The source's debian/control and package.xml are checked before the
    build (package_checks.debian_name_problems); the control data of the
    .deb is the build's own work (``dh_gencontrol -- -DReplaces=...``, or
    a rewritten .deb), so the same rule is applied to it again.
    ``Conflicts`` and ``Breaks`` only keep two packages apart and stay the
    package's own.

    :param siblings: Debian name -> the other workspace package making it
    :returns: the reason, or None
    """
    # field names are case-insensitive to dpkg: `replaces:` counts too
    values = {key.lower(): value for key, value in control.items()}
    for field_name in CLAIMING_FIELDS:
        field_name = field_name.lower()
        for name in sorted(relation_names(values.get(field_name, ''))):
            if name in siblings:
                return (
                    f'its control data {field_name} {name}, '
                    f"which the package '{siblings[name]}' makes: "
                    "installed, it could overwrite that package's files or "
                    'stand in for it')
    return None


def member_problem(member):
    """Say what is wrong with one member of a .deb's data, else None.

    dpkg installs a package's data as root, exactly as the archive gives
    it: a member could hand every local user of the machine that installs
    the package what only root has.  So the data may hold files,
    directories and links only (a device node such as ``b 8,0`` with mode
    0666 gave every user the whole disk; Debian's policy, 10.6, forbids
    them), nothing setuid or setgid, nothing another user than root owns
    or may write (the owner of a library root loads, or any user for a
    world-writable directory on a path Python or the loader search,
    changes what root runs), by id or by name (dpkg takes the name when
    the machine knows it: uid 0 named ``pi`` is pi's on a Raspberry Pi),
    and no path out of the tree.  Symbolic links may point anywhere:
    dpkg creates the link, not what it names.

    :param member: a :class:`tarfile.TarInfo` of the data archive
    """
    if member.ischr() or member.isblk():
        return 'is a device node (a package holds files, directories and ' \
            'links only)'
    if not (member.isreg() or member.isdir() or member.issym() or
            member.islnk()):
        return 'is not a file, directory or link (a package holds those ' \
            'only)'
    for name in (member.name, member.linkname if member.islnk() else ''):
        if name.startswith('/') or '..' in PurePosixPath(name).parts:
            return f'names a path out of the package ({name})'
    if member.issym():
        return None
    if member.mode & (stat.S_ISUID | stat.S_ISGID):
        return 'is setuid/setgid'
    # dpkg takes the owner's name when the machine knows it, else the id
    user = member.uname or member.uid
    group = member.gname or member.gid
    if member.uid != 0 or user not in (0, 'root'):
        return f'is owned by {user}, not root: installed, that user could ' \
            'change it'
    if member.mode & stat.S_IWGRP and (
            member.gid != 0 or group not in (0, 'root')):
        return f"is writable by the group {group}, not root's"
    if member.mode & stat.S_IWOTH:
        return f'is writable by every user (mode {member.mode:o})'
    return None


def check_publisher(manifest, entries, *, ros_package):
    """Refuse entries whose package another workspace package published.

    The checks before the build (package_checks.debian_name_problems)
    see the workspace only; the repository also remembers the packages
    that have left it, whose names a new package could otherwise take over.

    :raises RejectedOutput: naming the file and the package that owns it
    """
    for entry in entries:
        others = manifest.publishers(entry['package']) - {ros_package}
        if others:
            raise RejectedOutput(
                f"refusing {Path(entry['filename']).name}: the repository "
                f"holds {entry['package']} as built from the package "
                f"'{sorted(others)[0]}', not '{ros_package}' (a package "
                "never takes over another's Debian name; rename one of "
                'them)')


def pool_dir(control):
    """Return the pool directory of a package: its source name."""
    source = control.get('Source', control['Package']).split(' ')[0]
    # the Source field comes from the package's own control file: never let
    # it name a path
    if not source or '/' in source or source.startswith('.'):
        raise RejectedOutput(f'refusing source name {source!r}')
    return source


def file_hashes(path):
    """Return {md5, sha1, sha256} hex digests of a file."""
    hashes = {algorithm: hashlib.new(algorithm) for _, algorithm in HASHES}
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            for h in hashes.values():
                h.update(block)
    return {algorithm: h.hexdigest() for algorithm, h in hashes.items()}


def pool_conflict(target, sha256):
    """Return whether `target` exists with bytes other than `sha256`."""
    target = Path(target)
    if not target.exists() and not target.is_symlink():
        return False
    if target.is_symlink() or not target.is_file():
        return True
    return file_hashes(target)['sha256'] != sha256

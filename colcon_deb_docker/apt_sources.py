# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Underlay repositories: ``--apt-source`` lines for the build containers.

Building a workspace against an existing ROS repository (packages.ros.org,
a company mirror, the output of an earlier `colcon deb`) needs that
repository as an apt source in every build and verify container.  Each
``--apt-source`` is one sources.list line, ``deb [signed-by=KEYFILE] URL
SUITE COMPONENT...``, in which ``{codename}`` stands for the codename of
the distribution built (a run with several base images builds each against
its own suite of the underlay).  The host checks it, copies its key into the
configuration directory it mounts read-only (no host path is ever written
by a container) and mounts a ``file:`` repository read-only; ``http(s):``
ones are fetched by the containers themselves.

Workspace packages always win over same-named underlay packages: builds
install their workspace dependencies from the workspace's own .debs (by
file, never through apt's choice), and the repository written ships a pin
file for consumers (see ``repository/apt_repository.py``).
"""

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
import hashlib
import os
from pathlib import Path
import re
import shutil
import urllib.error
from urllib.parse import unquote
import urllib.request

from colcon_deb_docker import contract
from colcon_deb_docker.container_spec import Mount
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.repository.indexes import text_field

SOURCES_LIST = 'underlays.list'
SCHEMES = ('file', 'http', 'https')
#: replaced with the codename of the distribution a session builds for
CODENAME_PLACEHOLDER = '{codename}'
#: options passed through unchanged (signed-by is rewritten)
ALLOWED_OPTIONS = ('arch', 'trusted', 'signed-by')


@dataclass(frozen=True)
class AptSource:
    """One parsed ``--apt-source`` line."""

    #: the line as the user gave it
    text: str
    uri: str
    suite: str
    components: tuple
    options: tuple = ()
    #: its InRelease (or Release) file as the run read it at its start
    #: (:func:`with_release`), else None: every later question of the run
    #: (the Label check, the dependency images' state) is answered from
    #: this one copy, so the run sees one state of the underlay and asks
    #: its server once
    release: bytes = field(default=None, compare=False, repr=False)

    @property
    def scheme(self):
        """``file``, ``http`` or ``https``."""
        return self.uri.split(':', 1)[0]

    @property
    def local_path(self):
        """The directory of a ``file:`` repository, else None.

        Percent-decoded, as apt reads it: the sources line colcon deb
        writes for a repository path with blanks has them as %20.
        """
        if self.scheme != 'file':
            return None
        return Path(unquote(re.sub(r'^file:(//)?', '', self.uri)))

    def option(self, name):
        """Return the value of option `name`, or None."""
        return dict(self.options).get(name)


def parse_apt_source(text, *, codename=None):
    """Parse and check one ``--apt-source`` line.

    :param codename: the distribution's codename, put in for
      ``{codename}``; None checks a line before the run knows its
      distributions (all but a ``file:`` repository's suite with the
      placeholder still in it)
    :raises DebDockerError: naming what is wrong with it
    """
    def bad(reason):
        return DebDockerError(f'--apt-source {given!r}: {reason}')

    given = text
    unknown = set(re.findall(r'\{[^{}]*\}', text)) - {CODENAME_PLACEHOLDER}
    if unknown:
        raise bad(f'unknown placeholder {sorted(unknown)[0]} (known: '
                  f'{CODENAME_PLACEHOLDER})')
    if codename is not None:
        text = text.replace(CODENAME_PLACEHOLDER, codename)
    match = re.fullmatch(
        r'\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)((?:\s+\S+)*)\s*', text)
    if not match:
        raise bad('expected "deb [signed-by=KEYFILE] URL SUITE COMPONENT..."')
    options = []
    for word in (match.group(1) or '').split():
        name, sep, value = word.partition('=')
        if not sep or name not in ALLOWED_OPTIONS:
            raise bad(f'unsupported option {word!r} (known: '
                      f"{', '.join(ALLOWED_OPTIONS)})")
        options.append((name, value))
    source = AptSource(
        text=text.strip(), uri=match.group(2), suite=match.group(3),
        components=tuple(match.group(4).split()), options=tuple(options))
    if source.scheme not in SCHEMES:
        raise bad(f"unsupported URL scheme (use {', '.join(SCHEMES)})")
    if not source.components and not source.suite.endswith('/'):
        raise bad('no component (e.g. main)')
    key = source.option('signed-by')
    if key is not None and not Path(key).is_file():
        raise bad(f'signed-by: no such key file: {key}')
    if key is None and source.option('trusted') != 'yes':
        raise bad('unsigned: give its key with [signed-by=KEYFILE] (or '
                  '[trusted=yes] for a repository you fully trust)')
    if source.local_path is not None and \
            CODENAME_PLACEHOLDER not in source.uri + source.suite:
        try:
            release_file(source)
        except OSError:
            raise bad(f'no repository at {source.local_path} (missing '
                      f'{release_directory(source)}Release)') from None
    return source


def source_digest(sources):
    """Return what the fingerprints count of the underlays.

    That is the lines and the keys' contents (a file: underlay's packages
    are apt's business).
    """
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.text.encode() + b'\0')
        key = source.option('signed-by')
        if key:
            digest.update(Path(key).read_bytes())
    return digest.hexdigest()


def release_directory(source):
    """Return where an underlay's Release file is, relative to its URL.

    ``dists/<suite>/``; a flat repository's "suite" is that directory
    itself (``./``).
    """
    return source.suite if source.suite.endswith('/') else \
        f'dists/{source.suite}/'


def release_file(source, *, timeout=15):
    """Return the content of an underlay's InRelease (or Release) file.

    The copy the run read at its start when it has one
    (:attr:`AptSource.release`); else read from a ``file:`` repository's
    directory, fetched from an ``http(s):`` one (on the host, through its
    proxy settings).

    :raises OSError: when there is none or it cannot be read
    """
    if source.release is not None:
        return source.release
    where = release_directory(source)
    if source.local_path is not None:
        for name in ('InRelease', 'Release'):
            path = source.local_path / where / name
            if path.is_file():
                return path.read_bytes()
        raise OSError(f'no Release file in {source.local_path / where}')
    for name in ('InRelease', 'Release'):
        url = f"{source.uri.rstrip('/')}/{where}{name}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise
    raise OSError(f'no Release file at {source.uri} {source.suite}')


def with_release(source):
    """Return `source` holding its Release file, read now.

    Checks an ``http(s):`` underlay is reachable on the way: unchecked, an
    unreachable one ends as apt's "Could not connect" in the logs of bloom
    and of the first build that needs it, or not at all.  The copy held
    answers the run's later questions (see :attr:`AptSource.release`).

    :raises DebDockerError: naming the line and the reason
    """
    try:
        return replace(source, release=release_file(source))
    except (OSError, ValueError) as e:
        reason = getattr(e, 'reason', None) or e
        raise DebDockerError(
            f'--apt-source {source.text!r}: cannot read its Release file '
            f'({reason}); check the URL, the suite and the network (or the '
            'proxy settings)') from None


def underlays_sharing_label(label, sources):
    """Return the underlays whose Release has the Label `label`.

    The repository's pin (``Pin: release l=<label>``) is what makes its
    packages win over the underlays' same-named ones: an underlay under
    the same Label (two CI jobs with one recipe's ``--label``) gets the
    pin's priority too, and apt takes the higher version of the two
    again.  An underlay whose Release cannot be read is left to the
    checks that read it.
    """
    sharing = []
    for source in sources:
        try:
            text = release_file(source).decode(errors='replace')
        except OSError:
            continue
        if text_field(text, 'Label') == label:
            sharing.append(source)
    return sharing


def underlays_now(sources):
    """Return a digest of the underlays as they are now.

    Their lines and keys (:func:`source_digest`) and each one's Release
    file, which names the hash of every index: a dependency image made
    with an underlay is valid for exactly this state of it (a republished
    underlay gives another digest, so images of its old packages are not
    used again).

    :raises OSError: when a Release file cannot be read
    """
    digest = hashlib.sha256(source_digest(sources).encode())
    for source in sources:
        digest.update(release_file(source))
    return digest.hexdigest()


def write_apt_sources(*, path, sources):
    """Write the sources list and keys the containers read below `path`.

    :returns: the mounts: this directory, then the file: repositories
    """
    path = Path(path)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    lines, mounts = [], [Mount(str(path.resolve()), contract.APT_SOURCES)]
    for index, source in enumerate(sources):
        options = []
        for name, value in source.options:
            if name == 'signed-by':
                key = path / f'key-{index:02d}.gpg'
                shutil.copyfile(value, key)
                value = f'{contract.APT_SOURCES}/{key.name}'
            options.append(f'{name}={value}')
        uri = source.uri
        if source.local_path is not None:
            target = f'{contract.UNDERLAYS}/{index:02d}'
            mounts.append(Mount(str(source.local_path.resolve()), target))
            uri = f'file:{target}'
        lines.append(' '.join(
            ['deb'] + ([f"[{' '.join(options)}]"] if options else [])
            + [uri, source.suite, *source.components]))
    (path / SOURCES_LIST).write_text('\n'.join(lines) + '\n')
    for directory, _, files in os.walk(path):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    return mounts

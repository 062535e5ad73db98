# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The command line of `colcon deb`.

Its own options, then colcon's executor, event handler and package
selection options.
"""

import argparse
import math
import os
import re

from colcon_core.event_handler import add_event_handler_arguments
from colcon_core.executor import add_executor_arguments
from colcon_core.package_selection import add_arguments \
    as add_packages_arguments
from colcon_deb_docker.container_archives import MIN_FREE
from colcon_deb_docker.container_spec import MAX_DISK
from colcon_deb_docker.container_spec import MAX_OUTPUT
from colcon_deb_docker.memory_budget import parse_size
from colcon_deb_docker.repository.apt_repository import \
    DEFAULT_KEEP_VERSIONS
from colcon_deb_docker.repository.apt_repository import LABEL_PATTERN
from colcon_deb_docker.repository.validity import parse_duration
from colcon_deb_docker.versioning import DEFAULT_SCHEME
from colcon_deb_docker.versioning import SCHEMES

#: the choices of --debug-symbols (see container_specs.package_environment)
DEBUG_SYMBOLS = ('full', 'lean', 'none')

DEFAULT_BASE_IMAGE = 'local/debian:bookworm'


def add_deb_arguments(parser):
    """Add every option of `colcon deb` to an argparse parser."""
    parser.add_argument(
        '--ros-distro', default=os.environ.get('ROS_DISTRO'),
        help='The ROS distribution the packages are named for '
             '(ros-<distro>-<name>), default: $ROS_DISTRO')
    parser.add_argument(
        '--base-image', action='append', metavar='IMAGE',
        help='Debian or Ubuntu image the builder image is made from '
             f'(default: {DEFAULT_BASE_IMAGE}; make it with '
             'colcon-deb-base-image).  Repeatable, one per distribution '
             '(e.g. bookworm and trixie): every package is built for each, '
             'into dists/<codename> of one repository sharing one pool')
    parser.add_argument(
        '--output-base', default='deb',
        help='The apt repository to write (default: %(default)s)')
    parser.add_argument(
        '--build-base', default='build_deb',
        help='Scratch directory for per-package outputs and the rosdep '
             'sources (default: %(default)s)')
    parser.add_argument(
        '--offline', action='store_true',
        help='Touch no network for rosdep and bloom: use a generated '
             'rosdistro index, the workspace, --rosdep-source files and '
             "the image's local rosdep mappings only")
    parser.add_argument(
        '--rosdep-source', metavar='FILE', action='append', default=[],
        help='An extra rosdep YAML file, consulted after the workspace '
             'and before the image sources (repeatable)')
    parser.add_argument(
        '--apt-source', metavar='LINE', action='append', default=[],
        help='An underlay apt repository to build against, as a '
             'sources.list line: "deb [signed-by=KEYFILE] URL SUITE '
             'COMPONENT..." (repeatable; file: repositories are mounted '
             'read-only, http(s) ones fetched by the containers; '
             '{codename} stands for the codename of each distribution '
             'built, e.g. "deb [signed-by=KEY] URL {codename} main").  Give '
             'its rosdep YAML with --rosdep-source; workspace packages win '
             'over same-named underlay packages')
    parser.add_argument(
        '--debian-overrides', type=existing_directory, metavar='DIR',
        help='A directory holding DIR/<package>/debian/ to use instead '
             'of bloom for those packages')
    parser.add_argument(
        '--verify', action='store_true',
        help='After building, install every built package from the '
             'repository in a fresh container of the base image')
    parser.add_argument(
        '--timeout', type=positive_seconds, metavar='SECONDS',
        help='Kill a package build that runs longer than this')
    parser.add_argument(
        '--build-jobs', type=positive_int, metavar='N',
        help='make jobs within one package build (DEB_BUILD_OPTIONS '
             'parallel=N), with the load of all builds together kept under '
             '1.5 N (make -l): a package built alone gets every core, '
             'concurrent ones share them (default: the number of cores)')
    parser.add_argument(
        '--memory', type=memory_size, metavar='SIZE',
        help='Memory all build containers may hold together, e.g. 16g; a '
             "build starts only when its limit fits (default: the engine's "
             'memory)')
    parser.add_argument(
        '--job-memory', type=memory_size, metavar='SIZE',
        help='The memory limit of each build container, e.g. 4g (default: '
             '--memory shared by the parallel workers); a build over it is '
             'killed and reported as out of memory')
    parser.add_argument(
        '--max-output', type=memory_size, metavar='SIZE',
        default=MAX_OUTPUT,
        help="The most a build's outputs may come to, e.g. 64g (default: "
             f'{MAX_OUTPUT // 2 ** 30}g); a build whose outputs come to more '
             '(a runaway or sparse file) fails instead of filling the '
             "host's disk, as does one that would leave less than "
             f'{MIN_FREE // 2 ** 30}g free there')
    parser.add_argument(
        '--max-disk', type=memory_size, metavar='SIZE', default=MAX_DISK,
        help='The most a build may write into its container and its '
             'volumes (ccache, /opt/ros), e.g. 64g '
             f'(default: {MAX_DISK // 2 ** 30}g; a sparse file counts '
             'whole); a build that writes more is killed instead of '
             "filling the engine's disk (asked of the engine every 10 s)")
    parser.add_argument(
        '--run-tests', action='store_true',
        help="Run the packages' tests during dpkg-buildpackage "
             '(default: DEB_BUILD_OPTIONS=nocheck)')
    parser.add_argument(
        '--docker-host', metavar='[ARCH=]URL', action='append',
        default=[],
        help='The Docker engine to use (default: $DOCKER_HOST or the '
             'local socket).  ARCH=URL (repeatable) sends the containers '
             'of one architecture to another engine, e.g. a native arm64 '
             'machine (ssh://user@host, tcp://host:2376); sources and '
             'results travel through the Docker API, no shared '
             'filesystem is needed, and the base and builder images it '
             'lacks are copied from the local engine')
    parser.add_argument(
        '--arch', action='append', metavar='ARCH',
        help='Debian architecture to build for (repeatable: --arch amd64 '
             "--arch arm64; default: the engine's).  A foreign one runs "
             'under QEMU emulation and uses the base image '
             '<--base-image>-<ARCH>')
    parser.add_argument(
        '--sign-key', metavar='KEYID',
        help='Sign the repository (Release.gpg, InRelease) with this '
             "secret key of the user's GnuPG keyring, named exactly by "
             'its fingerprint, key id, user id or e-mail address; the '
             'public key is written to <output-base>/key.gpg and key.asc')
    parser.add_argument(
        '--sign-key-file', metavar='FILE',
        help='Sign with the secret key in FILE (imported into a '
             'temporary keyring that is deleted afterwards)')
    parser.add_argument(
        '--valid-for', type=duration, metavar='DURATION',
        help='How long each signed Release stays valid, e.g. 7d or 12h '
             '(Valid-Until: apt refuses it after that, so a server cannot '
             'hold clients on an old signed state; every run, a no-op one '
             'too, renews a Release with less than half of it left, so run '
             'colcon deb within each half, e.g. nightly for 7d; needs '
             '--sign-key or --sign-key-file; default: valid for ever)')
    parser.add_argument(
        '--label', type=release_label, metavar='NAME',
        help="The repository's Label in its Release, what consumers' apt "
             'and pins know it by, e.g. acme-robot-debs (default: the one '
             'it has, or a new colcon-deb-<random> for a new repository).  '
             'apt stops updating from a repository whose Label changed: '
             'a CI job that makes the repository anew in each run must '
             'give the same --label every time')
    parser.add_argument(
        '--public-url', type=public_url, metavar='URL',
        help='Where the repository will be served, e.g. '
             'https://debs.example.com/acme: the sources lines written for '
             'consumers (colcon-deb*.list beside dists/) name it, and a '
             "signed repository's key as /etc/apt/keyrings/<label>.gpg, "
             'where they put key.gpg (default: the output base as a file: '
             'URI of this machine)')
    parser.add_argument(
        '--force', action='store_true',
        help='Build every selected package, even those whose '
             'fingerprint (sources, dependencies, image, options) is '
             'unchanged since their last good build')
    parser.add_argument(
        '--dry-run', action='store_true',
        help='Print the plan (build order, .deb names, what is up to '
             'date, where each rosdep key resolves) and build nothing')
    parser.add_argument(
        '--isolate-network', action='store_true',
        help='Disconnect each container from the network once its build '
             'dependencies are installed, so the compile step has none '
             '(default: the network stays, for builds that fetch)')
    parser.add_argument(
        '--no-apt-cache', action='store_true',
        help='Do not share downloaded .debs between containers '
             '(default: cached in <build-base>/.apt-archives, read-only '
             'to containers; the host admits a download only if its '
             "SHA256 matches the builder image's signed apt indexes)")
    parser.add_argument(
        '--no-ccache', action='store_true',
        help='Do not use ccache for C/C++ compiles (default: each '
             'package keeps its own ccache in a volume of the engine, '
             'colcon-deb-ccache-*)')
    parser.add_argument(
        '--no-dependency-images', action='store_true',
        help='Install the system dependencies of every build in its own '
             'container (default: each exact set of them is installed once '
             'into an image, colcon-deb-deps:<hash>, which every build '
             'needing exactly that set starts from)')
    parser.add_argument(
        '--debug-symbols', choices=DEBUG_SYMBOLS, default='full',
        help="full: Debian's -g -O2, the debug symbols in <package>-dbgsym, "
             'as the ROS buildfarm does (default); lean: the same without '
             "GCC's variable tracking at assignments "
             '(-fno-var-tracking-assignments: C++ compiles about 12 %% '
             'faster, locals in optimized code less often available to '
             'the debugger); none: no -g and no -dbgsym packages '
             '(DEB_BUILD_OPTIONS=noddebs), the fastest, no debugging of the '
             'installed binaries')
    parser.add_argument(
        '--no-debug-symbols', action='store_const', const='none',
        dest='debug_symbols', help='The same as --debug-symbols none')
    parser.add_argument(
        '--no-bloom-ahead', action='store_true',
        help="Run bloom in every package's build container (default: bloom "
             'generates the debian/ of all packages to build in one '
             'container beside the first builds, from package.xml and the '
             'few files it reads, each build waiting for its own; the '
             'result is kept until those files change)')
    parser.add_argument(
        '--version-scheme', choices=SCHEMES, default=DEFAULT_SCHEME,
        help='How a changed package gets a higher Debian version: '
             'timestamp (<version>-0<codename>.YYYYMMDD.HHMMSS, as '
             'ros_buildfarm), counter (<version>-0<codename>.N) or none '
             '(package.xml only: bump it yourself) (default: '
             '%(default)s)')
    parser.add_argument(
        '--keep-versions', type=positive_int, metavar='N',
        default=DEFAULT_KEEP_VERSIONS,
        help='Versions of each package the repository keeps (older ones '
             'are pruned; default: %(default)s)')
    parser.add_argument(
        '--continue-on-error', action='store_true',
        help='Continue other packages when a package fails; packages '
             'depending on the failed one are skipped')
    add_executor_arguments(parser)
    add_event_handler_arguments(parser)
    add_packages_arguments(parser)


def positive_int(text):
    """Parse a whole number of at least 1 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected a number >= 1: {text!r}')
    return value


def positive_seconds(text):
    """Parse a finite number of seconds above 0 (argparse type).

    0, a negative number, nan or inf would otherwise pass as a float and
    end in a confusing kill, no limit at all or a traceback.
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f'expected a number of seconds above 0: {text!r}')
    return value


def existing_directory(text):
    """Parse the path of a directory that exists (argparse type).

    A mistyped path would otherwise be taken as a directory without
    overrides: bloom would quietly generate what the user meant to replace.
    """
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f'no such directory: {text!r}')
    if not os.access(text, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f'cannot read the directory {text!r}')
    return text


def duration(text):
    """Parse a duration like 7d or 12h into seconds (argparse type)."""
    try:
        return parse_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def release_label(text):
    """Parse a Release Label: letters, digits and ``.+~_-`` (argparse type).

    It goes into Release and into the consumers' pin (``Pin: release
    l=<label>, ...``), where a comma, a blank or a newline would change
    what the line says.
    """
    if not LABEL_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            'expected letters, digits, ".", "+", "~", "_" and "-" (at most '
            f'64, starting with a letter or digit): {text!r}')
    return text


def public_url(text):
    """Parse the URL consumers reach the repository at (argparse type).

    http(s) with a host, or a ``file:`` path; no blank or bracket, which
    would end the URI of a sources line or its options; no user or
    password, which would be published with the files that name it.
    """
    match = re.fullmatch(r'(https?://([^/\s\[\]]+)|file:)[^\s\[\]]*', text)
    if not match:
        raise argparse.ArgumentTypeError(
            'expected an http://, https:// or file: URL without blanks or '
            f'brackets (percent-encode them): {text!r}')
    if '@' in (match.group(2) or ''):
        raise argparse.ArgumentTypeError(
            'a user or password in --public-url would be published in the '
            "consumers' sources lines: give the URL without them (apt "
            'reads credentials from /etc/apt/auth.conf.d/)')
    return text.rstrip('/') or text


def memory_size(text):
    """Parse a memory size like 4g or 512m (argparse type)."""
    try:
        return parse_size(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None

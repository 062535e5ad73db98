# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The builder image: a base image plus what bloom and dpkg need.

Its tag is a hash of everything that goes into it (the base image's id, the
Dockerfile and the install script), so it is built once and reused until one
of them changes.  The OS name and codename are read from the image's
``/etc/os-release``, never from the host.

What a package's fingerprint counts of it is its *content* instead
(:attr:`BuilderImage.content`): the packages installed in it with their
versions, the Release files of the apt indexes it installs build
dependencies from, and the install script.  A base image made anew
(``debootstrap`` in every CI run) has a new id, so a new builder tag, but
the same content as long as the mirror has not changed: the packages
built before stay up to date instead of all being built again under new
versions.  Only for a base image ``colcon-deb-base-image`` made (its
label says so), whose every file comes from its packages; any other base
image may hold files no package list shows (a ``pip install``, a copied
configuration), so the builder's tag (of the base image's id) counts for
it, as it always did.
"""

from dataclasses import dataclass
import hashlib
import io
import re
import tarfile

from colcon_core.logging import colcon_logger
from colcon_deb_docker import contract
from colcon_deb_docker.base_image import CONTENT_LABEL
from colcon_deb_docker.base_image import CONTENT_LABEL_VALUE
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.errors import ImageBuildFailed
from colcon_deb_docker.helpers_path import helpers_dir
import docker.errors

logger = colcon_logger.getChild(__name__)

INSTALL_SCRIPT = 'install-build-tools.sh'
IMAGE_REPOSITORY = 'colcon-deb-builder'
BASE_IMAGE_HINT = (
    'make one with `colcon-deb-base-image --tag {image}` (debootstrap from '
    "Debian's mirror) or pass an image you have with --base-image")

DOCKERFILE = f"""\
FROM {{base_image}}
LABEL io.colcon-deb-docker.builder=1 \\
      io.colcon-deb-docker.base-image="{{base_image}}"
COPY {INSTALL_SCRIPT} /usr/local/lib/colcon-deb/{INSTALL_SCRIPT}
RUN sh /usr/local/lib/colcon-deb/{INSTALL_SCRIPT}
"""


@dataclass(frozen=True)
class BuilderImage:
    """A ready builder image and the platform facts read from it."""

    tag: str
    os_name: str
    os_codename: str
    architecture: str
    #: whether the image has nothing under /opt/ros (contract.ROS_ROOT)
    ros_root_empty: bool = False
    #: digest of what a build sees of the image (see the module's doc), ''
    #: when it is not known from the image's packages: then the tag counts
    content: str = ''


def builder_tag(*, base_image_id, dockerfile, install_script):
    """Return the content-addressed tag of a builder image."""
    digest = hashlib.sha256()
    for part in (base_image_id.encode(), dockerfile.encode(), install_script):
        digest.update(hashlib.sha256(part).digest())
    return f'{IMAGE_REPOSITORY}:{digest.hexdigest()[:16]}'


def _context_tar(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def prepare_builder_image(*, engine, base_image, on_line=None, platform=None,
                          build_arguments=None, copy_missing=None):
    """Return the :class:`BuilderImage` for a base image, building it if new.

    :param on_line: called with each line of `docker build` output
    :param build_arguments: the host's proxy variables (see build_image)
    :param copy_missing: called with the builder image's tag (``name``)
      when the engine lacks it; returns whether it got it elsewhere (a remote
      engine, from the local one: see image_copies.py)
    :raises ImageMissing: if the base image is not available
    :raises ImageBuildFailed: if the build fails
    """
    base_id = engine.image_id(
        base_image, hint=BASE_IMAGE_HINT.format(image=base_image))
    dockerfile = DOCKERFILE.format(base_image=base_image)
    install_script = (helpers_dir() / INSTALL_SCRIPT).read_bytes()
    tag = builder_tag(
        base_image_id=base_id, dockerfile=dockerfile,
        install_script=install_script)
    if not engine.has_image(tag) and not (
            copy_missing and copy_missing(name=tag)):
        check_debian_like(engine=engine, image=base_image, platform=platform)
        logger.info(f"building builder image '{tag}' from '{base_image}'")
        build_image(
            engine=engine, tag=tag, platform=platform, on_line=on_line,
            build_arguments=build_arguments, files={
                'Dockerfile': dockerfile.encode(),
                INSTALL_SCRIPT: install_script,
            })
    platform_facts = read_platform(
        engine=engine, image=tag, platform=platform)
    # only a base image whose packages say all it holds counts by them;
    # any other by its builder's tag, as before (so its stamps stay valid)
    by_packages = engine.image_labels(base_image).get(CONTENT_LABEL) == \
        CONTENT_LABEL_VALUE
    return BuilderImage(
        tag=tag, os_name=platform_facts.os_name,
        os_codename=platform_facts.os_codename,
        architecture=platform_facts.architecture,
        ros_root_empty=platform_facts.ros_root_empty,
        content=content_digest(
            install_script=install_script,
            image_digest=platform_facts.content) if by_packages else '')


def content_digest(*, install_script, image_digest):
    """Return the content of a builder image, as its fingerprints count it.

    :param image_digest: the digest of its packages and apt indexes, read
      in a container of it (:func:`read_platform`); when it is not one
      (an image without sha256sum), '' is returned: then the tag counts
    """
    if not re.fullmatch(r'[0-9a-f]{64}', image_digest):
        return ''
    digest = hashlib.sha256()
    for part in (install_script, image_digest.encode()):
        digest.update(hashlib.sha256(part).digest())
    return f'content:{digest.hexdigest()[:16]}'


def build_image(*, engine, tag, files, platform, on_line,
                build_arguments=None):
    """Build an image from a Dockerfile and its files (a build context).

    :param build_arguments: the host's proxy variables (the allow-list of
      session.py): docker's predefined build arguments, which its RUN steps
      see and neither the image nor its history keeps; the docker CLI adds
      them from its configuration, the Docker SDK does not
    :raises ImageBuildFailed: with the last lines of the build
    """
    tail = []
    kwargs = {}
    if platform:
        kwargs['platform'] = platform
    if build_arguments:
        kwargs['buildargs'] = dict(build_arguments)
    try:
        for chunk in engine.client.api.build(
            fileobj=_context_tar(files), custom_context=True, tag=tag,
            rm=True, forcerm=True, pull=False, decode=True, **kwargs
        ):
            if 'error' in chunk:
                tail.append(chunk['error'])
                raise ImageBuildFailed(tag=tag, log_tail='\n'.join(tail[-30:]))
            for line in chunk.get('stream', '').splitlines():
                tail.append(line)
                if on_line:
                    on_line(line)
    except docker.errors.APIError as e:
        raise ImageBuildFailed(tag=tag, log_tail=str(e)) from None


def parse_os_release(text):
    """Return ``(os_name, codename)`` from the text of /etc/os-release."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if sep:
            values[key.strip()] = value.strip().strip('"\'')
    os_name = values.get('ID', '')
    codename = values.get('VERSION_CODENAME') or values.get(
        'UBUNTU_CODENAME', '')
    if not codename and '(' in values.get('VERSION', ''):
        codename = values['VERSION'].split('(')[1].split(')')[0].split()[0]
    if not os_name or not codename:
        raise DebDockerError(
            'cannot tell the OS name and codename of the image from its '
            '/etc/os-release (need ID and VERSION_CODENAME)')
    os_name, codename = os_name.lower(), codename.lower()
    # both name directories and files of the repository (dists/<codename>,
    # colcon-deb-<codename>.list) and versions: never a path of their own
    for what, value in (('ID', os_name), ('VERSION_CODENAME', codename)):
        if not re.fullmatch(r'[a-z0-9][a-z0-9.+-]*', value):
            raise DebDockerError(
                f"the image's /etc/os-release has {what}={value!r}: not a "
                'distribution name (lowercase letters, digits, . + -)')
    return os_name, codename


def check_debian_like(*, engine, image, platform=None):
    """Refuse, in words, a base image that has no apt and dpkg.

    :raises DebDockerError: naming the image and what it is instead
    """
    lines = []
    spec = ContainerSpec(
        image=image, platform=platform, network_mode='none',
        command=['sh', '-c', 'cat /etc/os-release 2>/dev/null; '
                 'for t in apt-get dpkg; do command -v $t >/dev/null && '
                 'echo "HAS=$t"; done; true'])
    try:
        engine.run(spec, on_line=lambda line, _: lines.append(line))
    except (ContainerFailed, DebDockerError):
        lines = []
    values = dict(line.split('=', 1) for line in lines if '=' in line)
    found = {line[4:] for line in lines if line.startswith('HAS=')}
    family = {values.get('ID', '').strip('"\''), *values.get(
        'ID_LIKE', '').strip('"\'').split()}
    if {'apt-get', 'dpkg'} <= found and family & {'debian', 'ubuntu'}:
        return
    what = values.get('PRETTY_NAME', values.get('ID', '')).strip('"\'') or \
        'an image without /etc/os-release or a shell'
    raise DebDockerError(
        f"base image '{image}' is not Debian-like ({what}): colcon deb "
        'builds with apt, dpkg and bloom; pass a Debian or Ubuntu image '
        '(make one with `colcon-deb-base-image`)')


def read_platform(*, engine, image, platform=None):
    """Return what the run needs to know of an image (:class:`Platform`)."""
    lines = []
    spec = ContainerSpec(
        image=image, platform=platform, network_mode='none',
        command=['sh', '-c', PLATFORM_SCRIPT])
    try:
        engine.run(spec, on_line=lambda line, _: lines.append(line))
    except ContainerFailed as e:
        raise DebDockerError(
            f"cannot read /etc/os-release of image '{image}':\n"
            f'{e.log_tail}') from None
    os_name, codename = parse_os_release('\n'.join(lines))
    values = dict(line.strip().split('=', 1) for line in lines
                  if line.startswith(('DPKG_ARCH=', 'ROS_ROOT_ENTRIES=',
                                      'CONTENT=')))
    return Platform(
        os_name=os_name, os_codename=codename,
        architecture=values.get('DPKG_ARCH', ''),
        ros_root_empty=values.get('ROS_ROOT_ENTRIES') == '0',
        content=values.get('CONTENT', ''))


@dataclass(frozen=True)
class Platform:
    """What :func:`read_platform` reads of an image."""

    os_name: str
    os_codename: str
    #: dpkg's architecture
    architecture: str
    #: whether nothing is installed under /opt/ros
    ros_root_empty: bool
    #: sha256 of its packages (name, version, architecture, sorted) and of
    #: the Release files of its apt indexes
    content: str


#: prints /etc/os-release and the facts of :class:`Platform`
PLATFORM_SCRIPT = (
    'cat /etc/os-release; '
    'echo "DPKG_ARCH=$(dpkg --print-architecture)"; '
    'echo "ROS_ROOT_ENTRIES=$(ls -A ' + contract.ROS_ROOT +
    ' 2>/dev/null | wc -l)"; '
    'echo "CONTENT=$({ dpkg-query -W '
    "-f '${Package} ${Version} ${Architecture}\\n' | LC_ALL=C sort; "
    'for f in /var/lib/apt/lists/*Release; do '
    '[ -f "$f" ] && sha256sum "$f"; done; } | sha256sum | cut -c1-64)"')

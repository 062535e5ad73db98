# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The engine layer of a run.

Which engine builds which architecture, and with which builder image.
"""

from functools import partial
import os
from pathlib import Path

from colcon_core.location import get_log_path
from colcon_core.logging import colcon_logger
from colcon_deb_docker.builder_image import prepare_builder_image
from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.image_copies import LocalImages
from colcon_deb_docker.platforms import check_emulation
from colcon_deb_docker.platforms import docker_platform
from colcon_deb_docker.platforms import native_architecture
from colcon_deb_docker.session import allowed_host_environment

logger = colcon_logger.getChild(__name__)


def connect_engines(args):
    """Return ({arch: DockerEngine}, architectures using transfers).

    ``--docker-host URL`` names the default engine, ``ARCH=URL`` the engine
    of one architecture.  Engines given per architecture, and a default
    engine reached over tcp:// or ssh://, do not share the host's
    filesystem: their containers get inputs and return outputs as archives.
    """
    default_url = None
    per_arch = {}
    for value in args.docker_host:
        arch, sep, url = value.partition('=')
        if sep and '://' not in arch:
            docker_platform(arch)  # validates the architecture
            per_arch[arch] = url
        else:
            default_url = value
    requested = list(dict.fromkeys(args.arch or []))
    default = None
    if not requested or any(a not in per_arch for a in requested):
        default = DockerEngine(base_url=default_url)
    if not requested:
        requested = [native_architecture(default)]
    remote_default = (default.base_url if default else '').startswith(
        ('tcp://', 'ssh://', 'http://', 'https://'))
    connected = {}
    engines = {}
    transfer = set()
    for arch in requested:
        if arch in per_arch:
            url = per_arch[arch]
            if url not in connected:
                connected[url] = DockerEngine(base_url=url)
            engines[arch] = connected[url]
            transfer.add(arch)
        else:
            engines[arch] = default
            if remote_default:
                transfer.add(arch)
    return engines, transfer


def prepare_distributions(engines, base_images, *, transfer=()):
    """Return {base image: its builders}, one base image per distribution.

    Every builder image is made before anything is built, so a missing
    base image fails the run at once.

    :param transfer: the architectures whose engine shares no files with
      this machine: what images they lack is copied from the local engine
      (see image_copies.py)

    :raises DebDockerError: when two base images are the same release
    """
    distributions, codenames = {}, {}
    copies = LocalImages()
    for base_image in dict.fromkeys(base_images):
        builders = prepare_builders(
            engines, base_image, transfer=transfer, copies=copies)
        builder = next(iter(builders.values()))
        other = codenames.setdefault(builder.os_codename, base_image)
        if other != base_image:
            raise DebDockerError(
                f'--base-image {base_image} and {other} are both '
                f'{builder.os_name} {builder.os_codename}: give one base '
                'image per distribution')
        distributions[base_image] = builders
    return distributions


def prepare_builders(engines, base_image, *, transfer=(), copies=None):
    """Return {arch: BuilderImage}, the primary architecture first.

    A foreign architecture uses ``<base image>-<arch>`` (made by
    ``colcon-deb-base-image --arch ARCH``); before its builder image is made,
    a trivial container proves the engine can run it.  An engine that
    shares no files with this machine gets the base and builder images it
    lacks from the local engine (a native arm64 engine gets the local
    ``<base image>-arm64`` as ``<base image>``).
    """
    builders = {}
    warned = False
    primary_base_image = base_image
    for arch, engine in engines.items():
        native = native_architecture(engine)
        platform = None
        base_image = primary_base_image
        if arch != native:
            platform = docker_platform(arch)
            base_image = f'{primary_base_image}-{arch}'
        copy_missing = None
        if arch in transfer:
            copies = copies or LocalImages()
            if not copies.copy_missing(
                    target=engine, name=base_image, arch=arch,
                    candidates=[f'{primary_base_image}-{arch}']
                    if base_image == primary_base_image else []):
                engine.image_id(base_image, hint=(
                    f'the engine at {engine.base_url} lacks it, and the '
                    f'local engine has no {arch} image of that name to copy '
                    'there: make one here with `colcon-deb-base-image '
                    f'--arch {arch} --tag {primary_base_image}-{arch}`'))
            copy_missing = partial(
                copies.copy_missing, target=engine, arch=arch)
        if arch != native:
            engine.image_id(base_image, hint=(
                f'make it with `colcon-deb-base-image --arch {arch} --tag '
                f'{base_image}` (debootstrap under emulation)'))
            check_emulation(engine=engine, image=base_image, arch=arch)
            if not warned:
                logger.warning(
                    f'{arch} runs under QEMU emulation on this {native} '
                    'engine: expect builds several times slower')
                warned = True
        with _BuildLog(f'{arch}-{_image_log_name(base_image)}') \
                as build_log:
            builder = prepare_builder_image(
                engine=engine, base_image=base_image, platform=platform,
                on_line=build_log.write, copy_missing=copy_missing,
                build_arguments=allowed_host_environment(os.environ))
        if builder.architecture != arch:
            raise DebDockerError(
                f"image '{base_image}' is {builder.architecture}, not {arch}")
        first = next(iter(builders.values()), None)
        if first and (first.os_name, first.os_codename) != (
                builder.os_name, builder.os_codename):
            raise DebDockerError(
                f'all architectures need the same OS release: '
                f"'{base_image}' is {builder.os_name} {builder.os_codename}")
        logger.info(
            f"builder image '{builder.tag}' for {builder.os_name} "
            f'{builder.os_codename} ({builder.architecture})')
        builders[arch] = builder
    return builders


def _image_log_name(image):
    """Return a file-name-safe form of an image name."""
    return ''.join(c if c.isalnum() or c in '.-' else '_' for c in image)


class _BuildLog:
    """The log of a builder image build.

    A file under colcon's log directory, and one line on the console when a
    build starts.
    """

    def __init__(self, name):  # noqa: D107
        self.name = name
        self.file = None

    def __enter__(self):  # noqa: D105
        return self

    def write(self, line):
        """Take one line of `docker build` output."""
        if self.file is None:
            log_path = get_log_path()  # None with --log-base /dev/null
            path = Path(log_path) / f'builder-image-{self.name}.log' \
                if log_path else Path(os.devnull)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, 'w')
            print(f'Building a builder image (once per base image; a few '
                  f'minutes, log: {path})', flush=True)
        self.file.write(line + '\n')

    def __exit__(self, *exc_info):  # noqa: D105
        if self.file is not None:
            self.file.close()

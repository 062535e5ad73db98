# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""`colcon-deb-base-image`: make a Debian base image without a registry.

debootstrap a minimal root filesystem from a Debian mirror, pack it and
import it into the engine through the Docker SDK.  This is how the README
demo and the tests get `local/debian:bookworm` on a machine that cannot pull.
"""

import argparse
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile

from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.platforms import docker_platform
from colcon_deb_docker.platforms import native_architecture
import docker.errors

DEFAULT_MIRROR = 'http://deb.debian.org/debian'
#: says that every file of the image comes from its Debian packages (their
#: contents and maintainer scripts) and debootstrap's own configuration:
#: its packages and versions say what it holds (see builder_image.py)
CONTENT_LABEL = 'io.colcon-deb-docker.base-image-content'
CONTENT_LABEL_VALUE = 'debootstrap'


def make_base_image(*, engine, tag, suite, mirror, arch=None, log=print):
    """Debootstrap `suite` and import it as image `tag`; return its id.

    For a foreign architecture the root filesystem is not imported (the
    engine ignores the platform of an import) but built as ``FROM scratch``
    plus ``ADD rootfs.tar`` with the platform set, so that the image says
    what it is and containers of it run under emulation.
    """
    if os.geteuid() != 0:
        raise DebDockerError('debootstrap needs root: run this as root')
    if not shutil.which('debootstrap'):
        raise DebDockerError(
            'debootstrap is missing: install it (apt-get install debootstrap)')
    repository, _, image_tag = tag.rpartition(':')
    if not repository or '/' in image_tag:
        repository, image_tag = tag, 'latest'
    with tempfile.TemporaryDirectory(prefix='colcon-deb-rootfs-') as tmp:
        rootfs = Path(tmp) / 'rootfs'
        cmd = ['debootstrap', '--variant=minbase']
        if arch:
            cmd.append(f'--arch={arch}')
        cmd += [suite, str(rootfs), mirror]
        log(f"$ {' '.join(cmd)}")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        # the image has no use for downloaded .debs
        for deb in (rootfs / 'var/cache/apt/archives').glob('*.deb'):
            deb.unlink()
        tarball = Path(tmp) / 'rootfs.tar'
        subprocess.run(
            ['tar', '-C', str(rootfs), '--numeric-owner', '-cf',
             str(tarball), '.'], check=True)
        size = tarball.stat().st_size // 2**20
        if arch and arch != native_architecture(engine):
            log(f'building {tag} for {arch} from {size} MiB')
            (Path(tmp) / '.dockerignore').write_text('rootfs\n')
            (Path(tmp) / 'Dockerfile').write_text(
                'FROM scratch\nADD rootfs.tar /\n'
                f'LABEL {CONTENT_LABEL}={CONTENT_LABEL_VALUE}\n'
                'CMD ["bash"]\n')
            try:
                engine.client.images.build(
                    path=tmp, tag=tag, platform=docker_platform(arch),
                    rm=True, pull=False)
            except docker.errors.DockerException as e:
                raise DebDockerError(f'cannot build {tag}: {e}') from None
        else:
            log(f'importing {size} MiB as {tag}')
            engine.client.api.import_image(
                src=str(tarball), repository=repository, tag=image_tag,
                changes=[f'LABEL {CONTENT_LABEL}={CONTENT_LABEL_VALUE}'])
    return engine.image_id(tag)


def main(argv=None):
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        prog='colcon-deb-base-image',
        description='Make a minimal Debian base image from a Debian mirror '
                    '(debootstrap + import), for engines without a registry.')
    parser.add_argument('--tag', default='local/debian:bookworm',
                        help='Image name (default: %(default)s)')
    parser.add_argument('--suite', default=None,
                        help='Debian suite (default: the tag, e.g. bookworm)')
    parser.add_argument('--mirror', default=DEFAULT_MIRROR,
                        help='Debian mirror (default: %(default)s)')
    parser.add_argument('--arch', default=None,
                        help="Debian architecture (default: the host's)")
    parser.add_argument('--if-missing', action='store_true',
                        help='Do nothing if the image already exists')
    parser.add_argument('--docker-host', metavar='URL', default=None)
    args = parser.parse_args(argv)
    # local/debian:bookworm-arm64 -> bookworm
    suite = args.suite or args.tag.rpartition(':')[2].split('-')[0]
    try:
        engine = DockerEngine(base_url=args.docker_host)
        if args.if_missing and engine.has_image(args.tag):
            print(f'{args.tag} exists')
            return 0
        image_id = make_base_image(
            engine=engine, tag=args.tag, suite=suite, mirror=args.mirror,
            arch=args.arch)
    except (DebDockerError, subprocess.CalledProcessError) as e:
        print(f'colcon-deb-base-image: error: {e}', file=sys.stderr)
        return 1
    print(f'{args.tag} {image_id}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

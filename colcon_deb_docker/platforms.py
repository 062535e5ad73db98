# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Debian architectures, Docker platforms, and whether the engine runs them.

A foreign architecture runs under QEMU user emulation registered with the
kernel's binfmt_misc.  Whether that works is found out by running a trivial
command in a container of that platform, not by looking for files: the
binfmt entry may exist and be disabled, or the interpreter may be missing.
"""

from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError

#: Debian architecture -> Docker platform
DOCKER_PLATFORMS = {
    'amd64': 'linux/amd64',
    'arm64': 'linux/arm64',
    'armhf': 'linux/arm/v7',
    'armel': 'linux/arm/v5',
    'i386': 'linux/386',
    'ppc64el': 'linux/ppc64le',
    's390x': 'linux/s390x',
    'riscv64': 'linux/riscv64',
    'mips64el': 'linux/mips64le',
}
#: `uname -m` / engine architecture -> Debian architecture
_MACHINES = {
    'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'armhf',
    'i686': 'i386', 'i386': 'i386', 'ppc64le': 'ppc64el', 's390x': 's390x',
    'riscv64': 'riscv64',
}

EMULATION_HINT = (
    'enable QEMU user emulation on the engine host: on Debian/Ubuntu '
    '`sudo apt-get install qemu-user-static binfmt-support` then '
    '`sudo update-binfmts --enable qemu-{qemu}`; on other systems run '
    '`docker run --privileged --rm tonistiigi/binfmt --install {arch}` '
    'once; or send this architecture to a native engine with '
    '--docker-host {arch}=URL')


def docker_platform(arch):
    """Return the Docker platform of a Debian architecture."""
    try:
        return DOCKER_PLATFORMS[arch]
    except KeyError:
        raise DebDockerError(
            f'unknown architecture {arch!r}; one of: '
            + ', '.join(sorted(DOCKER_PLATFORMS))) from None


def native_architecture(engine):
    """Return the Debian architecture the engine runs natively."""
    machine = engine.client.info().get('Architecture', '')
    return _MACHINES.get(machine, machine)


def check_emulation(*, engine, image, arch):
    """Run `true` in a container of `arch`; raise if it cannot run.

    :raises DebDockerError: with the steps that enable emulation
    """
    spec = ContainerSpec(
        image=image, platform=docker_platform(arch), network_mode='none',
        command=['true'])
    try:
        engine.run(spec, timeout=120)
    except (ContainerFailed, DebDockerError) as e:
        qemu = {'arm64': 'aarch64', 'armhf': 'arm', 'armel': 'arm',
                'ppc64el': 'ppc64le', 'i386': 'i386'}.get(arch, arch)
        detail = getattr(e, 'log_tail', '') or str(e)
        raise DebDockerError(
            f'the engine cannot run {arch} containers ({detail.strip()}); '
            + EMULATION_HINT.format(arch=arch, qemu=qemu)) from None

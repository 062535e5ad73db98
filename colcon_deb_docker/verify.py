# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""``--verify``: install the packages, then prove they can run.

In a fresh container of the base image of the run's primary architecture:
every ELF file finds its libraries, every Python package imports, every
executable starts (helpers/verify-install.sh, verify-runtime.sh).
"""

import sys

from colcon_deb_docker.errors import ContainerDiskExceeded
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.memory_budget import format_size
from colcon_deb_docker.platforms import docker_platform
from colcon_deb_docker.platforms import native_architecture
from colcon_deb_docker.progress import parse_progress_line


def verify_installation(session, base_image):
    """Install every selected package and prove it runs.

    Built now or up to date, in a fresh container of the base image of the
    run's primary architecture.
    """
    names = [r.name for r in session.results.values()
             if r.status in ('built', 'up to date')]
    if not names:
        return 0
    arch = session.architectures[0]
    engine = session.engine_for(arch)
    platform = None
    if arch != native_architecture(engine):
        base_image, platform = f'{base_image}-{arch}', docker_platform(arch)
    print(f'Verifying: installing {len(names)} package(s) in a fresh '
          f"'{base_image}' container ({arch})", flush=True)
    failed = []
    runtime = []

    def on_line(line, _is_stderr):
        event = parse_progress_line(line)
        if event and event.step == 'verify':
            print(f'  {event.describe()}', flush=True)
            if event.status == 'failed':
                failed.append(event.message)
            elif event.status == 'runtime-failed':
                runtime.append(event.message)

    try:
        engine.run(
            session.specs.verify(
                base_image=base_image, platform=platform,
                package_names=names),
            on_line=on_line, max_disk=session.max_disk)
    except ContainerDiskExceeded as e:
        # the packages' maintainer scripts run there, as root
        print(e.log_tail, file=sys.stderr)
        print('colcon deb: verification failed: installing the packages '
              f'wrote {format_size(e.used)} into the container, more than '
              f'{format_size(e.limit)} (--max-disk); it was killed',
              file=sys.stderr)
        return 1
    except ContainerFailed as e:
        if not failed and not runtime:
            print(e.log_tail, file=sys.stderr)
            print(f'colcon deb: verification failed: {e}', file=sys.stderr)
            return 1
    for deb_name in failed:
        print(f'colcon deb: verification: {deb_name} does not install',
              file=sys.stderr)
    for message in runtime:
        print(f'colcon deb: verification: {message}', file=sys.stderr)
    return 1 if failed or runtime else 0

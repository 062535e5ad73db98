# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What a ROS user compares against: a plain `colcon build`, in a container.

One container of the same builder image, with the same system packages the
`colcon deb` builds installed (the union of the packages' dependency sets
from its report) and Debian's colcon, builds the workspace with `colcon
build --merge-install` (Release, no tests, the parallel executor; a
merged install, as /opt/ros is, which ros_workspace needs).  Only the `colcon
build` itself is timed; the image is made beforehand.
"""

import re

from colcon_deb_docker.builder_image import build_image
from colcon_deb_docker.builder_image import prepare_builder_image
from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.container_spec import Mount
from colcon_deb_docker.errors import ContainerFailed

IMAGE = 'colcon-deb-bench-plain:latest'


def plain_colcon_build(*, source, base_image, system_packages, workers,
                       packages_up_to=()):
    """Build `source` (a workspace's src) with colcon; return the figures.

    :returns: {'wall': seconds of `colcon build`, 'packages': {name: s}}
    """
    engine = DockerEngine()
    builder = prepare_builder_image(engine=engine, base_image=base_image)
    names = ' '.join(sorted(system_packages))
    build_image(engine=engine, tag=IMAGE, platform=None, on_line=None,
                files={'Dockerfile': (
                    f'FROM {builder.tag}\n'
                    'RUN DEBIAN_FRONTEND=noninteractive apt-get install -y '
                    f'-q --install-recommends colcon {names}\n').encode()})
    up_to = ' '.join(packages_up_to)
    script = f"""set -e
mkdir -p /ws && cp -r /colcon-deb/src /ws/src
cd /ws
start=$(date +%s.%N)
colcon build --merge-install --executor parallel --parallel-workers {workers} \\
    {'--packages-up-to ' + up_to if up_to else ''} \\
    --cmake-args -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \\
    --event-handlers console_direct- console_cohesion- status-
end=$(date +%s.%N)
echo "WALL $(python3 -c "print($end - $start)")"
"""
    lines = []
    try:
        engine.run(ContainerSpec(
            image=IMAGE, command=['sh', '-c', script],
            mounts=[Mount(str(source), '/colcon-deb/src')],
            cap_add=('CHOWN', 'DAC_OVERRIDE', 'FOWNER')),
            on_line=lambda line, _: lines.append(line))
    except ContainerFailed as e:
        raise SystemExit(
            'the plain colcon build failed:\n' + '\n'.join(lines[-60:])) \
            from e
    wall = next(float(line.split()[1]) for line in lines
                if line.startswith('WALL '))
    finished = {}
    for line in lines:
        match = re.match(r'Finished <<< (\S+) \[([\d.]+)s\]', line)
        if match:
            finished[match.group(1)] = float(match.group(2))
        match = re.match(r'Finished <<< (\S+) \[(\d+)min ([\d.]+)s\]', line)
        if match:
            finished[match.group(1)] = 60 * int(match.group(2)) + \
                float(match.group(3))
    return {'wall': wall, 'packages': finished}

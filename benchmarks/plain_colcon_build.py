# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What a ROS user compares against: a plain `colcon build`, in a container.

One container of the same builder image, with the same system packages the
`colcon deb` builds installed (the union of the packages' dependency sets
from its report) and Debian's colcon, builds the workspace with `colcon
build --merge-install` (Release, no tests, the parallel executor; a
merged install, as /opt/ros is, which ros_workspace needs).  Only the `colcon
build` itself is timed; the image is made beforehand.

With `debian_flags` the same build compiles with what dpkg-buildpackage
gives bloom's debian/rules instead of CMake's Release: CMAKE_BUILD_TYPE
None (as dh_auto_configure passes) and dpkg-buildflags' CFLAGS/CXXFLAGS
with its CPPFLAGS appended (as debhelper does for CMake), -DNDEBUG (bloom's
DEB_CXXFLAGS_MAINT_APPEND) and no LDFLAGS (bloom's rules empty them):
Debian's `-g -O2` and hardening.  Beside the Release build it parts what
packaging costs from what the debug information costs.
"""

import os
import re

from colcon_deb_docker.builder_image import build_image
from colcon_deb_docker.builder_image import prepare_builder_image
from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.container_spec import Mount
from colcon_deb_docker.errors import ContainerFailed

IMAGE = 'colcon-deb-bench-plain:latest'


def busy_ticks(proc_stat_cpu_line):
    """Return the clock ticks a /proc/stat `cpu` line counts as busy.

    User, nice and system (the first three numbers after `cpu`): the CPU
    time of builds; idle and I/O wait are not work.  Both sides of the ROS 2
    benchmark count the machine's CPU seconds with it.
    """
    fields = proc_stat_cpu_line.split()
    if fields[0] != 'cpu':
        raise ValueError(f'not a /proc/stat cpu line: {proc_stat_cpu_line}')
    return sum(int(f) for f in fields[1:4])


#: the flags of bloom's debian/rules in dpkg-buildpackage (see above)
DEBIAN_FLAGS = """export DEB_CXXFLAGS_MAINT_APPEND=-DNDEBUG
eval "$(dpkg-buildflags --export=sh)"
export CFLAGS="$CFLAGS $CPPFLAGS" CXXFLAGS="$CXXFLAGS $CPPFLAGS" LDFLAGS=
build_type=None
"""
RELEASE_FLAGS = 'build_type=Release\n'


def plain_colcon_build(*, source, base_image, system_packages, workers,
                       packages_up_to=(), debian_flags=False):
    """Build `source` (a workspace's src) with colcon; return the figures.

    :param debian_flags: compile with Debian's flags, not Release's

    :returns: {'wall': seconds of `colcon build`, 'cpu': the CPU seconds
      (user, nice and system) the whole machine spent meanwhile (a
      container's /proc/stat is the machine's), 'packages': {name: s},
      'flags': the CXXFLAGS and build type it compiled with}
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
    flags = DEBIAN_FLAGS if debian_flags else RELEASE_FLAGS
    script = f"""set -e
mkdir -p /ws && cp -r /colcon-deb/src /ws/src
cd /ws
{flags}echo "CXXFLAGS=${{CXXFLAGS:-}} CMAKE_BUILD_TYPE=$build_type"
start=$(date +%s.%N)
cpu_start=$(head -n1 /proc/stat)
colcon build --merge-install \\
    --executor parallel --parallel-workers {workers} \\
    {'--packages-up-to ' + up_to if up_to else ''} \\
    --cmake-args -DCMAKE_BUILD_TYPE=$build_type -DBUILD_TESTING=OFF \\
    --event-handlers console_direct- console_cohesion- status-
end=$(date +%s.%N)
cpu_end=$(head -n1 /proc/stat)
echo "WALL $(python3 -c "print($end - $start)")"
echo "CPU_START $cpu_start"
echo "CPU_END $cpu_end"
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
    cpu_start, cpu_end = (
        busy_ticks(next(line.split(None, 1)[1] for line in lines
                        if line.startswith(mark)))
        for mark in ('CPU_START ', 'CPU_END '))
    cpu = (cpu_end - cpu_start) / os.sysconf('SC_CLK_TCK')
    flags_line = next(line for line in lines if line.startswith('CXXFLAGS='))
    return {'wall': wall, 'cpu': cpu, 'packages': finished,
            'flags': flags_line}

"""The figures of a ROS 2 core run, and the plain colcon build beside it.

Reads colcon deb's report of the run in WORKSPACE, prints where the time
went (the sum over packages of each step, dpkg-buildpackage by phase) and
the build dependencies a package, then builds the same packages with a
plain `colcon build` in one container of the same builder image with the
same system packages (benchmarks/plain_colcon_build.py) and prints both
wall times and their ratio.

    python3 figures.py WORKSPACE COLCON_DEB_WALL_SECONDS [PACKAGE ...]
"""

import json
from pathlib import Path
import statistics
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import machine_parallelism  # noqa: E402 I100
from plain_colcon_build import plain_colcon_build  # noqa: E402 I100
from run_benchmark import breakdown  # noqa: E402


def main():
    """Print the figures; return 0."""
    workspace, wall = Path(sys.argv[1]), float(sys.argv[2])
    up_to = sys.argv[3:]
    report = json.loads(
        (workspace / 'log' / 'latest_deb' / 'colcon-deb-report.json')
        .read_text())
    built = [r for r in report.values() if r['status'] == 'built']
    breakdown({'colcon deb': report})
    deps = [r['steps'].get('build-deps', 0.0) for r in built]
    images = [r['steps'].get('dependency-image', 0.0) for r in built]
    print(f'\n{len(built)} packages built; build-deps a package: mean '
          f'{statistics.mean(deps):.2f} s, max {max(deps):.2f} s; '
          f'dependency images {sum(images):.1f} s in all')
    print('plain colcon build of the same packages ...', flush=True)
    plain = plain_colcon_build(
        source=workspace / 'src', base_image='local/debian:bookworm',
        workers=2, packages_up_to=up_to,
        system_packages={p for r in report.values()
                         for p in r.get('dependency_set') or ()})
    slowest = sorted(plain['packages'].items(), key=lambda i: -i[1])[:3]
    print(f'plain colcon build: {plain["wall"]:.1f} s wall, '
          f'{len(plain["packages"])} packages, per-package sum '
          f'{sum(plain["packages"].values()):.1f} s; slowest: ' +
          ', '.join(f'{n} {s:.0f} s' for n, s in slowest))
    print(f'colcon deb: {wall:.1f} s wall, {wall / plain["wall"]:.2f}x the '
          'plain colcon build')
    print(machine_parallelism.describe(2))
    return 0


if __name__ == '__main__':
    sys.exit(main())

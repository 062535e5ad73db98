"""How planning scales: a synthetic workspace of N packages, dry run.

For each N (default 50, 200, 500: 500 is the size of Autoware), a
workspace of N small CMake packages, each depending on up to three earlier
ones, goes through `colcon deb --dry-run --offline`: discovery, the
repository check, fingerprints and the plan on the host, and the one
rosdep pre-check container.  Prints N, edges, wall seconds and the peak
memory of the colcon process.

    python benchmarks/scale.py [N ...]
"""

import os
from pathlib import Path
import random
import resource
import subprocess
import sys
import tempfile
import time

PACKAGE_XML = """<?xml version="1.0"?>
<package format="3">
  <name>{name}</name>
  <version>1.0.0</version>
  <description>Synthetic package {name}.</description>
  <maintainer email="dev@example.com">Bench</maintainer>
  <license>Apache-2.0</license>
  <buildtool_depend>cmake</buildtool_depend>
{depends}  <export><build_type>cmake</build_type></export>
</package>
"""


def make_workspace(root, count, seed=1):
    """Write `count` packages; return the number of dependency edges."""
    rng = random.Random(seed)
    edges = 0
    for i in range(count):
        name = f'scale_{i:04d}'
        deps = sorted({f'scale_{rng.randrange(i):04d}'
                       for _ in range(min(i, rng.randint(0, 3)))})
        edges += len(deps)
        pkg = root / 'src' / name
        pkg.mkdir(parents=True)
        (pkg / 'package.xml').write_text(PACKAGE_XML.format(
            name=name, depends=''.join(
                f'  <depend>{d}</depend>\n' for d in deps)))
        (pkg / 'CMakeLists.txt').write_text(
            f'cmake_minimum_required(VERSION 3.10)\nproject({name} NONE)\n'
            f'install(FILES package.xml DESTINATION share/{name})\n')
    return edges


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [50, 200, 500]
    colcon = str(Path(sys.executable).parent / 'colcon')
    print(f"{'packages':>8} {'edges':>6} {'dry run':>9} {'peak RSS':>9}")
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix='colcon-deb-scale-') as tmp:
            root = Path(tmp)
            edges = make_workspace(root, count)
            started = time.monotonic()
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            result = subprocess.run(
                [colcon, '--log-base', os.devnull, 'deb', '--ros-distro',
                 'humble', '--offline', '--dry-run'],
                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True)
            seconds = time.monotonic() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            if result.returncode != 0:
                print(result.stdout[-2000:])
                return 1
            # ru_maxrss is the largest child so far (KiB on Linux)
            print(f'{count:>8} {edges:>6} {seconds:>8.1f}s '
                  f'{max(peak, before) / 1024:>7.0f} MB')
    return 0


if __name__ == '__main__':
    sys.exit(main())

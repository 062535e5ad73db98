"""How planning scales: a synthetic workspace of N packages, dry run.

For each N (default 50, 200, 500: 500 is the size of Autoware), a
workspace of N small CMake packages, each depending on up to three earlier
ones, goes through `colcon deb --dry-run --offline`: discovery, the
repository check, fingerprints and the plan on the host, and the one
rosdep pre-check container.  Prints N, edges, wall seconds and the peak
memory of the colcon process.

With --noop N, N such packages are built for real once (two workers) and
then `colcon deb` runs again with nothing changed: the no-op rerun of a
big workspace (discovery, the repository's self-check of a pool of N
packages, fingerprints, the plan; no container), timed with its peak
memory.

With --publish N ..., the repository's side of a build of N packages: N
small .debs published one after the other into a new repository, as the
builds publish theirs (pool, manifest, rosdep.yaml, Packages, Release,
the snapshot switch; on the host, no container).  Each publication
rewrites indexes that list every package published before, so the whole
grows with the square of N; prints the total and the last publication.

    python benchmarks/scale.py [N ...]
    python benchmarks/scale.py --noop 500 [--workdir DIR]
    python benchmarks/scale.py --publish 50 200 500
"""

import argparse
import os
from pathlib import Path
import random
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


#: runs a command and prints the peak memory of its process tree (KiB):
#: each measurement gets a parent of its own
PEAK = ('import resource, subprocess, sys\n'
        'code = subprocess.run(sys.argv[1:]).returncode\n'
        'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n'
        'sys.exit(code)\n')


def timed_colcon(root, *args):
    """Run colcon deb in `root`; return (seconds, its peak memory, MB)."""
    colcon = str(Path(sys.executable).parent / 'colcon')
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, '-c', PEAK, colcon, '--log-base', os.devnull,
         'deb', '--ros-distro', 'humble', '--offline', *args],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        print(result.stdout[-2000:])
        raise SystemExit(1)
    return seconds, int(result.stdout.split()[-1]) / 1024


def noop_rerun(count, workdir):
    """Build `count` packages, then time the no-op rerun."""
    root = Path(workdir or tempfile.mkdtemp(prefix='colcon-deb-noop-'))
    if not (root / 'src').is_dir():
        edges = make_workspace(root, count)
        print(f'{count} packages, {edges} edges in {root}', flush=True)
    seconds, _ = timed_colcon(
        root, '--executor', 'parallel', '--parallel-workers', '2')
    print(f'first run (builds what is not built yet): {seconds:.1f} s',
          flush=True)
    seconds, peak = timed_colcon(root)
    print(f'no-op rerun of {count} built packages: {seconds:.1f} s, peak '
          f'memory of colcon {peak:.0f} MB')


def small_deb(directory, index):
    """Build the .deb of synthetic package `index`; return its path."""
    name = f'ros-humble-scale-{index:04d}'
    root = directory / name
    (root / 'DEBIAN').mkdir(parents=True)
    (root / 'opt/ros/humble/share' / name).mkdir(parents=True)
    (root / 'opt/ros/humble/share' / name / 'package.xml').write_text(
        PACKAGE_XML.format(name=name, depends=''))
    (root / 'DEBIAN' / 'control').write_text(
        f'Package: {name}\nVersion: 1.0.0-0bookworm\nArchitecture: amd64\n'
        'Maintainer: Bench <dev@example.com>\n'
        f'Description: Synthetic package {index}.\n')
    deb = directory / f'{name}_1.0.0-0bookworm_amd64.deb'
    subprocess.run(
        ['dpkg-deb', '--root-owner-group', '-Zgzip', '--build', str(root),
         str(deb)], check=True, stdout=subprocess.DEVNULL)
    return deb


def publish_curve(sizes):
    """Publish N .debs one at a time; print the total and the last one."""
    from colcon_deb_docker.repository.apt_repository import AptRepository
    print(f"{'packages':>8} {'publications':>13} {'last one':>9}")
    for count in sizes:
        with tempfile.TemporaryDirectory(prefix='colcon-deb-publish-') as t:
            tmp = Path(t)
            (tmp / 'debs').mkdir()
            debs = [small_deb(tmp / 'debs', i) for i in range(count)]
            repository = AptRepository(
                path=tmp / 'repo', codename='bookworm',
                architectures=['amd64'])
            repository.ensure_initialized()
            total = last = 0.0
            for index, deb in enumerate(debs):
                started = time.perf_counter()
                repository.publish(
                    debs=[deb],
                    provenance={'ros_package': f'scale_{index:04d}'},
                    rosdep_keys={f'scale_{index:04d}': deb.name.split('_')[0]})
                last = time.perf_counter() - started
                total += last
            print(f'{count:>8} {total:>12.1f}s {last * 1000:>7.0f}ms')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('sizes', nargs='*', type=int,
                        default=[50, 200, 500])
    parser.add_argument('--noop', type=int, metavar='N',
                        help='build N packages, then time a no-op rerun')
    parser.add_argument('--workdir', metavar='DIR',
                        help='where the --noop workspace is (kept; a '
                             'second call reuses it)')
    parser.add_argument('--publish', action='store_true',
                        help='time the publication of N packages, one at a '
                             'time, into a new repository')
    args = parser.parse_args()
    if args.publish:
        publish_curve(args.sizes)
        return 0
    if args.noop:
        noop_rerun(args.noop, args.workdir)
        return 0
    print(f"{'packages':>8} {'edges':>6} {'dry run':>9} {'peak RSS':>9}")
    for count in args.sizes:
        with tempfile.TemporaryDirectory(prefix='colcon-deb-scale-') as tmp:
            root = Path(tmp)
            edges = make_workspace(root, count)
            seconds, peak = timed_colcon(root, '--dry-run')
            print(f'{count:>8} {edges:>6} {seconds:>8.1f}s {peak:>7.0f} MB')
    return 0


if __name__ == '__main__':
    sys.exit(main())

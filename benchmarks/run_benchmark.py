#!/usr/bin/env python3
# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Benchmark: colcon deb against the sequential clean-room way.

Generates a synthetic workspace of small C++ libraries (a chain, a wide
fan-out and diamonds; each library links the ones it depends on), or takes
a workspace of real packages (--workspace DIR), then runs:

  (a) baseline: every package in topological order, one at a time, each in a
      fresh container installing its own build dependencies, no caches
      (`colcon deb --executor sequential --force --no-apt-cache --no-ccache
      --no-dependency-images --no-bloom-ahead` into its own output: bloom
      in each package's container);
  (b) `colcon deb` with the parallel executor into a fresh output;
  (c) (b) again with nothing changed;
  (d) (b) again after touching one leaf (exactly one package must build);
  (e) (b) again after touching one root (it and its dependents build);
  (f) (b) again with --force: everything rebuilt, warm caches (the verified
      apt cache and each package's ccache volume);
  (g) (f) with --no-apt-cache --no-ccache --no-dependency-images
      --no-bloom-ahead: what the caches save;
  (h) a plain `colcon build` of the same packages in one container of the
      same builder image with the same system packages (what a ROS user
      compares against; see plain_colcon_build.py);
  (i) (h) with Debian's compile flags (-g -O2 and hardening, as
      dpkg-buildpackage gives bloom's rules) instead of CMake's Release:
      (b)/(i) is what the packaging costs, (i)/(h) what the debug
      information and Debian's flags cost.

(b) starts from cold caches: the dependency images of earlier runs are
removed first (--keep-dependency-images keeps them).  With --workspace,
(d) and (e) are left out (the benchmark never writes into your sources).

It prints wall times, the ratios (b)/(a), (b)/(h) and (b)/(i), where the
time goes (the sum over all packages of each step, dpkg-buildpackage split
into its phases, for (a) and (b)), the per-package overhead (a package's
wall time minus its dpkg-buildpackage time), the critical-path lower bound
(the longest dependency chain, weighted with the packages' times in (a)), the
picture of (b) (an SVG timeline) and the scale curve of planning
(scale.py, --scale 50,200,500; --scale '' leaves it out), and the cost of
publishing that many packages one at a time (scale.py --publish).

    python3 benchmarks/run_benchmark.py --packages 20 --workers 2
    python3 benchmarks/run_benchmark.py --workspace ~/ros2_ws --workers 2
"""

import argparse
import json
import os
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).parent))
import machine_parallelism  # noqa: E402 I100
from plain_colcon_build import plain_colcon_build  # noqa: E402 I100

PACKAGE_XML = '''<?xml version="1.0"?>
<package format="3">
  <name>{name}</name>
  <version>0.1.0</version>
  <description>Synthetic benchmark library {name}.</description>
  <maintainer email="bench@example.com">Bench</maintainer>
  <license>Apache-2.0</license>
  <buildtool_depend>cmake</buildtool_depend>
{depends}  <export><build_type>cmake</build_type></export>
</package>
'''

CMAKELISTS = '''cmake_minimum_required(VERSION 3.10)
project({name} CXX)
foreach(dep {deps})
  find_package(${{dep}} REQUIRED)
endforeach()
add_library({name} SHARED src/{name}.cpp)
target_include_directories({name} PUBLIC
  $<BUILD_INTERFACE:${{CMAKE_CURRENT_SOURCE_DIR}}/include>)
target_link_libraries({name} {deps})
install(TARGETS {name} LIBRARY DESTINATION lib)
install(DIRECTORY include/ DESTINATION include)
install(FILES {name}Config.cmake DESTINATION share/{name}/cmake)
install(FILES package.xml DESTINATION share/{name})
'''

CONFIG = '''if(NOT TARGET {name})
  get_filename_component(_prefix "${{CMAKE_CURRENT_LIST_DIR}}/../../.." \
ABSOLUTE)
  add_library({name} SHARED IMPORTED)
  set_target_properties({name} PROPERTIES
    IMPORTED_LOCATION "${{_prefix}}/lib/lib{name}.so"
    INTERFACE_INCLUDE_DIRECTORIES "${{_prefix}}/include")
endif()
'''

SOURCE = '''#include "{name}/{name}.hpp"
{includes}
#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace {{
template <typename T>
T weighted_sum(const std::vector<T> & values) {{
  std::map<std::string, T> by_name;
  for (std::size_t i = 0; i < values.size(); ++i) {{
    by_name["k" + std::to_string(i)] = values[i] * static_cast<T>(i + 1);
  }}
  return std::accumulate(by_name.begin(), by_name.end(), T{{}},
    [](T acc, const auto & kv) {{ return acc + kv.second; }});
}}
}}  // namespace

int {name}_value() {{
  std::vector<long> values{{1{dep_values}}};
  std::sort(values.begin(), values.end());
  return static_cast<int>(weighted_sum(values) % 100000);
}}
'''


def graph(count):
    """Return {name: [dependencies]} of a mixed graph of `count` packages."""
    names = [f'bench_{i:03d}' for i in range(count)]
    deps = {n: [] for n in names}
    chain = names[:max(2, count // 4)]
    for previous, current in zip(chain, chain[1:]):
        deps[current] = [previous]
    rest = names[len(chain):]
    fan = rest[:max(2, count // 3)]
    for leaf in fan[1:]:
        deps[leaf] = [fan[0], chain[0]]
    rest = rest[len(fan):]
    while rest:
        group, rest = rest[:4], rest[4:]
        base, *others = group
        deps[base] = [chain[-1]]
        if len(others) >= 2:
            deps[others[0]] = [base]
            deps[others[1]] = [base]
        if len(others) == 3:
            deps[others[2]] = [others[0], others[1]]
        elif len(others) == 1:
            deps[others[0]] = [base]
    return deps


def write_workspace(root, deps):
    for name, dependencies in deps.items():
        pkg = root / 'src' / name
        (pkg / 'src').mkdir(parents=True)
        (pkg / 'include' / name).mkdir(parents=True)
        (pkg / 'package.xml').write_text(PACKAGE_XML.format(
            name=name, depends=''.join(
                f'  <depend>{d}</depend>\n' for d in dependencies)))
        (pkg / 'CMakeLists.txt').write_text(CMAKELISTS.format(
            name=name, deps=' '.join(dependencies)))
        (pkg / f'{name}Config.cmake').write_text(CONFIG.format(name=name))
        (pkg / 'include' / name / f'{name}.hpp').write_text(
            f'#pragma once\nint {name}_value();\n')
        (pkg / 'src' / f'{name}.cpp').write_text(SOURCE.format(
            name=name,
            includes=''.join(f'#include "{d}/{d}.hpp"\n'
                             for d in dependencies),
            dep_values=''.join(f', {d}_value()' for d in dependencies)))


def colcon_deb(root, phase, *args, base_paths=None, extra=()):
    colcon = Path(sys.executable).parent / 'colcon'
    colcon = str(colcon) if colcon.exists() else shutil.which('colcon')
    cmd = [colcon, '--log-base', f'log_{phase}', 'deb',
           '--ros-distro', 'humble', '--offline', *extra, *args]
    if base_paths:
        cmd += ['--base-paths', str(base_paths)]
    started = time.monotonic()
    result = subprocess.run(
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    wall = time.monotonic() - started
    (root / f'log_{phase}.txt').write_text(result.stdout)
    if result.returncode != 0:
        print(result.stdout[-5000:])
        raise SystemExit(f'phase {phase} failed')
    report = json.loads(
        (root / f'log_{phase}' / 'latest_deb' / 'colcon-deb-report.json')
        .read_text())
    return wall, report


#: the steps of the breakdown, in the order of a build
STEPS = ('bloom-ahead', 'bloom-ahead-wait', 'container', 'dependency-image',
         'user', 'source',
         'rosdep',
         'bloom', 'version', 'build-deps', 'compile', 'package', 'publish')
DPKG_PHASES = ('clean', 'configure', 'compile', 'test', 'install',
               'debhelper', 'strip', 'shlibdeps', 'compress')


def breakdown(reports):
    """Print the sum over packages of each step, side by side."""
    labels = list(reports)
    print(f'| {"step (sum over packages, s)":<30} | ' +
          ' | '.join(f'{label:>8}' for label in labels) + ' |')
    print(f'| {"-" * 30} | ' + ' | '.join('-' * 8 for _ in labels) + ' |')

    def row(name, key):
        values = [sum(r['steps'].get(key, 0.0) for r in report.values())
                  for report in reports.values()]
        print(f'| {name:<30} | ' +
              ' | '.join(f'{v:8.1f}' for v in values) + ' |')
    for step in STEPS:
        row('dpkg-buildpackage' if step == 'compile' else step, step)
        if step == 'compile':
            for phase in DPKG_PHASES:
                row(f'  {phase}', f'dpkg:{phase}')


def overhead(report, *, build_deps=True):
    """Return a built package's mean time besides dpkg-buildpackage.

    Its job's time plus its share of the bloom-ahead container, minus its
    wait for that container (which runs beside the first jobs: the share
    counts it), minus dpkg-buildpackage; without the build dependencies
    too when `build_deps` is false (the issue's overhead: container, user,
    bloom, publish).
    """
    values = [
        r['seconds'] + r['steps'].get('bloom-ahead', 0.0) -
        r['steps'].get('bloom-ahead-wait', 0.0) -
        r['steps'].get('compile', 0.0) -
        (0.0 if build_deps else r['steps'].get('build-deps', 0.0))
        for r in report.values() if r['status'] == 'built']
    return statistics.mean(values) if values else 0.0


def critical_path(deps, seconds):
    """Return the length of the longest chain of the job graph."""
    chain = critical_chain(deps, seconds)
    return sum(seconds.get(name, 0.0) for name in chain)


def critical_chain(deps, seconds):
    """Return the longest chain of the job graph, first package first."""
    longest = {}

    def visit(name):
        if name not in longest:
            before = max(deps[name], key=visit, default=None)
            longest[name] = (seconds.get(name, 0.0) + (
                visit(before) if before is not None else 0.0), before)
        return longest[name][0]
    name = max(deps, key=visit, default=None)
    chain = []
    while name is not None:
        chain.append(name)
        name = longest[name][1]
    return chain[::-1]


def replay(deps, seconds, order, *, workers):
    """Return when a run of the graph would end, jobs taking `seconds`.

    Starts, whenever a worker is free, the first job of `order` whose
    dependencies have ended, as colcon's parallel executor does: what a
    start order alone can change about a run whose jobs take what they
    took.
    """
    pending, running, ended, now = list(order), [], {}, 0.0
    while pending or running:
        while len(running) < workers:
            ready = next((n for n in pending if all(
                d in ended for d in deps[n])), None)
            if ready is None:
                break
            pending.remove(ready)
            running.append((now + seconds.get(ready, 0.0), ready))
        if not running:
            raise ValueError(f'{pending[0]} waits for a job never run')
        running.sort()
        now, name = running.pop(0)
        ended[name] = now
    return now


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--packages', type=int, default=20)
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--keep', action='store_true',
                        help='keep the generated workspace')
    parser.add_argument(
        '--workspace', type=Path, metavar='DIR',
        help='a workspace of real packages (DIR/src) instead of the '
             'synthetic one; read only')
    parser.add_argument(
        '--colcon-deb-arg', action='append', default=[], metavar='ARG',
        help='an extra argument of every colcon deb run (repeatable), e.g. '
             '--colcon-deb-arg=--rosdep-source=FILE')
    parser.add_argument(
        '--keep-dependency-images', action='store_true',
        help='start (b) with the dependency images of earlier runs')
    parser.add_argument(
        '--base-image', default='local/debian:bookworm',
        help='the base image of both sides (default: %(default)s)')
    parser.add_argument(
        '--scale', default='50,200,500',
        help='package counts of the planning scale curve (scale.py)')
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix='colcon-deb-bench-'))
    if args.workspace:
        source = (args.workspace / 'src').resolve()
        deps = real_graph(source)
    else:
        deps = graph(args.packages)
        write_workspace(root, deps)
        source = root / 'src'
    edges = sum(len(d) for d in deps.values())
    print(f'workspace: {source} ({len(deps)} packages, {edges} '
          'dependencies)', flush=True)
    # measured before the runs, on a machine nothing else here loads
    machine = machine_parallelism.describe(args.workers)
    print(machine, flush=True)
    if not args.keep_dependency_images:
        print(f'removed {remove_dependency_images()} dependency image(s) '
              'of earlier runs (cold caches)', flush=True)
    common = {'base_paths': source if args.workspace else None,
              'extra': ['--base-image', args.base_image,
                        *args.colcon_deb_arg]}
    skipped = (0.0, {})
    try:
        print('(a) sequential clean-room baseline ...', flush=True)
        wall_a, report_a = colcon_deb(
            root, 'a', '--executor', 'sequential', '--force',
            '--no-apt-cache', '--no-ccache', '--no-dependency-images',
            '--no-bloom-ahead', '--output-base', 'deb_a',
            '--build-base', 'build_a', **common)
        print(f'(b) colcon deb, parallel, {args.workers} workers ...',
              flush=True)
        parallel = ('--executor', 'parallel',
                    '--parallel-workers', str(args.workers),
                    '--output-base', 'deb_b', '--build-base', 'build_b')
        wall_b, report_b = colcon_deb(root, 'b', *parallel, **common)
        print('(c) no-op rerun ...', flush=True)
        wall_c, report_c = colcon_deb(root, 'c', *parallel, **common)
        leaf = next(n for n in reversed(list(deps))
                    if not any(n in d for d in deps.values()))
        root_pkg = next(iter(deps))
        wall_d, report_d = wall_e, report_e = skipped
        if not args.workspace:
            touch(root, leaf)
            print(f'(d) rerun after touching leaf {leaf} ...', flush=True)
            wall_d, report_d = colcon_deb(root, 'd', *parallel, **common)
            touch(root, root_pkg)
            print(f'(e) rerun after touching root {root_pkg} ...',
                  flush=True)
            wall_e, report_e = colcon_deb(root, 'e', *parallel, **common)
        print('(f) --force, warm caches ...', flush=True)
        wall_f, report_f = colcon_deb(
            root, 'f', *parallel, '--force', **common)
        print('(g) --force, no caches ...', flush=True)
        wall_g, report_g = colcon_deb(
            root, 'g', *parallel, '--force', '--no-apt-cache', '--no-ccache',
            '--no-dependency-images', '--no-bloom-ahead', **common)
        print(f'(h) plain colcon build, {args.workers} workers ...',
              flush=True)
        system_packages = {p for r in report_b.values()
                           for p in r.get('dependency_set') or ()}
        plain = plain_colcon_build(
            source=source, base_image=args.base_image, workers=args.workers,
            system_packages=system_packages)
        print(f"(i) plain colcon build, Debian's flags, {args.workers} "
              'workers ...', flush=True)
        plain_debian = plain_colcon_build(
            source=source, base_image=args.base_image, workers=args.workers,
            system_packages=system_packages, debian_flags=True)
        picture = sorted((root / 'log_b').glob(
            '*/colcon-deb-timeline-*.svg'))
        if picture and args.keep:
            print(f'timeline of (b): {picture[-1]}')
        elif picture:
            kept = Path(tempfile.gettempdir()) / \
                'colcon-deb-bench-timeline.svg'
            shutil.copy(picture[-1], kept)
            print(f'timeline of (b): {kept}')
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    seconds_a = {n: r['seconds'] for n, r in report_a.items()}
    downstream_of_root = {n for n in deps if _reaches(deps, n, root_pkg)}
    rows = [
        ('(a) sequential clean-room baseline', wall_a, report_a, len(deps)),
        (f'(b) colcon deb, parallel x{args.workers}', wall_b, report_b,
         len(deps)),
        ('(c) no-op rerun', wall_c, report_c, 0),
        (f'(d) touched leaf {leaf}', wall_d, report_d, 1),
        (f'(e) touched root {root_pkg}', wall_e, report_e,
         1 + len(downstream_of_root)),
        ('(f) --force, warm caches', wall_f, report_f, len(deps)),
        ('(g) --force, --no-apt-cache --no-ccache', wall_g, report_g,
         len(deps)),
    ]
    if args.workspace:
        rows = [r for r in rows if not r[0].startswith(('(d)', '(e)'))]
    print()
    print(f'| {"run":<40} | {"wall s":>7} | {"built":>5} | {"expected":>8} |')
    print(f'| {"-" * 40} | {"-" * 7} | {"-" * 5} | {"-" * 8} |')
    for label, wall, report, expected in rows:
        print(f'| {label:<40} | {wall:7.1f} | {built(report):5d} | '
              f'{expected:8d} |')
    for label, figures in (
            ('(h) plain colcon build (one container)', plain),
            ("(i) (h) with Debian's flags (-g -O2)", plain_debian)):
        print(f'| {label:<40} | {figures["wall"]:7.1f} | '
              f'{len(figures["packages"]):5d} | {len(deps):8d} |')
    print()
    breakdown({'(a)': report_a, '(b)': report_b})
    print()
    print(f'ratio (b)/(a):                   {wall_b / wall_a:.2f} '
          f'({machine})')
    print(f'ratio (b)/(h):                   {wall_b / plain["wall"]:.2f} '
          f'(plain colcon build, per-package sum '
          f'{sum(plain["packages"].values()):.1f} s)')
    print(f'ratio (b)/(i):                   '
          f"{wall_b / plain_debian['wall']:.2f} (the same with Debian's "
          f'flags, per-package sum '
          f'{sum(plain_debian["packages"].values()):.1f} s)')
    print(f'per-package overhead (a), mean:  {overhead(report_a):.2f} s '
          '(wall minus dpkg-buildpackage), '
          f'{overhead(report_a, build_deps=False):.2f} s without the build '
          'dependencies')
    print(f'per-package overhead (b), mean:  {overhead(report_b):.2f} s, '
          f'{overhead(report_b, build_deps=False):.2f} s without the build '
          'dependencies (bloom ahead included)')
    print(f'per-package overhead (f), mean:  {overhead(report_f):.2f} s, '
          f'{overhead(report_f, build_deps=False):.2f} s without the build '
          'dependencies (bloom kept from (b))')
    for label, report in (('(f) warm caches', report_f),
                          ('(g) no caches', report_g)):
        print(f'{label}: build-deps {step_mean(report, "build-deps"):.2f} '
              f's, compile {step_mean(report, "compile"):.2f} s a package '
              '(mean)')
    deps_b = step_mean(report_b, 'build-deps')
    with_image = deps_b + step_mean(report_b, 'dependency-image')
    print(f'build-deps a package (b), mean:  {deps_b:.2f} s, with its '
          f'dependency image {with_image:.2f} s')
    print(f'critical-path lower bound:       '
          f'{critical_path(deps, seconds_a):.1f} s (longest chain, '
          'package times of (a))')
    if args.scale:
        print()
        print('planning scale curve (scale.py: dry run of N packages):')
        sys.stdout.flush()
        subprocess.run([sys.executable, str(Path(__file__).with_name(
            'scale.py')), *args.scale.split(',')], check=False)
        print()
        print('publication scale curve (scale.py --publish: N .debs '
              'published one at a time):')
        sys.stdout.flush()
        subprocess.run([sys.executable, str(Path(__file__).with_name(
            'scale.py')), '--publish', *args.scale.split(',')], check=False)


def real_graph(source):
    """Return {name: [workspace dependencies]} of a real workspace."""
    from catkin_pkg.packages import find_packages
    packages = {p.name: p for p in find_packages(str(source)).values()}
    deps = {}
    for name, package in packages.items():
        names = {d.name for attribute in (
            'build_depends', 'buildtool_depends', 'build_export_depends',
            'buildtool_export_depends', 'exec_depends')
            for d in getattr(package, attribute)}
        deps[name] = sorted(names & set(packages) - {name})
    return deps


def remove_dependency_images():
    """Remove the dependency images of earlier runs; return how many."""
    from colcon_deb_docker.container import DockerEngine
    from colcon_deb_docker.dependency_images import IMAGE_REPOSITORY
    client = DockerEngine().client
    images = client.images.list(name=IMAGE_REPOSITORY)
    for image in images:
        client.images.remove(image.id, force=True)
    return len(images)


def step_mean(report, step):
    values = [r['steps'].get(step, 0.0) for r in report.values()
              if r['status'] == 'built']
    return statistics.mean(values) if values else 0.0


def touch(root, name):
    source = root / 'src' / name / 'src' / f'{name}.cpp'
    source.write_text(source.read_text() + '// touched\n')


def built(report):
    return sum(1 for r in report.values() if r['status'] == 'built')


def _reaches(deps, name, target):
    return any(d == target or _reaches(deps, d, target) for d in deps[name])


if __name__ == '__main__':
    main()

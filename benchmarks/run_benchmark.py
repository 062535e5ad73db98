#!/usr/bin/env python3
# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Benchmark: colcon deb against the sequential clean-room way.

Generates a synthetic workspace of small C++ libraries (a chain, a wide
fan-out and diamonds; each library links the ones it depends on), then runs:

  (a) baseline: every package in topological order, one at a time, each in a
      fresh container, no caches (`colcon deb --executor sequential --force
      --no-apt-cache --no-ccache` into its own output);
  (b) `colcon deb` with the parallel executor into a fresh output;
  (c) (b) again with nothing changed;
  (d) (b) again after touching one leaf (exactly one package must build);
  (e) (b) again after touching one root (it and its dependents build);
  (f) (b) again with --force: everything rebuilt, warm caches (the verified
      apt cache and each package's ccache volume);
  (g) (f) with --no-apt-cache --no-ccache: what the caches save.

and prints wall times, the ratio (b)/(a), the per-package overhead (a
package's wall time minus its dpkg-buildpackage time) and the critical-path
lower bound (the longest dependency chain, weighted with the packages'
times in (a)).

    python3 benchmarks/run_benchmark.py --packages 20 --workers 2
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


def colcon_deb(root, phase, *args):
    colcon = Path(sys.executable).parent / 'colcon'
    colcon = str(colcon) if colcon.exists() else shutil.which('colcon')
    cmd = [colcon, '--log-base', f'log_{phase}', 'deb',
           '--ros-distro', 'humble', '--offline', *args]
    started = time.monotonic()
    result = subprocess.run(
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    wall = time.monotonic() - started
    if result.returncode != 0:
        print(result.stdout[-5000:])
        raise SystemExit(f'phase {phase} failed')
    report = json.loads(
        (root / f'log_{phase}' / 'latest_deb' / 'colcon-deb-report.json')
        .read_text())
    return wall, report


def overhead(report):
    values = [r['seconds'] - r['steps'].get('compile', 0.0)
              for r in report.values() if r['status'] == 'built']
    return statistics.mean(values) if values else 0.0


def critical_path(deps, seconds):
    longest = {}

    def visit(name):
        if name not in longest:
            longest[name] = seconds.get(name, 0.0) + max(
                (visit(d) for d in deps[name]), default=0.0)
        return longest[name]
    return max(visit(n) for n in deps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--packages', type=int, default=20)
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--keep', action='store_true',
                        help='keep the generated workspace')
    args = parser.parse_args()

    deps = graph(args.packages)
    root = Path(tempfile.mkdtemp(prefix='colcon-deb-bench-'))
    write_workspace(root, deps)
    edges = sum(len(d) for d in deps.values())
    print(f'workspace: {root} ({len(deps)} packages, {edges} dependencies)',
          flush=True)
    try:
        print('(a) sequential clean-room baseline ...', flush=True)
        wall_a, report_a = colcon_deb(
            root, 'a', '--executor', 'sequential', '--force',
            '--no-apt-cache', '--no-ccache',
            '--output-base', 'deb_a', '--build-base', 'build_a')
        print(f'(b) colcon deb, parallel, {args.workers} workers ...',
              flush=True)
        parallel = ('--executor', 'parallel',
                    '--parallel-workers', str(args.workers),
                    '--output-base', 'deb_b', '--build-base', 'build_b')
        wall_b, report_b = colcon_deb(root, 'b', *parallel)
        print('(c) no-op rerun ...', flush=True)
        wall_c, report_c = colcon_deb(root, 'c', *parallel)
        leaf = next(n for n in reversed(list(deps))
                    if not any(n in d for d in deps.values()))
        root_pkg = next(iter(deps))
        touch(root, leaf)
        print(f'(d) rerun after touching leaf {leaf} ...', flush=True)
        wall_d, report_d = colcon_deb(root, 'd', *parallel)
        touch(root, root_pkg)
        print(f'(e) rerun after touching root {root_pkg} ...', flush=True)
        wall_e, report_e = colcon_deb(root, 'e', *parallel)
        print('(f) --force, warm caches ...', flush=True)
        wall_f, report_f = colcon_deb(root, 'f', *parallel, '--force')
        print('(g) --force, no caches ...', flush=True)
        wall_g, report_g = colcon_deb(
            root, 'g', *parallel, '--force', '--no-apt-cache', '--no-ccache')
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
    print()
    print(f'| {"run":<40} | {"wall s":>7} | {"built":>5} | {"expected":>8} |')
    print(f'| {"-" * 40} | {"-" * 7} | {"-" * 5} | {"-" * 8} |')
    for label, wall, report, expected in rows:
        print(f'| {label:<40} | {wall:7.1f} | {built(report):5d} | '
              f'{expected:8d} |')
    print()
    print(f'ratio (b)/(a):                   {wall_b / wall_a:.2f}')
    print(f'per-package overhead (a), mean:  {overhead(report_a):.2f} s '
          '(wall minus dpkg-buildpackage)')
    print(f'per-package overhead (b), mean:  {overhead(report_b):.2f} s')
    for label, report in (('(f) warm caches', report_f),
                          ('(g) no caches', report_g)):
        print(f'{label}: build-deps {step_mean(report, "build-deps"):.2f} '
              f's, compile {step_mean(report, "compile"):.2f} s a package '
              '(mean)')
    print(f'critical-path lower bound:       '
          f'{critical_path(deps, seconds_a):.1f} s (longest chain, '
          'package times of (a))')


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

"""The figures of a ROS 2 core run, and the plain colcon build beside it.

Reads colcon deb's report of the run in WORKSPACE, prints where the time
went (the sum over packages of each step, dpkg-buildpackage by phase) and
the build dependencies a package, then builds the same packages with a
plain `colcon build` in one container of the same builder image with the
same system packages (benchmarks/plain_colcon_build.py) and prints both
wall times and their ratio.  Also the run's shape: how long the builds
took from the first start to the last end, how much of it one build ran
alone, and the longest chain of the job graph (from the JobQueued events
of the run) with the packages' own times: a parallel run of that graph
cannot end sooner, whatever order the jobs start in (and its packages:
what of each job compiled, what packaged); and the run replayed
on two workers with its own durations in three start orders (the one it
was queued in, and the critical-path order with durations unknown and
known): what a better start order alone could gain.  With the CPU samples
run.sh takes (log/cpu-samples.txt), the machine's CPU time while the
builds ran, beside what it spent while each plain build ran: whether
colcon deb does more work, or does the same work with idle cores.

    python3 figures.py WORKSPACE COLCON_DEB_WALL_SECONDS [PACKAGE ...]
"""

import ast
import json
import os
from pathlib import Path
import re
import statistics
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import machine_parallelism  # noqa: E402 I100
from plain_colcon_build import busy_ticks  # noqa: E402 I100
from plain_colcon_build import plain_colcon_build  # noqa: E402
from run_benchmark import breakdown  # noqa: E402
from colcon_deb_docker.dpkg_phases import command_of_line  # noqa: E402 I100
from colcon_deb_docker.job_order import critical_path_order  # noqa: E402
from run_benchmark import critical_chain  # noqa: E402
from run_benchmark import replay  # noqa: E402


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
    shape = run_shape(report, workspace / 'log' / 'latest_deb' / 'events.log')
    if shape:
        print('builds from the first start to the last end: {span:.1f} s; '
              'one build alone {alone:.1f} s of it; longest chain of the job '
              'graph {chain:.1f} s; jobs summed {total:.1f} s'.format(**shape))
        print('the run replayed on 2 workers with its own durations ends '
              'at: ' + ', '.join(f'{s:.1f} s ({order})'
                                 for order, s in shape['replays'].items()))
        print_chain(report, shape['chain_packages'])
    print_debhelper_commands(workspace / 'log' / 'latest_deb')
    system_packages = {p for r in report.values()
                       for p in r.get('dependency_set') or ()}
    plains = {}
    for label, debian_flags in (('plain colcon build', False),
                                ("plain colcon build, Debian's flags", True)):
        print(f'{label} of the same packages ...', flush=True)
        plain = plains[label] = plain_colcon_build(
            source=workspace / 'src', base_image='local/debian:bookworm',
            workers=2, packages_up_to=up_to, debian_flags=debian_flags,
            system_packages=system_packages)
        slowest = sorted(plain['packages'].items(), key=lambda i: -i[1])[:3]
        print(f'{label}: {plain["wall"]:.1f} s wall, '
              f'{len(plain["packages"])} packages, per-package sum '
              f'{sum(plain["packages"].values()):.1f} s; slowest: ' +
              ', '.join(f'{n} {s:.0f} s' for n, s in slowest) +
              f' ({plain["flags"]})')
    print()
    for label, plain in plains.items():
        print(f'colcon deb: {wall:.1f} s wall, {wall / plain["wall"]:.2f}x '
              f'the {label}' + (
                  f'; the builds alone (first start to last end) '
                  f'{shape["span"] / plain["wall"]:.2f}x' if shape else ''))
    cpu = shape and cpu_seconds(
        workspace / 'log' / 'cpu-samples.txt', shape['start'], shape['end'])
    if cpu:
        print("the machine's CPU time (user and system) while colcon deb's "
              f'builds ran: {cpu:.1f} s; ' + '; '.join(
                  f'while the {label} ran: {plain["cpu"]:.1f} s '
                  f'({cpu / plain["cpu"]:.2f}x)'
                  for label, plain in plains.items()))
    print_slowest(report, plains)
    print(machine_parallelism.describe(2))
    return 0


def print_slowest(report, plains, count=6):
    """Print the slowest packages' times on every side.

    colcon deb's compile phase (dpkg-buildpackage's build target) and whole
    job beside each plain build's time for the package: where the two
    plain builds differ, the debug information and Debian's flags cost
    that much before any packaging.
    """
    labels = list(plains)
    names = sorted(
        (n for n, r in report.items() if r['status'] == 'built'),
        key=lambda n: -report[n]['seconds'])[:count]
    print(f'\n| {"package (s)":<36} | {"job":>6} | {"compile":>7} | ' +
          ' | '.join(f'{label:>36}' for label in labels) + ' |')
    print(f'| {"-" * 36} | {"-" * 6} | {"-" * 7} | ' +
          ' | '.join('-' * 36 for _ in labels) + ' |')
    for name in names:
        steps = report[name]['steps']
        print(f'| {name:<36} | {report[name]["seconds"]:6.1f} | '
              f'{steps.get("dpkg:compile", 0.0):7.1f} | ' + ' | '.join(
                  f'{plains[label]["packages"].get(name, float("nan")):36.1f}'
                  for label in labels) + ' |')


def print_chain(report, chain):
    """Print the longest chain: each package's job, and what of it compiled.

    The compile phases are what a plain build has too (configure, compile,
    install); the rest is what packaging adds on the path that decides
    when the run can end.
    """
    phases = ('dpkg:configure', 'dpkg:compile', 'dpkg:install')
    total = compiled = 0.0
    parts = []
    for name in chain:
        steps = report[name]['steps']
        seconds = report[name]['seconds']
        compile_seconds = sum(steps.get(p, 0.0) for p in phases)
        total += seconds
        compiled += compile_seconds
        parts.append(f'{name} {seconds:.1f}/{compile_seconds:.1f}')
    print(f'longest chain, {len(chain)} packages, {total:.1f} s of jobs, '
          f'{compiled:.1f} s of it configure, compile and install, '
          f'{total - compiled:.1f} s the rest (job/compile s): ' +
          ' -> '.join(parts))


def debhelper_commands(log_dir):
    """Return {debhelper command: [seconds of each run]} of a run's logs.

    Each package's `streams.log` prefixes its lines with the seconds since
    the job started; a command lasts from its line to the next command's,
    the last one (dh_builddeb) to the log's last line.
    """
    stamped = re.compile(r'^\[([\d.]+)s\] (.*)$')
    times = {}
    for log in sorted(Path(log_dir).glob('*/streams.log')):
        lines = [m.groups() for m in map(
            stamped.match, log.read_text(errors='replace').splitlines())
            if m]
        starts = [(float(t), command) for t, command in (
            (t, command_of_line(text)) for t, text in lines) if command]
        if not starts:
            continue
        ends = [t for t, _ in starts[1:]] + [float(lines[-1][0])]
        for (start, command), end in zip(starts, ends):
            times.setdefault(command, []).append(end - start)
    return times


def print_debhelper_commands(log_dir):
    """Print each debhelper command's time summed over the packages."""
    times = debhelper_commands(log_dir)
    if not times:
        return
    print('\ndebhelper commands, summed over the packages (s, packages, '
          'ms each): ' + ', '.join(
              f'{command} {sum(t):.1f} ({len(t)}, '
              f'{1000 * sum(t) / len(t):.0f})'
              for command, t in sorted(times.items(),
                                       key=lambda i: -sum(i[1]))))


def cpu_seconds(samples_file, start, end):
    """Return the machine's CPU seconds from `start` to `end`, or None.

    The samples are lines `TIME cpu USER NICE SYSTEM ...` (run.sh takes
    /proc/stat's first line every second); user, nice and system count,
    from the last sample at or before `start` to the first at or after
    `end` (so up to a second more on each side).
    """
    path = Path(samples_file)
    if not path.is_file():
        return None
    samples = []
    for line in path.read_text().splitlines():
        when, _, cpu_line = line.partition(' ')
        if cpu_line.startswith('cpu '):
            samples.append((float(when), busy_ticks(cpu_line)))
    before = [s for s in samples if s[0] <= start]
    after = [s for s in samples if s[0] >= end]
    if not before or not after:
        return None
    return (after[0][1] - before[-1][1]) / os.sysconf('SC_CLK_TCK')


def run_shape(report, events_log):
    """Return the span, time alone and longest chain of a run, or None."""
    spans = {
        name: (min(t[1] for t in r['timeline']),
               max(t[2] for t in r['timeline']))
        for name, r in report.items() if r.get('timeline')}
    if not spans:
        return None
    edges = sorted([(s, 1) for s, _ in spans.values()] +
                   [(e, -1) for _, e in spans.values()])
    alone, running, last = 0.0, 0, edges[0][0]
    for when, step in edges:
        if running == 1:
            alone += when - last
        running += step
        last = when
    deps = {name: set() for name in spans}
    queued = re.compile(r'JobQueued: (\{.*\})$')
    queued_order = []  # topological: colcon queues the jobs in job order
    for line in Path(events_log).read_text().splitlines():
        match = queued.search(line)
        if match:
            job = ast.literal_eval(match.group(1))
            if job['identifier'] in deps:
                queued_order.append(job['identifier'])
                deps[job['identifier']] = {
                    d for d in job['dependencies'] if d in spans}
    seconds = {name: end - start for name, (start, end) in spans.items()}
    graph = {n: deps[n] for n in queued_order}
    chain = critical_chain(deps, seconds)
    return {
        'start': edges[0][0], 'end': edges[-1][0],
        'span': edges[-1][0] - edges[0][0], 'alone': alone,
        'chain': sum(seconds[name] for name in chain),
        'chain_packages': chain,
        'total': sum(seconds.values()),
        'replays': {
            'queued order': replay(
                deps, seconds, queued_order, workers=2),
            'critical path, durations unknown': replay(
                deps, seconds, critical_path_order(graph, {}), workers=2),
            "critical path, the run's durations": replay(
                deps, seconds, critical_path_order(graph, seconds),
                workers=2)}}


if __name__ == '__main__':
    sys.exit(main())

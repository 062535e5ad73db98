# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What a run tells its user.

The self-check, the dry-run plan and the report file (the summary is an
event handler: :mod:`colcon_deb_docker.event_handler.deb_summary`).
"""

import json
from pathlib import Path
import sys

from colcon_core.location import get_log_path
from colcon_core.logging import colcon_logger
from colcon_deb_docker.plan import expected_deb_name
from colcon_deb_docker.rosdep_check import check_rosdep_keys
from colcon_deb_docker.rosdep_check import published_keys
from colcon_deb_docker.rosdep_source import host_paths

logger = colcon_logger.getChild(__name__)


def report_check(report, *, dry_run):
    """Say what the repository's self-check repaired and left alone."""
    for repair in report.repairs:
        logger.warning(('would repair: ' if dry_run else 'repaired: ')
                       + repair)
    for renewal in report.renewals:
        # routine, not a fault: each run renews what is half gone
        logger.info(('would renew: ' if dry_run else 'renewed: ') + renewal)
    for restored in report.links_restored:
        # what copies that follow links do to a repository, not a fault
        logger.info(('would restore: ' if dry_run else 'restored: ')
                    + restored)
    for relative in report.foreign:
        logger.warning(
            f'{relative} is not listed by the repository (not written by '
            'colcon deb): left alone and not indexed')


def show_host_paths(session, text):
    """Show rosdep files by their host paths, not their container paths."""
    return host_paths(text, rosdep_dir=session.rosdep_dir,
                      user_sources=session.user_rosdep_sources)


def print_dry_run(session, plan):
    """Print the plan of a --dry-run and the rosdep key check."""
    builder = session.builder
    print(f'colcon deb --dry-run: {len(session.plan)} package(s) for '
          f'{builder.os_name} {builder.os_codename} '
          f"({', '.join(session.architectures)}), builder image(s) "
          + ', '.join(b.tag for b in session.builders.values())
          + '; nothing is built')
    width = max((len(p.name) for p in plan), default=0)
    for index, planned in enumerate(plan, 1):
        deb = expected_deb_name(session=session, planned=planned) \
            if planned.version else '(no version: ' + \
            session.blocked.get(planned.name, '?') + ')'
        verb = 'build' if planned.action == 'build' else 'skip '
        print(f'  {index:3}. {planned.name:<{width}}  {planned.arch:<7} '
              f'{verb} ({planned.reason})  {deb}')
    if plan:
        check = check_rosdep_keys(
            session, {p.name: p for p in plan}.values())
        print('rosdep keys:')
        for name in session.plan:
            for key, entry in sorted(check.packages.get(name, {}).items()):
                if 'error' in entry:
                    where = 'UNRESOLVED: ' + entry['error']
                else:
                    where = (' '.join(entry['resolved']) or '(nothing)') + \
                        f"  [{show_host_paths(session, entry['origin'])}]"
                print(f'  {name}: {key} -> {where}')
        if check.unresolved():
            print(show_host_paths(session, check.describe_unresolved(
                os_name=builder.os_name, os_codename=builder.os_codename,
                published=published_keys(session, check.unresolved()))),
                file=sys.stderr)
            return 1
    return 0


def write_report(session):
    """Write per-package timings as JSON next to colcon's logs.

    ``colcon-deb-report-<codename>.json``, and ``colcon-deb-report.json``
    (the last distribution of the run).
    """
    log_path = get_log_path()
    if log_path is None:
        return
    sets = session.dependency_images.sets \
        if session.dependency_images is not None else {}
    report = {
        name: {'status': r.status, 'seconds': round(r.seconds, 3),
               'steps': r.steps, 'debs': r.debs, 'reason': r.reason,
               'timeline': r.timeline,
               # the system packages its build needs (dependency image)
               'dependency_set': sets.get(name)}
        for name, r in session.results.items()}
    text = json.dumps(report, indent=1, sort_keys=True)
    # one per distribution; the plain name has the run's last one
    codename = session.repository.codename
    for name in (f'colcon-deb-report-{codename}.json',
                 'colcon-deb-report.json'):
        path = Path(log_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

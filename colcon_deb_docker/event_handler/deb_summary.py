# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The summary of a `colcon deb` run: each package's .debs, the apt line.

With it, the run's picture: ``colcon-deb-timeline-<codename>.svg`` in the
run's log directory (see :mod:`colcon_deb_docker.timeline_svg`).
"""

import math
from pathlib import Path

from colcon_core.event_handler import EventHandlerExtensionPoint
from colcon_core.event_reactor import EventReactorShutdown
from colcon_core.location import get_log_path
from colcon_core.plugin_system import satisfies_version
from colcon_deb_docker.events import DebPackageResult
from colcon_deb_docker.events import DebRunStarted
from colcon_deb_docker.repository.indexes import release_valid_until
from colcon_deb_docker.repository.validity import format_duration
from colcon_deb_docker.repository.validity import format_time
from colcon_deb_docker.timeline_svg import render_timeline


class DebSummaryEventHandler(EventHandlerExtensionPoint):
    """Print what each package became and how to use the repository.

    Printed when the run's jobs end, after colcon's own summary.  The
    extension handles events of the following types:
    - :py:class:`colcon_deb_docker.events.DebRunStarted`
    - :py:class:`colcon_deb_docker.events.DebPackageResult`
    - :py:class:`colcon_core.event_reactor.EventReactorShutdown`
    """

    # after colcon's summary (priority 50)
    PRIORITY = 40

    def __init__(self):  # noqa: D107
        super().__init__()
        satisfies_version(
            EventHandlerExtensionPoint.EXTENSION_POINT_VERSION, '^1.0')
        self._run = None
        self._results = {}

    def __call__(self, event):  # noqa: D102
        data = event[0]
        if isinstance(data, DebRunStarted):
            self._run = data
            self._results = {}
        elif isinstance(data, DebPackageResult):
            self._results[data.name] = data
        elif isinstance(data, EventReactorShutdown) and self._run:
            lines = summary_lines(self._run, self._results)
            picture = write_timeline(self._run, self._results)
            if picture is not None and lines:
                lines.append(f'timeline of the run: {picture}')
            for line in lines:
                print(line)


def write_timeline(run, results):
    """Write the run's picture into the log directory; return its path.

    None when there is no log directory or nothing was built.  A picture
    that cannot be written is not worth failing the run for.
    """
    log_path = get_log_path()
    svg = render_timeline(
        {name: r.timeline for name, r in results.items() if r.timeline},
        title=f'colcon deb {run.codename}')
    if log_path is None or svg is None:
        return None
    path = Path(log_path).resolve() / \
        f'colcon-deb-timeline-{run.codename}.svg'
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg)
    except OSError:
        return None
    return path


def summary_lines(run, results):
    """Return the summary: one line per package, then the apt line."""
    names = sorted(set(run.package_names) | set(results))
    if not names:
        return []
    width = max(len(name) for name in names)
    lines = ['', 'colcon deb summary:']
    for name in names:
        result = results.get(name) or DebPackageResult(
            name=name, status='pending')
        line = f'  {name:<{width}}  {result.status:<11}'
        if result.seconds:
            line += f' {result.seconds:7.1f}s'
        if result.debs:
            line += '  ' + ', '.join(result.debs)
        elif result.status == 'pending':
            line += '  skipped (a dependency failed or the run stopped)'
        elif result.reason:
            line += '  ' + result.reason
        lines.append(line)
    lines += ['', f'apt repository: {run.repository_path}',
              f'  {run.source_line}']
    if run.pin_file:
        lines.append(f'  with its underlays: {run.sources_file}; its '
                     f'packages win with the pin {run.pin_file}')
    if run.public_line:
        line = f'  served: {run.public_line}  (in colcon-deb-{run.codename}' \
            '.list'
        if run.public_key_path:
            line += f'; key.gpg goes to {run.public_key_path}, its ' \
                f'fingerprint {run.public_key_fingerprint}'
        lines.append(line + ')')
    if run.valid_for:
        lines.append(validity_line(run))
    return lines


def validity_line(run):
    """Say until when the Release is valid and how often to renew it."""
    valid_until = release_valid_until(
        Path(run.repository_path) / 'dists' / run.codename)
    if valid_until is not None and math.isfinite(valid_until):
        until = f'until {format_time(valid_until)}'
    else:
        until = f'for {format_duration(run.valid_for)}'
    return f'  its Release is valid {until}: run colcon deb at least ' \
        f'every {format_duration(run.valid_for / 2)} to renew it ' \
        '(--valid-for)'

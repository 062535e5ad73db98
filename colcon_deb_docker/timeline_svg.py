# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""A picture of one run: a lane per worker, a bar per package, by phase.

Drawn from the packages' timelines (``[step, start, end]`` intervals the
host recorded from the helpers' progress lines and debhelper's output) as
a self-contained SVG, so that a user sees at a glance where the time went
and when a core was idle.
"""

from xml.sax.saxutils import escape

#: phase -> color; a step not named here is drawn as 'setup'
COLORS = {
    'setup': '#b0b0b0',
    'dependency-image': '#ff9896',
    'bloom-ahead-wait': '#c5b0d5',
    'bloom': '#9467bd',
    'build-deps': '#d62728',
    'dpkg:clean': '#c7c7c7',
    'dpkg:configure': '#ff7f0e',
    'dpkg:compile': '#1f77b4',
    'dpkg:test': '#17becf',
    'dpkg:install': '#2ca02c',
    'dpkg:debhelper': '#8c564b',
    'dpkg:strip': '#e377c2',
    'dpkg:shlibdeps': '#bcbd22',
    'dpkg:compress': '#7f7f7f',
    'publish': '#000000',
}
#: the steps that hold others: drawn as the package's bar, not a phase
_CONTAINERS = ('container', 'compile')

_LANE_HEIGHT = 28
_LEFT = 10
_WIDTH = 1000
_TOP = 30


def package_spans(timelines):
    """Return {package: (start, end)} of each package's steps."""
    return {name: (min(s for _, s, _ in timeline),
                   max(e for _, _, e in timeline))
            for name, timeline in timelines.items() if timeline}


def assign_lanes(spans):
    """Return {package: lane}: the first lane free when it starts.

    colcon does not say which worker ran a job; a job starts when one is
    free, so the greedy assignment gives back the workers' lanes.
    """
    lanes, ends = {}, []
    for name, (start, end) in sorted(spans.items(), key=lambda i: i[1]):
        for lane, busy_until in enumerate(ends):
            if busy_until <= start + 1e-3:
                break
        else:
            lane = len(ends)
            ends.append(0.0)
        ends[lane] = end
        lanes[name] = lane
    return lanes


def render_timeline(timelines, *, title):
    """Return the SVG text of a run's timelines ({package: timeline})."""
    spans = package_spans(timelines)
    if not spans:
        return None
    lanes = assign_lanes(spans)
    origin = min(s for s, _ in spans.values())
    total = max(e for _, e in spans.values()) - origin or 1.0
    scale = (_WIDTH - 2 * _LEFT) / total
    legend_rows = 2
    per_row = -(-len(COLORS) // legend_rows)
    height = _TOP + _LANE_HEIGHT * (max(lanes.values()) + 1) + \
        16 * legend_rows + 20

    def x(t):
        return _LEFT + (t - origin) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" '
        f'height="{height}" font-family="sans-serif" font-size="10">',
        f'<text x="{_LEFT}" y="16" font-size="12">{escape(title)} '
        f'({total:.1f} s, {max(lanes.values()) + 1} lane(s))</text>']
    for name, (start, end) in sorted(spans.items()):
        y = _TOP + lanes[name] * _LANE_HEIGHT
        parts.append(
            f'<rect x="{x(start):.1f}" y="{y}" width="'
            f'{max((end - start) * scale, 1):.1f}" height="20" '
            f'fill="{COLORS["setup"]}"><title>{escape(name)}: '
            f'{end - start:.1f} s</title></rect>')
        for step, s, e in timelines[name]:
            phase = _step_name(step)
            if phase in _CONTAINERS or phase not in COLORS:
                continue
            parts.append(
                f'<rect x="{x(s):.1f}" y="{y}" width="'
                f'{max((e - s) * scale, 0.5):.1f}" height="20" '
                f'fill="{COLORS[phase]}"><title>{escape(name)} {phase}: '
                f'{e - s:.1f} s</title></rect>')
        parts.append(
            f'<text x="{x(start) + 2:.1f}" y="{y + 14}" fill="white">'
            f'{escape(name)}</text>')
    for index, (phase, color) in enumerate(COLORS.items()):
        lx = _LEFT + (index % per_row) * 130
        ly = height - 16 * (legend_rows - index // per_row) - 4
        label = phase.replace('dpkg:', 'dpkg ')
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="10" '
                     f'height="10" fill="{color}"/>')
        parts.append(f'<text x="{lx + 13}" y="{ly}">{label}</text>')
    parts.append('</svg>')
    return '\n'.join(parts) + '\n'


def _step_name(step):
    """Return a step's name without its `<arch>: ` prefix."""
    return step.rsplit(': ', 1)[-1]

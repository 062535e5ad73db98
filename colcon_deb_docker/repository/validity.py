# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""How long a signed Release stays valid (``--valid-for``), and its renewal.

A signed repository without an end of validity can be frozen: whoever
serves it (a mirror, a proxy, a man in the middle) may keep handing a
robot the Release it signed last month, with last month's packages, and
apt takes it, since the signature is good.  With ``Valid-Until`` apt
refuses a Release once that time has passed ("is expired"), so the worst
such a server can do is make updates fail loudly.

The price is that the repository must be signed again before then: every
run renews a Release that has less than half of its validity left (a
no-op run does too: a nightly CI job keeps it valid), and every
publication starts a new validity anyway.
"""

import math
import re
import time

#: seconds of each unit a duration may be given in
UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}
#: the longest validity taken (ten years; beyond, dates stop being dates)
LONGEST = 3650 * 86400
#: a Release valid for longer than asked by more than this is renewed (the
#: option was shortened); clocks and the run's own time stay below it
SLACK = 60


def parse_duration(text):
    """Return the seconds of a duration such as ``7d``, ``12h``, ``90m``.

    :raises ValueError: with what was wrong, for argparse
    """
    match = re.fullmatch(r'\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*', text.lower())
    seconds = float(match.group(1)) * UNITS[match.group(2)] if match else 0
    if not seconds or seconds > LONGEST:
        raise ValueError(
            f'expected a duration above 0 with its unit (s, m, h, d or w), '
            f'e.g. 7d or 12h, at most 3650d: {text!r}')
    return seconds


def format_duration(seconds):
    """Return a duration for people: ``7d``, ``3d 12h``, ``90s``."""
    parts = []
    rest = round(seconds)
    for unit, size in (('d', 86400), ('h', 3600), ('m', 60), ('s', 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f'{count}{unit}')
    return ' '.join(parts[:2]) or '0s'


def format_time(timestamp):
    """Return a moment for people, in UTC."""
    return time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(timestamp))


def renewal_reason(*, valid_until, valid_for, now):
    """Say why a Release needs writing and signing again, else None.

    :param valid_until: its ``Valid-Until`` (epoch seconds), None without,
      not finite when it does not parse
    :param valid_for: ``--valid-for`` in seconds, None without
    """
    if valid_until is not None and not math.isfinite(valid_until):
        return 'its Release has a Valid-Until that does not parse: ' \
            'written again'
    if valid_for is None:
        if valid_until is None:
            return None
        return 'its Release has a Valid-Until and this run no ' \
            '--valid-for: written again without one (it would expire)'
    wanted = f'valid for {format_duration(valid_for)} (--valid-for)'
    if valid_until is None:
        return f'its Release has no Valid-Until: signed again, {wanted}'
    left = valid_until - now
    if left < valid_for / 2:
        state = 'expired at' if left <= 0 else 'valid until'
        return f'its Release {state} {format_time(valid_until)}, less ' \
            f'than half of its validity left: signed again, {wanted}'
    if left > valid_for + SLACK:
        return f'its Release is valid until {format_time(valid_until)}, ' \
            f'longer than asked: signed again, {wanted}'
    return None

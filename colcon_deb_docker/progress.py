# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Structured progress lines printed by the helper scripts in a container.

A helper prints ``::colcon-deb:: {"step": "bloom", "status": "start"}`` on a
line of its own.  The payload is JSON so that any message, commas and quotes
included, survives the trip.  Any other line is ordinary output.
"""

from dataclasses import dataclass
import json

from colcon_deb_docker.contract import PROGRESS_PREFIX

PREFIX = PROGRESS_PREFIX


@dataclass(frozen=True)
class ProgressEvent:
    """One step of the build inside the container changing state."""

    step: str
    status: str
    message: str = ''
    data: dict = None

    def describe(self):
        """Return the short text shown on colcon's status line."""
        text = f'{self.step}: {self.status}'
        if self.message:
            text += f' ({self.message})'
        return text


def parse_progress_line(line):
    """Return the :class:`ProgressEvent` of a line, or None for plain output.

    A line that starts with the prefix but does not hold a JSON object with
    a string ``step`` is treated as plain output, never as an error: a
    package's own build output must not be able to break the build.
    """
    if not line.startswith(PREFIX):
        return None
    try:
        payload = json.loads(line[len(PREFIX):])
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(
        payload.get('step'), str
    ):
        return None
    message = payload.get('message', '')
    return ProgressEvent(
        step=payload['step'],
        status=str(payload.get('status', '')),
        message=message if isinstance(message, str) else json.dumps(message),
        data={k: v for k, v in payload.items()
              if k not in ('step', 'status', 'message')} or None)


def log_lines(log, label):
    """Return an ``on_line`` callback that sends a container's lines to a log.

    For the containers of the run rather than of a package (the rosdep
    pre-check, bloom ahead): progress at info level, the rest at debug,
    each line after ``[label]``.
    """
    def on_line(line, is_stderr):
        event = parse_progress_line(line)
        if event is not None:
            log.info(f'[{label}] {event.describe()}')
        else:
            log.debug(f'[{label}] {line}')
    return on_line

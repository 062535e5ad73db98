# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""A build container's output, turned into colcon events.

Progress lines of the helpers (see :mod:`colcon_deb_docker.contract`)
become ``JobProgress`` events and step timings; every other line becomes a
``StdoutLine`` or ``StderrLine``, with the known noise of healthy builds
moved to stdout (the logs) so that the console shows only real errors.
"""

import time

from colcon_core.event.output import StderrLine
from colcon_core.event.output import StdoutLine
from colcon_core.logging import colcon_logger
from colcon_deb_docker.console_noise import StderrNoiseFilter
from colcon_deb_docker.dpkg_phases import phase_of_line
from colcon_deb_docker.failure_hints import FailureEvidence
from colcon_deb_docker.progress import parse_progress_line

logger = colcon_logger.getChild(__name__)


class BuildOutput:
    """The output of one package's containers, as events and timings."""

    def __init__(self, *, task, result):
        """Route output to the task's event queue; time steps in `result`.

        :param task: the colcon task (its context, its progress())
        :param result: the package's :class:`PackageResult`
        """
        self._task = task
        self._result = result
        self._step_started = {}
        self._noise = StderrNoiseFilter()
        #: what explains a failure, looked for in the whole output
        self.evidence = FailureEvidence()
        #: `<arch>: ` in front of every progress line of a multi-arch run
        self.prefix = ''
        #: called with the step event that asks for network isolation
        self.on_isolate = None
        #: the phase of dpkg-buildpackage under way (see dpkg_phases.py)
        self._phase = None
        #: how many archives apt downloaded in the build, as its build-deps
        #: step said (None: it did not say).  The container's word: a false
        #: one can only keep a download out of the verified cache, which
        #: admits nothing without checking it anyway
        self.apt_downloads = None
        #: called when that number is not 0
        self.on_downloads = None

    def on_line(self, line, is_stderr):
        """Take one line of container output."""
        self.evidence.feed(line)
        event = parse_progress_line(line)
        if event is not None:
            self._on_progress(event)
            self.progress(event.describe())
            return
        if not is_stderr:
            phase = phase_of_line(line) if self._in_dpkg() else None
            if phase is not None:
                self._start_phase(phase)
            return self.emit(line, is_stderr=False)
        # known noise goes to the logs as output, real stderr to the console
        for text, noise in self._noise.feed(line):
            self.emit(text, is_stderr=not noise)

    def progress(self, text):
        """Report progress of the job (a JobProgress event)."""
        self._task.progress(self.prefix + text)

    def flush(self):
        """Emit what the noise filter still holds (the container ended)."""
        for text, _ in self._noise.flush():
            self.emit(text, is_stderr=True)

    def emit(self, line, *, is_stderr):
        """Put one line of output into colcon's event queue."""
        # colcon's output handlers expect bytes, as from a subprocess
        data = (line + '\n').encode()
        self._task.context.put_event_into_queue(
            StderrLine(data) if is_stderr else StdoutLine(data))

    def start_step(self, step):
        """Start timing a step (of the host or of a helper)."""
        self._step_started[self.prefix + step] = time.time()

    def end_step(self, step):
        """Record the time of a step started with :meth:`start_step`.

        Its duration is added to the package's steps, its interval to the
        package's timeline (the picture of the run).
        """
        key = self.prefix + step
        if key not in self._step_started:
            return
        started, now = self._step_started.pop(key), time.time()
        steps = self._result.steps
        steps[key] = round(steps.get(key, 0) + now - started, 3)
        self._result.timeline.append(
            [key, round(started, 3), round(now, 3)])

    def _in_dpkg(self):
        return self.prefix + 'compile' in self._step_started

    def _start_phase(self, phase):
        """End the dpkg-buildpackage phase under way; start `phase`."""
        self._end_phase()
        self._phase = f'dpkg:{phase}'
        self.start_step(self._phase)

    def _end_phase(self):
        if self._phase is not None:
            self.end_step(self._phase)
            self._phase = None

    def _on_progress(self, event):
        """Time each step; isolate the network when the helper asks."""
        if event.status == 'start':
            self.start_step(event.step)
        elif event.status == 'done':
            if event.step == 'compile':
                self._end_phase()
            self.end_step(event.step)
        if event.step == 'network' and event.status == 'isolate' and \
                self.on_isolate is not None:
            self.on_isolate()
        if event.step == 'build-deps' and event.status == 'downloads':
            try:
                self.apt_downloads = int(event.message)
            except ValueError:
                self.apt_downloads = None
            if self.apt_downloads and self.on_downloads is not None:
                self.on_downloads()

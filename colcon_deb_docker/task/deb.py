# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The colcon task that turns one package into .deb files in a container."""

import asyncio
import functools
from pathlib import Path
import shutil
import time

from colcon_core.event.output import StderrLine
from colcon_core.event.output import StdoutLine
from colcon_core.logging import colcon_logger
from colcon_core.plugin_system import satisfies_version
from colcon_core.task import TaskExtensionPoint
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import ContainerTimeout
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.fingerprint import write_stamp
from colcon_deb_docker.progress import parse_progress_line

logger = colcon_logger.getChild(__name__)


class DebTask(TaskExtensionPoint):
    """Build one package into .deb files in a fresh container.

    Blocking Docker calls run in the session's thread pool so colcon's
    asyncio executor keeps scheduling other packages.  Container output comes
    back as StdoutLine/StderrLine events, the helpers' structured progress
    lines as JobProgress events.  Cancellation (Ctrl-C) removes the container
    before the job ends.
    """

    TASK_NAME = 'deb'

    def __init__(self, *, session):  # noqa: D107
        super().__init__()
        satisfies_version(TaskExtensionPoint.EXTENSION_POINT_VERSION, '^1.1')
        self.session = session

    def _on_line(self, line, is_stderr):
        event = parse_progress_line(line)
        if event is not None:
            self._on_progress(event)
            self.progress(event.describe())
            return
        # colcon's output handlers expect bytes, as from a subprocess
        data = (line + '\n').encode()
        self.context.put_event_into_queue(
            StderrLine(data) if is_stderr else StdoutLine(data))

    def _on_progress(self, event):
        """Time each step; isolate the network when the helper asks."""
        now = time.monotonic()
        result = self.session.results[self.context.pkg.name]
        if event.status == 'start':
            self._step_started[event.step] = now
        elif event.status == 'done' and event.step in self._step_started:
            result.steps[event.step] = round(
                now - self._step_started[event.step], 3)
        if event.step == 'network' and event.status == 'isolate':
            names = self.session.engine.disconnect_networks(self._container)
            logger.info(
                f"'{self.context.pkg.name}': disconnected from "
                f"{', '.join(names) or 'no network'}")

    async def deb(self):  # noqa: D102
        session = self.session
        pkg = self.context.pkg
        result = session.results[pkg.name]
        started = time.monotonic()
        self._step_started = {}
        self._container = None
        if pkg.name in session.blocked:
            return self._fail(result, started, session.blocked[pkg.name], '')
        stamp = session.up_to_date.get(pkg.name)
        if stamp is not None:
            result.status = 'up to date'
            result.debs = [Path(f).name for f in stamp['files']]
            self.progress('skip: up to date (same fingerprint)')
            return 0
        result.status = 'building'
        loop = asyncio.get_running_loop()

        def in_thread(func, *args, **kwargs):
            return loop.run_in_executor(
                session.threads, functools.partial(func, *args, **kwargs))

        out_dir = session.output_dir(pkg.name)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        session.make_writable_dir(out_dir)

        spec = session.package_container_spec(
            package_name=pkg.name, source_path=Path(pkg.path).resolve(),
            sibling_debs=session.sibling_debs(pkg.name))
        container = None
        try:
            self.progress('container: start')
            self._step_started['container'] = time.monotonic()
            container = await in_thread(session.engine.create, spec)
            self._container = container
            if session.interrupted.is_set():
                raise asyncio.CancelledError()
            await in_thread(
                session.engine.run_created, container,
                on_line=self._on_line, timeout=session.timeout)
            # container: its whole life, for the overhead figures
            result.steps['container'] = round(
                time.monotonic() - self._step_started['container'], 3)
            debs = sorted(out_dir.glob('*.deb')) + sorted(
                out_dir.glob('*.ddeb'))
            self.progress('publish: start')
            publish_started = time.monotonic()
            published = await in_thread(
                session.repository.publish, debs=debs,
                rosdep_keys={pkg.name: session.debian_name(pkg.name)})
            result.steps['publish'] = round(
                time.monotonic() - publish_started, 3)
        except asyncio.CancelledError:
            result.status = 'interrupted'
            result.reason = 'interrupted'
            if container is not None:
                session.engine.remove(container)
            raise
        except ContainerFailed as e:
            if session.interrupted.is_set():
                # the interrupt handler removed the container under us
                result.status = result.reason = 'interrupted'
                return 1
            return self._fail(
                result, started, f'container exited with code {e.exit_code}',
                e.log_tail, rc=e.exit_code)
        except ContainerTimeout as e:
            return self._fail(
                result, started, f'timed out after {e.seconds} s',
                e.log_tail)
        except DebDockerError as e:
            return self._fail(result, started, str(e), '')
        except Exception as e:  # noqa: B902
            # colcon reports the traceback; the summary still names the cause
            result.status = 'failed'
            result.reason = f'internal error: {e}'
            raise
        finally:
            result.seconds = time.monotonic() - started
        result.status = 'built'
        result.debs = [p.name for p in published]
        write_stamp(
            session.stamp_path(pkg.name),
            fingerprint=session.fingerprints[pkg.name],
            files=[str(p.relative_to(session.repository.path))
                   for p in published])
        return 0

    def _print_stderr(self, text):
        self.context.put_event_into_queue(StderrLine((text + '\n').encode()))

    def _fail(self, result, started, reason, log_tail, *, rc=1):
        result.status = 'failed'
        result.reason = reason
        result.seconds = time.monotonic() - started
        if log_tail:
            self._print_stderr(f'--- last lines of the build of '
                               f"'{self.context.pkg.name}' ---\n{log_tail}")
        self._print_stderr(
            f"colcon deb: '{self.context.pkg.name}' failed: {reason}")
        return rc or 1

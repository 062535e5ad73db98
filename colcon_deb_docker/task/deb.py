# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The colcon task that turns one package into .deb files in a container.

Registered per package type in the entry point group
:data:`DEB_TASK_GROUP` (see setup.cfg): the ROS build types bloom knows.
Another build type plugs in by registering its own task there.
"""

import asyncio
import functools
from pathlib import Path
import shutil
import time

from colcon_core.event.output import StderrLine
from colcon_core.event.output import StdoutLine
from colcon_core.location import get_log_path
from colcon_core.logging import colcon_logger
from colcon_core.plugin_system import satisfies_version
from colcon_core.task import TaskExtensionPoint
from colcon_deb_docker.bloom_release_dependencies import encode_dependencies
from colcon_deb_docker.bloom_release_dependencies import \
    METADATA_KEY as BLOOM_RELEASE_KEY
from colcon_deb_docker.console_noise import StderrNoiseFilter
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import ContainerTimeout
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.failure_hints import FailureEvidence
from colcon_deb_docker.fingerprint import write_stamp
from colcon_deb_docker.plan import assign_version
from colcon_deb_docker.plan import binary_packages
from colcon_deb_docker.progress import parse_progress_line
from colcon_deb_docker.provenance import describe_vcs
from colcon_deb_docker.repository.publish_rules import ExpectedOutputs
from colcon_deb_docker.repository.publish_rules import NotReproducible
from colcon_deb_docker.siblings import sibling_debs
from colcon_deb_docker.siblings import sibling_versions
from colcon_deb_docker.versioning import VersionError

logger = colcon_logger.getChild(__name__)

#: the entry point group of the `deb` task extensions, one per package type
DEB_TASK_GROUP = 'colcon_deb_docker.task.deb'


class DebTask(TaskExtensionPoint):
    """Build one package into .deb files in a fresh container.

    Blocking Docker calls run in the session's thread pool so colcon's
    asyncio executor keeps scheduling other packages.  Container output comes
    back as StdoutLine/StderrLine events, the helpers' structured progress
    lines as JobProgress events.  Cancellation (Ctrl-C) removes the container
    before the job ends.
    """

    TASK_NAME = 'deb'

    def __init__(self):  # noqa: D107
        super().__init__()
        satisfies_version(TaskExtensionPoint.EXTENSION_POINT_VERSION, '^1.1')
        #: the run's DebSession, set by the verb before the job runs
        self.session = None

    def _on_line(self, line, is_stderr):
        self._evidence.feed(line)
        event = parse_progress_line(line)
        if event is not None:
            self._on_progress(event)
            self.progress(self._prefix + event.describe())
            return
        if not is_stderr:
            return self._emit(line, is_stderr=False)
        # known noise goes to the logs as output, real stderr to the console
        for text, noise in self._noise.feed(line):
            self._emit(text, is_stderr=not noise)

    def _emit(self, line, *, is_stderr):
        # colcon's output handlers expect bytes, as from a subprocess
        data = (line + '\n').encode()
        self.context.put_event_into_queue(
            StderrLine(data) if is_stderr else StdoutLine(data))

    def _on_progress(self, event):
        """Time each step; isolate the network when the helper asks."""
        now = time.monotonic()
        result = self.session.results[self.context.pkg.name]
        key = self._prefix + event.step
        if event.status == 'start':
            self._step_started[key] = now
        elif event.status == 'done' and key in self._step_started:
            result.steps[key] = round(now - self._step_started[key], 3)
        if event.step == 'network' and event.status == 'isolate':
            names = self._engine.disconnect_networks(self._container)
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
        self._prefix = ''
        self._noise = StderrNoiseFilter()
        self._evidence = FailureEvidence()
        if pkg.name in session.blocked:
            return self._fail(result, started, session.blocked[pkg.name], '')
        planned = session.plan.get(pkg.name, [])
        debs = []
        built = False
        for entry in planned:
            if len(session.architectures) > 1:
                self._prefix = f'{entry.arch}: '
            if entry.action == 'skip':
                debs += [Path(f).name for f in entry.stamp['files']]
                self.progress(
                    self._prefix + 'skip: up to date (same fingerprint)')
                continue
            result.status = 'building'
            entry_started = time.monotonic()
            try:
                published = await self._build_reproducibly(
                    pkg, entry, result)
            except _Failed as e:
                if e.interrupted:
                    result.status = result.reason = 'interrupted'
                    return 1
                return self._fail(
                    result, started, self._prefix + e.reason, e.log_tail,
                    rc=e.rc)
            except asyncio.CancelledError:
                result.status = result.reason = 'interrupted'
                raise
            except Exception as e:  # noqa: B902
                # colcon reports the traceback; the summary names the cause
                result.status = 'failed'
                result.reason = f'internal error: {e}'
                raise
            finally:
                result.seconds = time.monotonic() - started
            built = True
            debs += [p.name for p in published]
            write_stamp(
                session.layout.stamp_path(pkg.name, entry.arch),
                fingerprint=entry.fingerprint, version=entry.version,
                inputs=entry.inputs,
                seconds=round(time.monotonic() - entry_started, 1),
                files=[str(p.relative_to(session.repository.path))
                       for p in published])
        result.status = 'built' if built else 'up to date'
        result.debs = sorted(set(debs))
        return 0

    async def _build_reproducibly(self, pkg, entry, result):
        """Build and publish.

        A build that does not reproduce the bytes published under its
        version is built again with a new version.
        """
        try:
            return await self._build(pkg, entry, result)
        except NotReproducible as e:
            old = entry.version
            try:
                assign_version(
                    session=self.session, planned=entry, now=time.time())
            except VersionError as error:
                raise _Failed(f'{e}; {error}') from None
            logger.warning(
                f"'{pkg.name}': {', '.join(e.names)} did not reproduce the "
                f'published bytes of {old}: building it again as '
                f'{entry.version}')
            self.progress(self._prefix + f'version: {entry.version} (the '
                          f'build of {old} is not reproducible)')
        try:
            return await self._build(pkg, entry, result)
        except NotReproducible as e:
            raise _Failed(str(e)) from None

    async def _build(self, pkg, entry, result):
        """Build one package for one architecture and publish its .debs.

        :raises _Failed: when the build fails (the reason for the summary)
        """
        session = self.session
        arch = entry.arch
        engine = self._engine = session.engine_for(arch)
        loop = asyncio.get_running_loop()

        def in_thread(func, *args, **kwargs):
            return asyncio.wrap_future(
                session.submit(functools.partial(func, *args, **kwargs)),
                loop=loop)

        layout = session.layout
        out_dir = layout.output_dir(pkg.name, arch)
        for scratch in (out_dir, layout.apt_downloads_dir(pkg.name, arch)):
            shutil.rmtree(scratch, ignore_errors=True)
        out_dir.mkdir(parents=True)
        self._container = None
        build_started = time.time()
        try:
            await self._run_container(
                in_thread, engine, self._container_spec(pkg, entry), result)
            # everything the build left is offered; the repository accepts
            # only the expected files, and a stray one fails the package
            debs = sorted(p for p in out_dir.iterdir())
            if not debs:
                raise _Failed('the build produced no .deb')
            return await self._publish(
                in_thread, pkg, entry, debs, result,
                build_started=build_started)
        except asyncio.CancelledError:
            if self._container is not None:
                engine.remove(self._container)
            shutil.rmtree(out_dir, ignore_errors=True)  # scratch
            raise
        except ContainerFailed as e:
            if session.interrupted.is_set():
                # the interrupt handler removed the container under us
                shutil.rmtree(out_dir, ignore_errors=True)  # scratch
                raise _Failed('interrupted', interrupted=True) from None
            reason = f'container exited with code {e.exit_code}'
            hint = self._evidence.explain(
                e.log_tail, oom_killed=e.oom_killed)
            raise _Failed(
                f'{reason}: {hint}' if hint else reason, e.log_tail,
                e.exit_code) from None
        except ContainerTimeout as e:
            raise _Failed(
                f'timed out after {e.seconds} s', e.log_tail) from None
        except NotReproducible:
            raise
        except DebDockerError as e:
            raise _Failed(str(e)) from None
        finally:
            if session.apt_cache is not None and \
                    self._container is not None and \
                    not session.interrupted.is_set():
                await in_thread(self._admit_downloads, arch)

    def _container_spec(self, pkg, entry):
        """Describe the container that builds `pkg` for `entry.arch`."""
        session = self.session
        arch = entry.arch
        return session.specs.package(
            package_name=pkg.name, source_path=Path(pkg.path).resolve(),
            sibling_debs=sibling_debs(session, pkg.name, arch), arch=arch,
            architecture_independent=entry.architecture_independent,
            version=entry.version, source_date_epoch=entry.source_date_epoch,
            vcs_text=describe_vcs(entry.vcs),
            sibling_versions=sibling_versions(
                session, self.context.dependencies, arch),
            bloom_release_depends=encode_dependencies(
                pkg.metadata.get(BLOOM_RELEASE_KEY, ())))

    async def _run_container(self, in_thread, engine, spec, result):
        """Create and run the build container; return it once it ended.

        Its output comes back as events while it runs; its whole life is
        timed as the step `container` (for the overhead figures).
        """
        key = self._prefix + 'container'
        self.progress(key + ': start')
        self._step_started[key] = time.monotonic()
        self._container = await in_thread(engine.create, spec)
        if self.session.interrupted.is_set():
            raise asyncio.CancelledError()
        try:
            await in_thread(
                engine.run_created, self._container,
                on_line=self._on_line, timeout=self.session.timeout)
        finally:
            for text, _ in self._noise.flush():
                self._emit(text, is_stderr=True)
        result.steps[key] = round(
            time.monotonic() - self._step_started[key], 3)
        return self._container

    async def _publish(self, in_thread, pkg, entry, debs, result, *,
                       build_started):
        """Offer the build's files to the repository; return the pool paths.

        Only the expected files are accepted (see publish_rules.py), each
        recorded with its provenance.
        """
        session = self.session
        arch = entry.arch
        self.progress(self._prefix + 'publish: start')
        started = time.monotonic()
        published = await in_thread(
            session.repository.publish, debs=debs,
            expected=ExpectedOutputs(
                packages=binary_packages(session=session, planned=entry),
                version=entry.version, architecture=arch),
            provenance={
                'ros_package': pkg.name,
                'fingerprint': entry.fingerprint,
                'source_date_epoch': entry.source_date_epoch,
                'vcs': entry.vcs,
                'builder_image': session.builders[arch].tag,
                'build_started': _iso(build_started),
                'build_finished': _iso(time.time()),
            },
            rosdep_keys={pkg.name: session.debian_name(pkg.name)})
        result.steps[self._prefix + 'publish'] = round(
            time.monotonic() - started, 3)
        return published

    def _admit_downloads(self, arch):
        """Offer the container's apt downloads to the verified cache.

        A cache that cannot be written costs speed, never the build.
        """
        session = self.session
        try:
            session.apt_cache.admit(
                session.layout.apt_downloads_dir(self.context.pkg.name, arch))
        except OSError as e:
            logger.warning(f'apt cache not updated: {e}')

    def _print_stderr(self, text):
        self.context.put_event_into_queue(StderrLine((text + '\n').encode()))

    def _fail(self, result, started, reason, log_tail, *, rc=1):
        result.status = 'failed'
        result.reason = reason
        result.seconds = time.monotonic() - started
        if log_tail:
            self._print_stderr(f'--- last lines of the build of '
                               f"'{self.context.pkg.name}' ---\n{log_tail}")
        name = self.context.pkg.name
        log_path = get_log_path()
        where = ''
        if log_path:
            full_log = Path(log_path).resolve() / name / 'stdout_stderr.log'
            where = f' (full log: {full_log})'
        self._print_stderr(f"colcon deb: '{name}' failed: {reason}{where}")
        return rc or 1


def _iso(seconds):
    """Return a UTC time as ISO 8601 (the manifest's build times)."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


class _Failed(Exception):
    """A package build failed; carries what the summary and log show."""

    def __init__(self, reason, log_tail='', rc=1, *, interrupted=False):
        """Describe the failure (`interrupted`: the run was stopped)."""
        super().__init__(reason)
        self.interrupted = interrupted
        self.reason = reason
        self.log_tail = log_tail
        self.rc = rc

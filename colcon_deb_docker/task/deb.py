# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The colcon task that turns one package into .deb files in a container.

Registered per package type in the entry point group
:data:`DEB_TASK_GROUP` (see setup.cfg): the ROS build types bloom knows.
Another build type plugs in by registering its own task there.  One build
(one architecture) is a :class:`PackageBuild`; its container's output is
a :class:`BuildOutput`.
"""

import asyncio
from pathlib import Path
import time

from colcon_core.event.output import StderrLine
from colcon_core.location import get_log_path
from colcon_core.logging import colcon_logger
from colcon_core.plugin_system import satisfies_version
from colcon_core.task import TaskExtensionPoint
from colcon_deb_docker.events import DebPackageResult
from colcon_deb_docker.fingerprint import write_stamp
from colcon_deb_docker.plan import assign_version
from colcon_deb_docker.repository.publish_rules import NotReproducible
from colcon_deb_docker.task.build_output import BuildOutput
from colcon_deb_docker.task.package_build import BuildFailed
from colcon_deb_docker.task.package_build import PackageBuild
from colcon_deb_docker.versioning import VersionError

logger = colcon_logger.getChild(__name__)

#: the entry point group of the `deb` task extensions, one per package type
DEB_TASK_GROUP = 'colcon_deb_docker.task.deb'


class DebTask(TaskExtensionPoint):
    """Build one package into .deb files in a fresh container.

    Blocking Docker calls run in the session's thread pool so colcon's
    asyncio executor keeps scheduling other packages.  Container output comes
    back as StdoutLine/StderrLine events, the helpers' structured progress
    lines as JobProgress events, and the outcome as a DebPackageResult
    event (the summary).  Cancellation (Ctrl-C) removes the container
    before the job ends.
    """

    TASK_NAME = 'deb'

    def __init__(self):  # noqa: D107
        super().__init__()
        satisfies_version(TaskExtensionPoint.EXTENSION_POINT_VERSION, '^1.1')
        #: the run's DebSession, set by the verb before the job runs
        self.session = None

    async def deb(self):  # noqa: D102
        result = self.session.results[self.context.pkg.name]
        try:
            return await self._deb(result)
        finally:
            self._record_bloom_ahead(result)
            self.context.put_event_into_queue(DebPackageResult.of(result))

    def _record_bloom_ahead(self, result):
        """Record the package's share of the bloom-ahead container.

        Known once its debian/ was out, which its build waited for.
        """
        bloom_ahead = self.session.bloom_ahead
        share = bloom_ahead.seconds.get(self.context.pkg.name) \
            if bloom_ahead is not None else None
        if share:
            result.steps['bloom-ahead'] = round(share, 3)

    async def _deb(self, result):
        session = self.session
        pkg = self.context.pkg
        started = time.monotonic()
        output = BuildOutput(task=self, result=result)
        if pkg.name in session.blocked:
            return self._fail(result, started, session.blocked[pkg.name], '')
        debs = []
        built = False
        for entry in session.plan.get(pkg.name, []):
            if len(session.architectures) > 1:
                output.prefix = f'{entry.arch}: '
            if entry.action == 'skip':
                debs += [Path(f).name for f in entry.stamp['files']]
                output.progress('skip: up to date (same fingerprint)')
                continue
            result.status = 'building'
            entry_started = time.monotonic()
            try:
                published = await self._build_reproducibly(entry, output)
            except BuildFailed as e:
                if e.interrupted:
                    result.status = result.reason = 'interrupted'
                    return 1
                return self._fail(
                    result, started, output.prefix + e.reason, e.log_tail,
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

    async def _build_reproducibly(self, entry, output):
        """Build and publish.

        A build that does not reproduce the bytes published under its
        version is built again with a new version.
        """
        pkg = self.context.pkg

        def build():
            return PackageBuild(session=self.session, context=self.context,
                                entry=entry, output=output).run()

        try:
            return await build()
        except NotReproducible as e:
            old = entry.version
            try:
                assign_version(
                    session=self.session, planned=entry, now=time.time())
            except VersionError as error:
                raise BuildFailed(f'{e}; {error}') from None
            logger.warning(
                f"'{pkg.name}': {', '.join(e.names)} did not reproduce the "
                f'published bytes of {old}: building it again as '
                f'{entry.version}')
            output.progress(f'version: {entry.version} (the build of {old} '
                            'is not reproducible)')
        # the new container takes the name of the first, whose removal may
        # still be under way in the background
        await asyncio.get_running_loop().run_in_executor(
            None, self.session.wait_for_removals)
        try:
            return await build()
        except NotReproducible as e:
            raise BuildFailed(str(e)) from None

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

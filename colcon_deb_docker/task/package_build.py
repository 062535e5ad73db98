# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""One build: one package, one architecture, one container, then publish.

The container's outputs are copied out through the engine API into a
scratch directory; the repository accepts only the files this build may
produce (:mod:`colcon_deb_docker.repository.publish_rules`), each recorded
with its provenance.
"""

import asyncio
import functools
from pathlib import Path
import shutil
import time

from colcon_core.logging import colcon_logger
from colcon_deb_docker import contract
from colcon_deb_docker.bloom_release_dependencies import encode_dependencies
from colcon_deb_docker.bloom_release_dependencies import \
    METADATA_KEY as BLOOM_RELEASE_KEY
from colcon_deb_docker.errors import ContainerDiskExceeded
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import ContainerTimeout
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.memory_budget import format_size
from colcon_deb_docker.plan import binary_packages
from colcon_deb_docker.provenance import describe_vcs
from colcon_deb_docker.repository.publish_rules import ExpectedOutputs
from colcon_deb_docker.repository.publish_rules import NotReproducible
from colcon_deb_docker.siblings import sibling_debs
from colcon_deb_docker.siblings import sibling_versions

logger = colcon_logger.getChild(__name__)


class BuildFailed(Exception):
    """A package build failed; carries what the summary and log show."""

    def __init__(self, reason, log_tail='', rc=1, *, interrupted=False):
        """Describe the failure (`interrupted`: the run was stopped)."""
        super().__init__(reason)
        self.interrupted = interrupted
        self.reason = reason
        self.log_tail = log_tail
        self.rc = rc


class PackageBuild:
    """Build one package for one architecture and publish its .debs."""

    def __init__(self, *, session, context, entry, output):
        """Describe the build.

        :param context: the colcon TaskContext of the package
        :param entry: its :class:`PlannedPackage` for one architecture
        :param output: the :class:`BuildOutput` its container's lines go to
        """
        self.session = session
        self.pkg = context.pkg
        self.dependencies = context.dependencies
        self.entry = entry
        self.output = output
        self.engine = session.engine_for(entry.arch)
        self.container = None
        output.on_isolate = self._isolate_network
        if session.apt_cache is not None:
            output.on_downloads = self._read_apt_indexes_ahead
        self._loop = None

    def _in_thread(self, func, *args, **kwargs):
        """Run a blocking call in the session threads (an asyncio future)."""
        return asyncio.wrap_future(
            self.session.submit(functools.partial(func, *args, **kwargs)),
            loop=self._loop)

    async def run(self):
        """Build and publish; return the paths of the files in the pool.

        :raises BuildFailed: when the build fails (the reason for the
          summary)
        :raises NotReproducible: when a published file name would get other
          bytes (the caller builds again under a new version)
        """
        session = self.session
        arch = self.entry.arch
        self._loop = asyncio.get_running_loop()
        layout = session.layout
        out_dir = layout.output_dir(self.pkg.name, arch)
        downloads = layout.apt_downloads_dir(self.pkg.name, arch)
        for scratch in (out_dir, downloads):
            shutil.rmtree(scratch, ignore_errors=True)
        self.container = None
        build_started = time.time()
        try:
            await self._generated_debian_dir()
            image = await self._dependency_image()
            if session.memory is None:
                await self._run_container(image, out_dir)
            else:
                async with session.memory.reserve(on_wait=lambda: (
                        self.output.progress(
                            'memory: waiting for '
                            f'{format_size(session.memory.per_job)} of the '
                            'budget'))):
                    await self._run_container(image, out_dir)
            # everything the build left is offered; the repository accepts
            # only the expected files, and a stray one fails the package
            debs = sorted(p for p in out_dir.iterdir())
            if not debs:
                raise BuildFailed('the build produced no .deb')
            return await self._publish(debs, build_started=build_started)
        except asyncio.CancelledError:
            if self.container is not None:
                self.engine.remove(self.container)
            shutil.rmtree(out_dir, ignore_errors=True)  # scratch
            raise
        except NotReproducible:
            raise
        except DebDockerError as e:
            if session.interrupted.is_set():
                # the interrupt handler removed the container under us, while
                # it ran or while its outputs were being copied out (then the
                # engine answers with an error about a container it no
                # longer has)
                shutil.rmtree(out_dir, ignore_errors=True)  # scratch
                raise BuildFailed('interrupted', interrupted=True) from None
            if isinstance(e, ContainerTimeout):
                raise BuildFailed(
                    f'timed out after {e.seconds} s', e.log_tail) from None
            if isinstance(e, ContainerDiskExceeded):
                raise BuildFailed(
                    f'it wrote {format_size(e.used)} into its container, '
                    f'more than {format_size(e.limit)} (--max-disk): a '
                    'runaway or sparse file? It was killed', e.log_tail
                ) from None
            if not isinstance(e, ContainerFailed):
                raise BuildFailed(str(e)) from None
            reason = f'container exited with code {e.exit_code}'
            hint = self.output.evidence.explain(
                e.log_tail, oom_killed=e.oom_killed,
                limit=format_size(session.memory.per_job)
                if session.memory else None)
            raise BuildFailed(
                f'{reason}: {hint}' if hint else reason, e.log_tail,
                e.exit_code) from None
        finally:
            if session.apt_cache is not None and \
                    self.container is not None and \
                    not session.interrupted.is_set():
                await self._in_thread(self._admit_downloads)

    async def _run_container(self, image, out_dir):
        """Create and run the build container until it ends.

        Its output comes back as events while it runs; its whole life is
        timed as the step `container` (for the overhead figures).

        :param image: the image it starts from (None: the builder image)
        :param out_dir: where its outputs are copied to (made here, so that
          a build's scratch exists only while its container does)
        """
        self.output.progress('container: start')
        self.output.start_step('container')
        out_dir.mkdir(parents=True)
        spec = package_container_spec(
            self.session, pkg=self.pkg, entry=self.entry,
            dependencies=self.dependencies, image=image)
        namespaces = self.session.network_namespaces
        holder = None
        try:
            if namespaces is not None:
                holder = await self._in_thread(
                    namespaces.acquire, self.entry.arch)
                spec.network_mode = holder.network_mode
                # its network files, for the entry script to write back
                spec.environment.update(holder.environment)
            self.container = await self._in_thread(self.engine.create, spec)
        except DebDockerError:
            self._release(holder)
            if self.session.interrupted.is_set():
                # the interrupt removed the holder or refuses new ones
                raise asyncio.CancelledError() from None
            raise
        cancelled = False
        try:
            await self._run_created()
        except asyncio.CancelledError:
            # its container may still run: the holder is not lent again
            cancelled = True
            raise
        finally:
            if not cancelled:
                # the container has ended, or run_created removed it: its
                # processes are gone, the next build may have the namespace
                self._release(holder)
        self.output.end_step('container')

    def _release(self, holder):
        """Give the network holder back (not once the run is interrupted)."""
        if holder is not None and not self.session.interrupted.is_set():
            self.session.network_namespaces.release(self.entry.arch, holder)

    async def _run_created(self):
        """Run the created build container until it ends."""
        if self.session.interrupted.is_set():
            # created after the interrupt removed the run's containers
            await self._in_thread(self.engine.remove, self.container)
            raise asyncio.CancelledError()
        priority = self.session.cpu_priority
        key = (self.pkg.name, self.entry.arch)
        try:
            await self._in_thread(
                self.engine.run_created, self.container,
                on_line=self.output.on_line, timeout=self.session.timeout,
                max_disk=self.session.max_disk,
                remove_later=self.session.remove_later,
                skip_download=self._nothing_downloaded,
                on_started=None if priority is None else functools.partial(
                    priority.started, key, self.pkg.name))
        finally:
            if priority is not None:
                # the weights of the builds beside it, in the background
                try:
                    self.session.submit(
                        functools.partial(priority.ended, key))
                except RuntimeError:
                    pass  # the run's threads are shut down: it is ending
            self.output.flush()

    def _nothing_downloaded(self, download):
        """Return whether `download` is apt's archives and apt fetched none.

        Most builds install from dependency images and sibling .debs: the
        copy of apt's archives would bring back nothing.
        """
        return download.container_path == contract.APT_ARCHIVES and \
            self.output.apt_downloads == 0

    async def _generated_debian_dir(self):
        """Wait for the debian/ bloom generates ahead, while it does.

        bloom runs beside the first builds (see bloom_ahead.py); a build
        whose debian/ is not out yet waits for it, not for the others (the
        step `bloom-ahead-wait`; the package's share of that container is
        the step `bloom-ahead`).
        """
        bloom_ahead = self.session.bloom_ahead
        if bloom_ahead is None or not bloom_ahead.pending(self.pkg.name):
            return
        self.output.progress('bloom-ahead: waiting for its debian/')
        self.output.start_step('bloom-ahead-wait')
        await self._in_thread(bloom_ahead.wait_for, self.pkg.name)
        self.output.end_step('bloom-ahead-wait')

    async def _dependency_image(self):
        """Return the image holding the build's system dependencies.

        Made now when no build made it before (timed as the step
        `dependency-image`); None for the builder image.
        """
        images = self.session.dependency_images
        if images is None:
            return None
        self.output.progress('dependency-image: start')
        self.output.start_step('dependency-image')
        image = await self._in_thread(
            images.image_for, package_name=self.pkg.name,
            arch=self.entry.arch,
            on_line=lambda line: self.output.emit(line, is_stderr=False))
        self.output.end_step('dependency-image')
        self.output.progress(f'dependency-image: {image}')
        return image

    def _read_apt_indexes_ahead(self):
        """Have the verified cache read its indexes while the build compiles.

        apt downloaded archives, which the cache admits once the build
        ended (see :meth:`VerifiedAptCache.read_ahead`).
        """
        try:
            self.session.apt_cache.read_ahead(self.session.submit)
        except RuntimeError:
            pass  # the run's threads are shut down: it is ending

    def _isolate_network(self):
        """Disconnect the running container (--isolate-network)."""
        names = self.engine.disconnect_networks(self.container)
        logger.info(
            f"'{self.pkg.name}': disconnected from "
            f"{', '.join(names) or 'no network'}")

    async def _publish(self, debs, *, build_started):
        """Offer the build's files to the repository; return the pool paths."""
        self.output.progress('publish: start')
        self.output.start_step('publish')
        published = await self._in_thread(
            publish_build, self.session, pkg=self.pkg, entry=self.entry,
            debs=debs, build_started=build_started)
        self.output.end_step('publish')
        return published

    def _admit_downloads(self):
        """Offer the container's apt downloads to the verified cache.

        A cache that cannot be written costs speed, never the build.
        """
        session = self.session
        try:
            session.apt_cache.admit(session.layout.apt_downloads_dir(
                self.pkg.name, self.entry.arch))
        except OSError as e:
            logger.warning(f'apt cache not updated: {e}')


def publish_build(session, *, pkg, entry, debs, build_started):
    """Publish one build's files; return their paths in the pool (blocking).

    Only the expected files are accepted (see publish_rules.py), each
    recorded with its provenance.
    """
    return session.repository.publish(
        debs=debs,
        expected=ExpectedOutputs(
            packages=binary_packages(session=session, planned=entry),
            version=entry.version, architecture=entry.arch,
            siblings={
                debian_name: sorted(makers - {pkg.name})[0]
                for debian_name, makers
                in session.workspace_debian_names.items()
                if makers - {pkg.name}}),
        provenance={
            'ros_package': pkg.name,
            'fingerprint': entry.fingerprint,
            'source_date_epoch': entry.source_date_epoch,
            'vcs': entry.vcs,
            'builder_image': session.builders[entry.arch].tag,
            # what the fingerprint counted of it ('' : the tag)
            'builder_content': session.builders[entry.arch].content,
            'build_started': _iso(build_started),
            'build_finished': _iso(time.time()),
        },
        rosdep_keys={pkg.name: session.debian_name(pkg.name)})


def _iso(seconds):
    """Return a UTC time as ISO 8601 (the manifest's build times)."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def package_container_spec(session, *, pkg, entry, dependencies,
                           image=None):
    """Describe the container that builds `pkg` for `entry.arch`.

    :param dependencies: the names of its workspace dependencies
    :param image: the image it starts from (None: the builder image)
    """
    return session.specs.package(
        package_name=pkg.name, source_path=Path(pkg.path).resolve(),
        sibling_debs=sibling_debs(session, pkg.name, entry.arch),
        arch=entry.arch,
        architecture_independent=entry.architecture_independent,
        version=entry.version, source_date_epoch=entry.source_date_epoch,
        vcs_text=describe_vcs(entry.vcs),
        sibling_versions=sibling_versions(session, dependencies, entry.arch),
        bloom_release_depends=encode_dependencies(
            pkg.metadata.get(BLOOM_RELEASE_KEY, ())), image=image)

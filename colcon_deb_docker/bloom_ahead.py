# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The bloom step ahead of the builds, kept by its inputs.

Run in each package's container, `bloom-generate rosdebian` costs about a
second of Python start-up and rosdep loading per package, on every build,
even when nothing bloom reads has changed.  bloom reads only a few files of
a package (package.xml, CHANGELOG.rst, setup.cfg of an ament_python
package, license files package.xml names) and the rosdep resolution of its
keys.  So after the rosdep pre-check the host copies those files (nothing
else of the package) into one container of the builder image, where bloom
generates the debian/ of every package in one process; no workspace code
runs there.  The host admits what comes back (regular files under
``debian/`` with plain names, see :func:`admit_debian_dir`) and keeps it
under a key of everything bloom's output depends on (:func:`cache_key`).
A build whose key is kept gets that debian/ read-only and copies it; a
package bloom could not generate ahead runs bloom in its own container as
before, and fails there with bloom's own message.

The container runs beside the builds, not before them: bloom generates in
the order the jobs start, says when a package's debian/ is complete, and
the host copies that one out of the running container there and then, so
a build waits only for its own debian/.
"""

import concurrent.futures
from dataclasses import dataclass
import functools
import hashlib
import json
import os
from pathlib import Path
import re
import shutil
import stat
import threading
import time

from catkin_pkg.package import parse_package
from colcon_core.logging import colcon_logger
from colcon_deb_docker import contract
from colcon_deb_docker.bloom_release_dependencies import encode_dependencies
from colcon_deb_docker.bloom_release_dependencies import \
    METADATA_KEY as BLOOM_RELEASE_KEY
from colcon_deb_docker.container_archives import copy_out
from colcon_deb_docker.container_spec import Download
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.package_checks import BLOOM_BUILD_TYPES
from colcon_deb_docker.progress import log_lines
from colcon_deb_docker.progress import parse_progress_line

logger = colcon_logger.getChild(__name__)

#: the helpers whose code makes bloom's output (part of every key)
GENERATOR_HELPERS = ('bloom-rosdebian.py', 'bloom-ahead.py',
                     'generate-debian-ahead.sh')
#: a file bloom reads may be at most this big (package.xml included)
MAX_INPUT_SIZE = 1 << 20
#: what a generated debian/ may hold: few, small, plainly named files
MAX_DEBIAN_FILES = 64
MAX_DEBIAN_SIZE = 1 << 20
PLAIN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+-]*$')


@dataclass
class BloomJob:
    """One package whose debian/ bloom generates ahead."""

    name: str
    #: {relative path: bytes} of the files bloom reads
    inputs: dict
    release_depends: str
    arch_all: bool
    key: str = ''


def bloom_inputs(package_path):
    """Return {relative path: bytes} of the files bloom reads of a package.

    None for a build type bloom does not know, or when one of them may not
    be read: a path that leaves the package
    directory (after symbolic links), a file that is not regular or is over
    :data:`MAX_INPUT_SIZE` (bloom then runs in the package's own container,
    where such a path reaches nothing of the host).
    """
    root = Path(package_path).resolve()
    package = parse_package(str(root / 'package.xml'))
    if package.get_build_type() not in BLOOM_BUILD_TYPES:
        return None
    required = ['package.xml'] + [
        f for f in (getattr(lic, 'file', None) for lic in package.licenses)
        if f]
    optional = ['CHANGELOG.rst']
    if package.get_build_type() == 'ament_python':
        optional.append('setup.cfg')
    inputs = {}
    for name in required + optional:
        relative = os.path.normpath(name)
        if os.path.isabs(relative) or relative.split(os.sep)[0] == '..':
            return None
        path = root / relative
        if name in optional and not os.path.lexists(path):
            continue
        content = _read_inside(root, path)
        if content is None:
            return None
        inputs[relative] = content
    return inputs


def _read_inside(root, path):
    """Return the bytes of a regular file inside `root`, else None."""
    try:
        resolved = path.resolve(strict=True)
        resolved.relative_to(root)
        status = os.stat(resolved)
    except (OSError, ValueError, RuntimeError):
        return None
    if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_INPUT_SIZE:
        return None
    try:
        return resolved.read_bytes()
    except OSError:
        return None


def cache_key(*, job, resolutions, context):
    """Return the key of everything a package's generated debian/ depends on.

    :param resolutions: the pre-check's resolution of the package's keys
    :param context: what all packages of the run share (builder image,
      distribution, apt sources, the generator's code)
    """
    digest = hashlib.sha256()
    digest.update(json.dumps({
        'context': context,
        'inputs': {name: hashlib.sha256(data).hexdigest()
                   for name, data in sorted(job.inputs.items())},
        'resolutions': resolutions,
        'release_depends': job.release_depends,
        'arch_all': job.arch_all,
    }, sort_keys=True).encode())
    return digest.hexdigest()[:32]


def admit_debian_dir(source, target):
    """Copy a generated debian/ that the host accepts; return success.

    Regular files and directories only, plain names, at most
    :data:`MAX_DEBIAN_FILES` files of :data:`MAX_DEBIAN_SIZE` bytes
    together, two levels deep (``debian/source/format``).
    """
    source = Path(source)
    files = []
    for path in source.rglob('*'):
        relative = path.relative_to(source)
        if len(relative.parts) > 2 or not all(
                PLAIN_NAME.match(part) for part in relative.parts):
            return False
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            return False
        if path.is_file():
            files.append((relative, path))
    if not files or len(files) > MAX_DEBIAN_FILES or sum(
            p.stat().st_size for _, p in files) > MAX_DEBIAN_SIZE:
        return False
    if not (source / 'control').is_file() or \
            not (source / 'rules').is_file():
        return False
    tmp = target.with_name(f'.{target.name}.tmp')
    shutil.rmtree(tmp, ignore_errors=True)
    for relative, path in files:
        destination = tmp / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        destination.chmod(0o755 if path.stat().st_mode & 0o100 else 0o644)
    # readable by the build user of later containers whatever the host's
    # umask (a CI job's 077 included)
    for directory in [tmp, *(p for p in tmp.rglob('*') if p.is_dir())]:
        directory.chmod(0o755)
    os.replace(tmp, target)
    return True


class BloomAhead:
    """The debian/ directories of one distribution's builds, made ahead."""

    def __init__(self, session):  # noqa: D107
        self.session = session
        self.root = session.layout.build_base / session.layout.codename / \
            '.bloom'
        self._dirs = {}
        #: {package: seconds}: its share of the container that generated
        #: its debian/ in this run (the report's step `bloom-ahead`): the
        #: time from the package before it (the first: from the
        #: container's start) until its own debian/ was out
        self.seconds = {}
        #: {package: threading.Event}: set once its debian/ is known
        #: (generated and admitted, or not generated)
        self._pending = {}
        #: the background generation (a future), None when none runs
        self._generating = None

    def debian_dir(self, package_name):
        """Return the generated debian/ of a package (None: bloom runs).

        Final only once :meth:`wait_for` returned for that package.
        """
        return self._dirs.get(package_name)

    def pending(self, package_name):
        """Return whether the package's debian/ is still being generated."""
        event = self._pending.get(package_name)
        return event is not None and not event.is_set()

    def wait_for(self, package_name):
        """Wait until the package's debian/ is known; return it (blocking).

        None: bloom could not generate it ahead (its build runs bloom).
        """
        event = self._pending.get(package_name)
        if event is not None:
            event.wait()
        return self._dirs.get(package_name)

    def wait(self, timeout=None):
        """Wait up to `timeout` seconds for the generation under way."""
        if self._generating is not None:
            concurrent.futures.wait([self._generating], timeout=timeout)

    def _context(self):
        session = self.session
        helpers = hashlib.sha256()
        for name in GENERATOR_HELPERS:
            helpers.update((session.helpers_dir / name).read_bytes())
        return {
            'format': 1,
            'builder': session.builder.tag,
            'ros_distro': session.ros_distro,
            'os': [session.builder.os_name, session.builder.os_codename],
            'apt_sources': [str(s) for s in session.apt_sources],
            'helpers': helpers.hexdigest(),
        }

    def jobs(self, *, planned, descriptors):
        """Return a :class:`BloomJob` per planned package bloom generates.

        Not for a package with its own debian/ or a --debian-overrides one,
        nor one whose inputs may not be read (see :func:`bloom_inputs`).
        """
        session = self.session
        jobs = []
        for entry in planned:
            pkg = descriptors[entry.name]
            if (Path(pkg.path) / 'debian').exists():
                continue
            if session.debian_overrides is not None and (
                    session.debian_overrides / entry.name / 'debian'
            ).is_dir():
                continue
            try:
                inputs = bloom_inputs(pkg.path)
            except Exception as e:  # noqa: B902 (catkin_pkg raises many)
                logger.debug(f"'{entry.name}': not generated ahead: {e}")
                continue
            if inputs is None:
                logger.info(
                    f"'{entry.name}': bloom runs in its container: a file "
                    'bloom reads is not a regular file inside the package')
                continue
            jobs.append(BloomJob(
                name=entry.name, inputs=inputs,
                release_depends=encode_dependencies(
                    pkg.metadata.get(BLOOM_RELEASE_KEY, ())),
                arch_all=bool(entry.architecture_independent)))
        return jobs

    def prepare(self, *, check, planned, descriptors, order=()):
        """Find the kept debian/ of every planned package; start the rest.

        The others are generated in the background (see :meth:`wait_for`).

        :param check: the run's :class:`RosdepCheck`
        :param planned: one PlannedPackage per package to build
        :param order: the package names in the order their jobs start:
          bloom generates in that order, so the first builds wait least
        :returns: how many are being generated now (not counting those
          kept from an earlier run)
        """
        context = self._context()
        missing = []
        for job in self.jobs(planned=planned, descriptors=descriptors):
            job.key = cache_key(
                job=job, resolutions=check.packages.get(job.name, {}),
                context=context)
            kept = self.root / job.name / job.key / 'debian'
            if kept.is_dir():
                self._dirs[job.name] = kept
            else:
                missing.append(job)
        if missing:
            rank = {name: index for index, name in enumerate(order)}
            missing.sort(key=lambda job: rank.get(job.name, len(rank)))
            self._pending = {job.name: threading.Event() for job in missing}
            self._generating = self.session.submit(
                functools.partial(self._generate, missing))
        return len(missing)

    def _generate(self, jobs):
        """Run bloom for `jobs` in one container, keeping what it makes.

        Every package's wait ends here, whatever happens: with its debian/
        when bloom made it and the host admitted it, else without.
        """
        session = self.session
        inputs = self.root / '.inputs'
        out = self.root / '.out'
        started = time.monotonic()
        try:
            for scratch in (inputs, out):
                shutil.rmtree(scratch, ignore_errors=True)
            for job in jobs:
                for name, data in job.inputs.items():
                    path = inputs / job.name / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
            (inputs / 'jobs.json').write_text(json.dumps({'packages': [
                {'name': j.name, 'release_depends': j.release_depends,
                 'arch_all': j.arch_all} for j in jobs]}))
            # readable by the build user (the stand-in when the host is root)
            for path in [inputs, *inputs.rglob('*')]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            self._run(jobs, inputs=inputs, out=out, started=started)
        except Exception as e:  # noqa: B902
            # never the run's failure: the builds run bloom themselves
            logger.warning(f'bloom could not generate ahead: {e}')
        finally:
            for event in self._pending.values():
                event.set()
            for scratch in (inputs, out):
                shutil.rmtree(scratch, ignore_errors=True)
        generated = sum(job.name in self._dirs for job in jobs)
        if generated and not session.interrupted.is_set():
            logger.info(
                f'bloom generated {generated} debian/ beside the builds in '
                f'{time.monotonic() - started:.1f} s')

    def _run(self, jobs, *, inputs, out, started):
        """Run the container; take each debian/ as bloom announces it."""
        session = self.session
        by_name = {job.name: job for job in jobs}
        engine = session.engine_for(None)
        container = engine.create(session.specs.bloom_ahead(inputs=inputs))
        log = log_lines(logger, 'bloom ahead')
        previous = [started]

        def on_line(line, is_stderr):
            log(line, is_stderr)
            event = parse_progress_line(line)
            if event is None or event.step != 'bloom-ahead' or \
                    event.status not in ('generated', 'failed'):
                return
            # a name the host sent, never a path from the container
            job = by_name.get(event.message.split(':', 1)[0])
            if job is None or not self.pending(job.name):
                return
            try:
                if event.status == 'generated':
                    now = time.monotonic()
                    self.seconds[job.name] = now - previous[0]
                    previous[0] = now
                    self._take(container, job, out)
            finally:
                self._pending[job.name].set()

        try:
            engine.run_created(
                container, on_line=on_line, timeout=session.timeout,
                remove_later=session.remove_later)
        except ContainerFailed as e:
            if not session.interrupted.is_set():
                # the builds run bloom themselves and report the cause
                logger.warning(
                    'bloom could not generate ahead (exit code '
                    f'{e.exit_code}); each build left runs it:\n'
                    f'{e.log_tail}')

    def _take(self, container, job, out):
        """Copy one debian/ out of the running container and admit it.

        Kept under the package's key (one key per package); a debian/ that
        cannot be copied or is refused leaves the package to run bloom in
        its own build.
        """
        scratch = out / job.name / 'debian'
        try:
            # admit_debian_dir counts the files; the tar adds headers
            copy_out(container, Download(
                f'{contract.OUT}/{job.name}/debian', str(scratch),
                limit=2 * MAX_DEBIAN_SIZE))
        except DebDockerError as e:
            if not self.session.interrupted.is_set():
                logger.warning(f"'{job.name}': {e}; its build runs bloom")
            return
        package_root = self.root / job.name
        target = package_root / job.key / 'debian'
        target.parent.mkdir(parents=True, exist_ok=True)
        if not admit_debian_dir(scratch, target):
            if not self.session.interrupted.is_set():
                logger.warning(
                    f"'{job.name}': refusing the debian/ bloom generated "
                    'ahead (not plain files); its build runs bloom')
            return
        # one kept key per package: the older ones can never match
        for old in package_root.iterdir():
            if old.name != job.key:
                shutil.rmtree(old, ignore_errors=True)
        self._dirs[job.name] = target

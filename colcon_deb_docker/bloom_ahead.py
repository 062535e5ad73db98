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
"""

from dataclasses import dataclass
import hashlib
import json
import os
from pathlib import Path
import re
import shutil
import stat
import time

from catkin_pkg.package import parse_package
from colcon_core.logging import colcon_logger
from colcon_deb_docker.bloom_release_dependencies import encode_dependencies
from colcon_deb_docker.bloom_release_dependencies import \
    METADATA_KEY as BLOOM_RELEASE_KEY
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.package_checks import BLOOM_BUILD_TYPES
from colcon_deb_docker.progress import log_lines

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
        #: its debian/ in this run (the report's step `bloom-ahead`)
        self.seconds = {}

    def debian_dir(self, package_name):
        """Return the generated debian/ of a package (None: bloom runs)."""
        return self._dirs.get(package_name)

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

    def prepare(self, *, check, planned, descriptors):
        """Find or generate the debian/ of every planned bloom package.

        :param check: the run's :class:`RosdepCheck`
        :param planned: one PlannedPackage per package to build
        :returns: how many were generated now (not counting those kept
          from an earlier run)
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
            self._generate(missing)
        return sum(job.name in self._dirs for job in missing)

    def _generate(self, jobs):
        """Run bloom for `jobs` in one container and keep what it made."""
        session = self.session
        inputs = self.root / '.inputs'
        out = self.root / '.out'
        for scratch in (inputs, out):
            shutil.rmtree(scratch, ignore_errors=True)
        try:
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

            started = time.monotonic()
            try:
                session.engine_for(None).run(
                    session.specs.bloom_ahead(inputs=inputs, out=out),
                    on_line=log_lines(logger, 'bloom ahead'),
                    timeout=session.timeout)
            except ContainerFailed as e:
                # the builds run bloom themselves and report the cause
                logger.warning(
                    'bloom could not generate ahead (exit code '
                    f'{e.exit_code}); each build runs it:\n{e.log_tail}')
                return
            except DebDockerError as e:
                logger.warning(f'bloom could not generate ahead: {e}')
                return
            self._keep(jobs, out, seconds=time.monotonic() - started)
        finally:
            for scratch in (inputs, out):
                shutil.rmtree(scratch, ignore_errors=True)

    def _keep(self, jobs, out, *, seconds):
        """Admit each generated debian/ under its key (one per package).

        :param seconds: how long the container took (shared out)
        """
        try:
            results = json.loads((out / 'results.json').read_text())
        except (OSError, ValueError):
            results = {}
        own = {j.name: float((results.get(j.name) or {}).get('seconds', 0))
               for j in jobs}
        overhead = max(seconds - sum(own.values()), 0) / len(jobs)
        for name, value in own.items():
            self.seconds[name] = value + overhead
        for job in jobs:
            if (results.get(job.name) or {}).get('status') != 'done':
                continue
            package_root = self.root / job.name
            target = package_root / job.key / 'debian'
            target.parent.mkdir(parents=True, exist_ok=True)
            if not admit_debian_dir(out / job.name / 'debian', target):
                logger.warning(
                    f"'{job.name}': refusing the debian/ bloom generated "
                    'ahead (not plain files); its build runs bloom')
                continue
            # one kept key per package: the older ones can never match
            for old in package_root.iterdir():
                if old.name != job.key:
                    shutil.rmtree(old, ignore_errors=True)
            self._dirs[job.name] = target

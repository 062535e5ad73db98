# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""An image per exact set of system build dependencies, made once.

A package's build needs Debian packages that are not in the workspace
(cmake, libfmt-dev ...): the ones its build keys resolve to, and the ones
its workspace dependencies need at run time.  The rosdep pre-check already
resolved every key, so the host knows that set before the build starts.
A set that several builds of the run share, or that an earlier run needed
too, is installed once into an image
(an image build: ``FROM`` the builder, one ``RUN apt-get install``), tagged
``colcon-deb-deps:<hash>`` of the builder image (itself content-addressed),
the architecture and the set, made ahead of the builds or by the first one
that needs it; every build needing exactly that set, in this run or a later
one, starts from it.  The clean room
stays: an image holds exactly one set, never the union of several packages'
needs, and no workspace code ever runs where an image is made (the
workspace's own packages are never part of one).

A run with --apt-source underlays makes its images too (a workspace built
on an existing ROS repository installs the same large closure, rclcpp's,
in every build otherwise): in a container of the builder image with the
underlays mounted, committed when the set is installed, since an image
build cannot mount a file: underlay.  Their tag counts the underlays'
state (:func:`~colcon_deb_docker.apt_sources.underlays_now`): a
republished underlay gets new images.  A commit keeps a container's
environment and what was written to its filesystem, so that container
gets neither: the proxy settings, and on a remote engine its uploads, go
into engine volumes of the container, which a commit does not keep
(:meth:`~colcon_deb_docker.container_specs.ContainerSpecs.dependency_set`).
An image build gets the proxy settings as docker's predefined build
arguments, which neither the image nor its history keeps.
"""

from collections import Counter
import concurrent.futures
import functools
import hashlib
import json
import re
import threading

from colcon_core.logging import colcon_logger
from colcon_deb_docker.apt_sources import underlays_now
from colcon_deb_docker.builder_image import build_image
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.container_spec import LABEL_TOOL
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.failure_hints import explain_image_failure
from colcon_deb_docker.platforms import docker_platform
from colcon_deb_docker.rosdep_check import package_keys

logger = colcon_logger.getChild(__name__)

IMAGE_REPOSITORY = 'colcon-deb-deps'
#: label of a dependency image: the packages it holds
LABEL_PACKAGES = 'io.colcon-deb-docker.dependency-set'

#: a Debian package name (Policy 5.6.7), optionally with an architecture
_DEBIAN_NAME = re.compile(r'^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$')

#: what bloom's debian/control template of a build type adds by name
TEMPLATE_BUILD_DEPENDS = {
    'ros.ament_python': ('python3-all', 'python3-setuptools', 'dh-python'),
}

#: what a package's own build needs
BUILD_ATTRIBUTES = ('build_depends', 'buildtool_depends')
#: what a workspace dependency brings along at build time
RUN_ATTRIBUTES = (
    'build_export_depends', 'buildtool_export_depends', 'exec_depends')


def system_build_set(*, resolved, keys, workspace):
    """Return the sorted Debian packages of `keys` that are not workspace's.

    :param resolved: {key: [Debian package, ...]} of the rosdep check
    :param workspace: the workspace's package names (they are siblings,
      installed from their .debs, never part of an image)
    """
    return sorted({
        name for key in keys if key not in workspace
        for name in resolved.get(key, {}).get('resolved', ())})


class DependencyImages:
    """The dependency images of one session, made on first use."""

    def __init__(self, session):  # noqa: D107
        self.session = session
        self._locks = {}
        #: architecture -> the packages its builder image has installed
        self._installed = {}
        self._shared = {}
        self._guard = threading.Lock()
        #: the tags that could not be made in this run (not tried again)
        self._failed = set()
        #: set when the jobs ended: nothing more is made ahead
        self._stopped = threading.Event()
        #: the ahead pass in the session's threads (see :meth:`start_ahead`)
        self._ahead = None
        #: package -> the sorted system packages of its build (known ones)
        self.sets = {}
        #: the sets this run remembered first (see :meth:`_seen_before`)
        self._remembered_now = set()
        #: the digest of the underlays' state, '' without underlays, None
        #: when no image can be made with them (see :meth:`_underlays`)
        self._underlay_state = ...

    def plan(self, *, check, descriptors, with_tests=False):
        """Compute each package's set from the rosdep pre-check.

        :param check: the :class:`RosdepCheck` of the packages to build
          and of their workspace dependencies not built in this run; a
          workspace dependency it did not cover adds nothing here (its
          build installs what is missing, as without an image)
        :param descriptors: {name: package descriptor} of the workspace
        """
        session = self.session
        workspace = set(descriptors)
        build = BUILD_ATTRIBUTES + (('test_depends',) if with_tests else ())

        parsed = {}

        def keys_of(name, attributes):
            # a package.xml is read once per list, not once per dependent
            if (name, attributes) not in parsed:
                parsed[name, attributes] = package_keys(
                    package_xml=descriptors[name].path / 'package.xml',
                    ros_distro=session.ros_distro, attributes=attributes)
            return parsed[name, attributes]

        for name in check.packages:
            # whose keys: its own build keys, its workspace dependencies'
            # run keys (each resolved by the check of its owner)
            keys = {name: keys_of(name, build)}
            for dependency in session.build_closure.get(name, ()):
                if check.resolution(dependency) is not None:
                    keys[dependency] = keys_of(dependency, RUN_ATTRIBUTES)
            packages = set(TEMPLATE_BUILD_DEPENDS.get(
                descriptors[name].type, ()))
            for owner, owner_keys in keys.items():
                packages.update(system_build_set(
                    resolved=check.resolution(owner), keys=owner_keys,
                    workspace=workspace))
            self.sets[name] = sorted(packages)
        #: (arch, set) -> how many builds of the run need it
        self._shared = Counter(
            (planned.arch, tuple(self.sets[name]))
            for name in check.packages
            for planned in session.plan.get(name, ())
            if planned.action == 'build')

    def prepare_ahead(self, *, order):
        """Make the run's images before the builds that need them (blocking).

        One at a time, in job order, while the first builds run: a
        workspace's graph is narrow at its start (one root package), so a
        core is idle then.  A build that needs an image being made waits
        for it instead of making it twice; one that needs another makes
        that one itself.
        """
        session = self.session
        try:
            for name in order:
                for planned in session.plan.get(name, []):
                    if session.interrupted.is_set() or \
                            self._stopped.is_set():
                        return
                    if planned.action == 'build':
                        self.image_for(package_name=name, arch=planned.arch)
        except DebDockerError as e:
            logger.info(f'dependency images not made ahead: {e}')

    def start_ahead(self, *, order):
        """Run :meth:`prepare_ahead` in the session's threads."""
        self._ahead = self.session.submit(
            functools.partial(self.prepare_ahead, order=order))

    def stop(self, *, wait=0.0):
        """Make nothing more ahead (the jobs ended, e.g. one failed).

        :param wait: seconds to give the step under way to end: a run that
          ended early (its builds blocked) must not find that step's
          container still running and report it as left behind
        """
        self._stopped.set()
        if self._ahead is not None and wait:
            concurrent.futures.wait([self._ahead], timeout=wait)

    def tag(self, *, arch, packages):
        """Return the tag of the image holding `packages` on `arch`."""
        session = self.session
        state = {'underlays': self._underlays()} if session.apt_sources \
            else {}
        key = json.dumps({
            'builder': session.builders[arch].tag, 'arch': arch,
            'packages': sorted(packages), **state}, sort_keys=True)
        return f'{IMAGE_REPOSITORY}:' + \
            hashlib.sha256(key.encode()).hexdigest()[:16]

    def image_for(self, *, package_name, arch, on_line=None):
        """Return the image a package's build starts from (blocking).

        The builder image when the package needs no system package, its
        set is unknown, or the run's underlays allow no image (see the
        module); otherwise the dependency image: an existing one, or one
        made now when the set is shared by several builds of this run or
        was needed by an earlier run (making an image costs more than one
        build installing the set itself, so a set only one build needs
        gets an image the second time it is needed, then serves every
        later run; until then its build starts from the image of the
        largest shared set within its own, if any, and installs only the
        rest).
        A set that cannot be installed is not this step's failure:
        the build starts from the builder image and says why itself.
        """
        session = self.session
        builder = session.builders[arch].tag
        packages = self.sets.get(package_name)
        if not packages or not all(
                _DEBIAN_NAME.match(p) for p in packages):
            return builder
        if session.apt_sources and self._underlays() is None:
            return builder
        engine = session.engine_for(arch)
        with self._lock_of(arch):
            if arch not in self._installed:
                self._installed[arch] = self._installed_packages(
                    engine=engine, image=builder)
        packages = [p for p in packages
                    if p.split(':')[0] not in self._installed[arch]]
        if not packages:
            return builder
        tag = self.tag(arch=arch, packages=packages)
        with self._lock_of(tag):
            own = engine.has_image(tag) or self._shared.get(
                (arch, tuple(self.sets[package_name])), 0) >= 2 or \
                self._seen_before(tag)
        if not own:
            # its own image would cost more than installing the set in the
            # build's container; an image of a part of it, which other
            # builds share, leaves that install only the rest
            packages = self._largest_shared_part(
                arch=arch, packages=packages)
            if not packages:
                return builder
            tag = self.tag(arch=arch, packages=packages)
        return self._made(
            engine=engine, arch=arch, tag=tag, packages=packages,
            builder=builder, package_name=package_name, on_line=on_line)

    def _lock_of(self, key):
        """Return the lock of an image tag, or of an architecture's listing.

        Held while deciding on or making that image (or listing what that
        architecture's builder image has): one thread does it, the others
        wait and reuse.
        """
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _largest_shared_part(self, *, arch, packages):
        """Return the largest set shared by builds that `packages` contains.

        A part or all of it (two builds' sets can differ only by what the
        builder image has): a build starting from it still gets exactly
        its own set (the rest is installed in its container), never a
        package of another build's set.  Sorted, without what the builder
        image has; empty when no shared set is a part of `packages`.
        """
        wanted = set(packages)
        parts = []
        for (set_arch, names), count in self._shared.items():
            part = sorted(p for p in names
                          if p.split(':')[0] not in self._installed[arch])
            if set_arch == arch and count >= 2 and part and \
                    set(part) <= wanted and all(
                        _DEBIAN_NAME.match(p) for p in part):
                parts.append(part)
        # the largest, then the first by name: every run picks the same
        return min(parts, key=lambda part: (-len(part), part), default=[])

    def _underlays(self):
        """Return the digest of the run's underlays' state, once.

        '' without underlays; None when images cannot be made with them:
        a Release file that cannot be read (then nobody can tell an
        image's packages current).
        """
        session = self.session
        with self._guard:
            if self._underlay_state is not ...:
                return self._underlay_state
            state = ''
            if session.apt_sources:
                try:
                    state = underlays_now(session.apt_sources)
                except OSError as e:
                    logger.warning(
                        'no dependency images with the underlays: cannot '
                        f'read the Release file of one ({e})')
                    state = None
            self._underlay_state = state
            return state

    def _made(self, *, engine, arch, tag, packages, builder, package_name,
              on_line):
        """Return `tag`, made now unless it exists (blocking)."""
        with self._lock_of(tag):
            if engine.has_image(tag):
                return tag
            if tag in self._failed:
                return builder
            try:
                if self.session.apt_sources:
                    self._commit_set(engine=engine, arch=arch, tag=tag,
                                     packages=packages, on_line=on_line)
                else:
                    build_image(
                        engine=engine, tag=tag,
                        platform=docker_platform(arch), on_line=on_line,
                        build_arguments=self.session.host_environment,
                        files={'Dockerfile': dockerfile(
                            builder=builder, packages=packages).encode()})
            except DebDockerError as e:
                # said once: the other builds of the set, and the ahead
                # pass's asking again, go to the builder image quietly
                if tag not in self._failed:
                    self._failed.add(tag)
                    cause = explain_image_failure(
                        getattr(e, 'log_tail', None) or str(e))
                    logger.warning(
                        f"'{package_name}': no dependency image for "
                        f"{' '.join(packages)} ({cause}): building from the "
                        'builder image')
                return builder
        return tag

    def _commit_set(self, *, engine, arch, tag, packages, on_line):
        """Make the image of a set with the underlays mounted.

        :raises DebDockerError: when the set does not install
        """
        session = self.session
        spec = session.specs.dependency_set(
            arch=arch, packages=packages,
            name=f"colcon-deb-{session.run_id}-deps-{tag.split(':')[1]}")
        # the engine hands over the removal of a container that ended by
        # itself: kept until committed
        ended = []
        container = engine.create(spec)
        try:
            engine.run_created(
                container, timeout=session.timeout,
                on_line=on_line and (lambda line, _: on_line(line)),
                remove_later=ended.append)
        except ContainerFailed as e:
            raise DebDockerError(
                f'the set does not install:\n{e.log_tail}') from None
        try:
            engine.commit(container, tag=tag, changes=[
                f'LABEL {LABEL_TOOL}=1',
                f"LABEL {LABEL_PACKAGES}=\"{' '.join(packages)}\"",
                'CMD ["bash"]'])
        finally:
            for remove in ended:
                remove()

    def _seen_before(self, tag):
        """Return whether an earlier run built with the set of `tag`.

        The first time, remember it: a set needed again in a later run is
        worth its image (most sets recur: every rebuild of the package).
        What this run remembered does not count: the ahead pass asks for
        every build's image before the build itself does.
        """
        name = tag.split(':', 1)[1]
        with self._guard:
            if name in self._remembered_now:
                return False
        mark = self.session.layout.build_base / '.dependency-sets' / name
        if mark.exists():
            return True
        try:
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()
        except OSError as e:
            logger.debug(f'dependency set not remembered: {e}')
        with self._guard:
            self._remembered_now.add(name)
        return False

    def _installed_packages(self, *, engine, image):
        """Return the packages an image has installed, kept by image id.

        An image never changes under its id, so one container lists them
        once per builder image, not once per run.
        """
        session = self.session
        kept = session.layout.build_base / '.builder-packages' / (
            engine.image_id(image).replace('sha256:', '') + '.txt')
        try:
            return set(kept.read_text().split())
        except OSError:
            pass
        names = installed_packages(
            engine=engine, image=image, labels=session.labels)
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f'.{kept.name}.tmp')
        tmp.write_text(''.join(f'{name}\n' for name in sorted(names)))
        tmp.replace(kept)
        return names


def installed_packages(*, engine, image, labels):
    """Return the names of the packages an image has installed.

    :param labels: the run's labels: a killed run's container is found
    """
    lines = []
    engine.run(ContainerSpec(
        image=image, network_mode='none', labels=labels, command=[
            'dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Package}\\n']),
        on_line=lambda line, _: lines.append(line))
    return {line.split()[1] for line in lines
            if line.startswith('ii ') and len(line.split()) == 2}


def dockerfile(*, builder, packages):
    """Return the recipe of a dependency image: a builder plus `packages`.

    apt reads the indexes the builder image keeps valid; the archives are
    not kept.  Proxy variables reach the build as docker's predefined
    build arguments (:func:`~colcon_deb_docker.builder_image.build_image`),
    which no image or history keeps.
    """
    names = ' '.join(packages)
    return (
        f'FROM {builder}\n'
        f'LABEL {LABEL_TOOL}=1 {LABEL_PACKAGES}="{names}"\n'
        'RUN DEBIAN_FRONTEND=noninteractive $(command -v eatmydata) '
        'apt-get install -y -q '
        '--no-install-recommends -o Acquire::Languages=none '
        f'-o DPkg::Options::=--force-unsafe-io {names} && '
        'find /var/cache/apt/archives -maxdepth 1 -name "*.deb" -delete\n')

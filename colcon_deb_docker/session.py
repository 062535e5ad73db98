# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What all package jobs of one `colcon deb` run share.

The verb prepares it once (engine, builder image, rosdep sources,
repository); each :class:`~colcon_deb_docker.task.deb.DebTask` reads it to
describe its container and records its outcome in :attr:`results`.
"""

import concurrent.futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
import hashlib
from pathlib import Path
import shutil
import threading

from colcon_deb_docker import contract
from colcon_deb_docker.container import ContainerSpec
from colcon_deb_docker.container import Download
from colcon_deb_docker.container import LABEL_BUILD_BASE
from colcon_deb_docker.container import LABEL_RUN
from colcon_deb_docker.container import Mount
from colcon_deb_docker.container import SETUP_CAPABILITIES
from colcon_deb_docker.container import Upload
from colcon_deb_docker.container import Volume
from colcon_deb_docker.fingerprint import read_stamp
from colcon_deb_docker.naming import debian_package_name

#: seconds a container outlives --timeout before it kills itself (the
#: host, when alive, kills it at --timeout and reports the timeout)
CONTAINER_DEADLINE_GRACE = 10
#: the unprivileged user builds run as when the host user is root
STAND_IN_UID = 65532

#: The only host environment variables a container gets (when set): proxies
#: for apt and rosdep.  Nothing else of the host's environment (tokens,
#: keys) ever reaches a container.  SOURCE_DATE_EPOCH is set per build from
#: the version it publishes, never taken from the host.
ENVIRONMENT_ALLOW_LIST = (
    'http_proxy', 'https_proxy', 'no_proxy',
    'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY')


def allowed_host_environment(environ):
    """Return the allow-listed part of a host environment."""
    return {k: environ[k] for k in ENVIRONMENT_ALLOW_LIST if k in environ}


@dataclass
class PackageResult:
    """The outcome of one package, for the summary."""

    name: str
    status: str = 'pending'
    debs: list = field(default_factory=list)
    seconds: float = 0.0
    reason: str = ''
    #: step name -> seconds, from the container's progress events
    steps: dict = field(default_factory=dict)


@dataclass
class DebSession:
    """Shared state of one `colcon deb` invocation."""

    engine: object
    #: the builder image of the first (primary) architecture
    builder: object
    repository: object
    run_id: str
    ros_distro: str
    build_base: Path
    helpers_dir: Path
    rosdep_dir: Path
    rosdep_env: dict
    host_uid: int
    host_gid: int
    debian_overrides: Path = None
    #: the --rosdep-source files, as the user named them
    user_rosdep_sources: tuple = ()
    timeout: float = None
    build_options: str = 'nocheck'
    host_environment: dict = field(default_factory=dict)
    isolate_network: bool = False
    #: see :mod:`colcon_deb_docker.versioning`
    version_scheme: str = 'timestamp'
    #: when the run started (the time of new versions)
    started: float = 0.0
    #: a VerifiedAptCache, or None
    apt_cache: object = None
    #: whether each package keeps a ccache (a volume of its own)
    ccache: bool = False
    #: the --apt-source underlays' config and file: repositories (Mounts)
    underlay_mounts: tuple = ()
    #: architecture -> BuilderImage, the primary one first
    builders: dict = field(default_factory=dict)
    #: architecture -> DockerEngine, for architectures not built on `engine`
    engines: dict = field(default_factory=dict)
    #: architectures whose engine does not share the host's filesystem:
    #: inputs and outputs travel as archives through the Docker API
    transfer: set = field(default_factory=set)
    #: (package, architecture) -> fingerprint
    fingerprints: dict = field(default_factory=dict)
    #: package -> its PlannedPackage entries, one per architecture
    plan: dict = field(default_factory=dict)
    #: package -> workspace packages its build dependencies pull in
    build_closure: dict = field(default_factory=dict)
    #: package -> reason it cannot be built (e.g. unresolvable rosdep keys)
    blocked: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    #: set on Ctrl-C/SIGTERM: no container may start after it
    interrupted: threading.Event = field(default_factory=threading.Event)
    threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=64, thread_name_prefix='colcon-deb'))
    #: the blocking calls under way in :attr:`threads`
    in_flight: set = field(default_factory=set)

    def submit(self, func):
        """Run a blocking call in the run's threads; return its future.

        The run knows what is still under way (a container's outputs being
        copied after Ctrl-C) and can wait for it before cleaning up.
        """
        future = self.threads.submit(func)
        self.in_flight.add(future)
        future.add_done_callback(self.in_flight.discard)
        return future

    def wait_for_threads(self, timeout):
        """Wait up to `timeout` seconds for the blocking calls under way."""
        concurrent.futures.wait(list(self.in_flight), timeout=timeout)

    def debian_name(self, package_name):
        """Return the Debian name of a workspace package."""
        return debian_package_name(
            ros_distro=self.ros_distro, package_name=package_name)

    @property
    def build_uid(self):
        """The UID builds run as: the host user's, never root."""
        return self.host_uid or STAND_IN_UID

    @property
    def build_gid(self):
        """The GID builds run as (see :attr:`build_uid`)."""
        return self.host_gid if self.host_uid else STAND_IN_UID

    def __post_init__(self):  # noqa: D105
        if not self.builders:
            self.builders = {self.builder.architecture: self.builder}

    @property
    def architectures(self):
        """The architectures of the run, the primary one first."""
        return list(self.builders)

    def _arch(self, arch):
        return arch or self.builder.architecture

    def engine_for(self, arch):
        """Return the engine that runs the containers of an architecture."""
        return self.engines.get(self._arch(arch), self.engine)

    def remove_run_containers(self):
        """Remove every container of this run on every engine."""
        return self._remove_labelled(f'{LABEL_RUN}={self.run_id}')

    def remove_leftover_containers(self):
        """Remove the containers dead runs of this build base left.

        Only while this run holds the build base's lock: then no other
        living run can own them.
        """
        return self._remove_labelled(
            f'{LABEL_BUILD_BASE}={self.build_base_label}')

    def remove_scratch(self):
        """Delete the build base's scratch outputs.

        What dead runs left (at the start), or what an interrupt cut short
        (at the end); only while this run holds the build base's lock.
        """
        for pattern in ('*/*/*/debs', '*/*/*/apt-downloads'):
            for scratch in self.build_base.glob(pattern):
                shutil.rmtree(scratch, ignore_errors=True)

    def _remove_labelled(self, label):
        removed = 0
        for engine in {id(e): e for e in [
                self.engine, *self.engines.values()]}.values():
            removed += engine.remove_labelled(label=label)
        return removed

    @property
    def build_base_label(self):
        """The value of :data:`LABEL_BUILD_BASE` for this build base."""
        return hashlib.sha256(
            str(self.build_base).encode()).hexdigest()[:16]

    @property
    def labels(self):
        """The labels every container of this run carries."""
        return {LABEL_RUN: self.run_id,
                LABEL_BUILD_BASE: self.build_base_label}

    def _inputs(self, mounts, arch, *, outputs=()):
        """Describe a container's inputs and outputs.

        Inputs are read-only bind mounts, or uploads when the engine does
        not share the host's filesystem.  Outputs never are mounts: a
        container gets an empty directory owned by the build user, and the
        host copies it out through the engine API after the container
        ends, for local and remote engines alike, so no step (root or not)
        ever sees a writable host path.

        :param outputs: (host path, container path) pairs
        :returns: (mounts, uploads, downloads) for a ContainerSpec
        """
        uploads = [Upload('/nonexistent', c,
                          owner=(self.build_uid, self.build_gid))
                   for _, c in outputs]
        downloads = [Download(c, h) for h, c in outputs]
        if self._arch(arch) not in self.transfer:
            return mounts, uploads, downloads
        for mount in mounts:
            if mount.container_path == contract.REPO:
                uploads += self._repository_uploads()
            else:
                uploads.append(Upload(mount.host_path, mount.container_path))
        return [], uploads, downloads

    def _repository_uploads(self):
        """Return the uploads of the repository for a remote engine.

        Indexes and .debs, no debug symbols (never installed as build
        dependencies).
        """
        repo = self.repository.path
        codename = self.repository.codename
        return [
            Upload(str(repo / 'pool'), f'{contract.REPO}/pool',
                   exclude=lambda p: '-dbgsym_' in p.name),
            Upload(str((repo / 'dists' / codename).resolve()),
                   f'{contract.REPO}/dists/{codename}'),
        ]

    def package_dir(self, package_name, arch=None):
        """Return the build base's directory of a package's builds.

        One per distribution and architecture (stamp, scratch outputs).
        """
        return self.build_base / self.repository.codename / package_name / \
            self._arch(arch)

    def output_dir(self, package_name, arch=None):
        """Return the directory a package's container writes .debs to."""
        return self.package_dir(package_name, arch) / 'debs'

    @property
    def excluded_paths(self):
        """Directories of ours that a package's source may contain.

        An output or build base inside it: never part of a fingerprint.
        """
        return [self.build_base, self.repository.path]

    def apt_downloads_dir(self, package_name, arch=None):
        """Return where a container's apt downloads land for checking."""
        return self.package_dir(package_name, arch) / 'apt-downloads'

    def stamp_path(self, package_name, arch=None):
        """Return where the fingerprint of the last good build is kept."""
        return self.package_dir(package_name, arch) / 'stamp.json'

    def built_stamp(self, package_name, arch=None):
        """Return the stamp of a package's last good build for `arch`.

        An architecture-independent package is built once, for the primary
        architecture: its stamp stands for every architecture.
        """
        stamp = read_stamp(self.stamp_path(package_name, arch))
        if stamp is None and self._arch(arch) != self.architectures[0]:
            stamp = read_stamp(self.stamp_path(package_name))
            if stamp is not None:
                stamp['files'] = [f for f in stamp.get('files', [])
                                  if f.endswith('_all.deb')]
        return stamp

    def sibling_versions(self, package_names, arch=None):
        """Return {Debian name: published version} of workspace packages."""
        versions = {}
        for name in sorted(package_names):
            stamp = self.built_stamp(name, arch) or {}
            if stamp.get('version'):
                versions[self.debian_name(name)] = stamp['version']
        return versions

    def sibling_debs(self, package_name, arch=None):
        """Return the repository paths of the sibling .debs a build needs.

        These are the main .debs (no -dbgsym) of the workspace packages in
        the package's build closure, from the stamps of their last good
        builds.  Paths that are not plain repository-relative paths are
        left out (the build then falls back to apt).
        """
        files = []
        for name in sorted(self.build_closure.get(package_name, ())):
            stamp = self.built_stamp(name, arch) or {}
            for path in stamp.get('files', []):
                parts = Path(path).parts
                if parts[:2] != ('pool', 'main') or '..' in parts or \
                        '-dbgsym_' in parts[-1] or \
                        any(c.isspace() for c in path):
                    continue
                files.append(path)
        return files

    @property
    def rosdep_state_dir(self):
        """The rosdep cache and key check written by the pre-check."""
        return self.build_base / self.repository.codename / '.rosdep-state'

    def _base_environment(self, arch=None):
        builder = self.builders[self._arch(arch)]
        return {
            **self.host_environment,
            **contract.path_environment(),
            'BUILD_UID': str(self.build_uid),
            'BUILD_GID': str(self.build_gid),
            'HOME': '/build/home',
            'ROS_HOME': '/build/home/.ros',
            'ROSDEP_SOURCE_PATH': '/build/home/.ros/rosdep-sources',
            'COLCON_DEB_ROS_DISTRO': self.ros_distro,
            'COLCON_DEB_OS_NAME': builder.os_name,
            'COLCON_DEB_OS_CODENAME': builder.os_codename,
            'LC_ALL': 'C.UTF-8',
            **self.rosdep_env,
        }

    def rosdep_check_container_spec(self):
        """Describe the one container that resolves every key of the run."""
        state = self.rosdep_state_dir
        mounts, uploads, downloads = self._inputs([
            Mount(str(self.helpers_dir), contract.HELPERS),
            Mount(str(self.rosdep_dir), contract.ROSDEP_CONFIG),
        ], None, outputs=[(str(state), contract.OUT)])
        return ContainerSpec(
            image=self.builder.tag,
            command=['sh', f'{contract.HELPERS}/check-rosdep.sh'],
            name=f'colcon-deb-{self.run_id}-rosdep-check',
            environment={
                **self._base_environment(),
                'ROS_HOME': f'{contract.OUT}/ros-home',
                'ROSDEP_SOURCE_PATH':
                    f'{contract.OUT}/ros-home/rosdep-sources',
            },
            mounts=mounts, uploads=uploads, downloads=downloads,
            labels=self.labels,
            cap_add=SETUP_CAPABILITIES,
        )

    def package_container_spec(self, *, package_name, source_path,
                               sibling_debs=(), arch=None,
                               architecture_independent=False,
                               version=None, source_date_epoch=None,
                               vcs_text='', sibling_versions=None,
                               bloom_release_depends=''):
        """Describe the container that builds one package.

        :param sibling_debs: repository paths of workspace .debs to install
          before the build dependencies are resolved by apt
        :param version: the Debian version the build gets
        :param source_date_epoch: its changelog date and SOURCE_DATE_EPOCH
        :param vcs_text: the commit the changelog names
        :param sibling_versions: {Debian name: version}: its dependencies on
          these workspace packages require at least these versions
        :param bloom_release_depends: what bloom-release would add to its
          debian/control (see bloom_release_dependencies.py)
        """
        arch = self._arch(arch)
        mounts = [
            Mount(str(source_path), contract.SOURCE),
            Mount(str(self.helpers_dir), contract.HELPERS),
            Mount(str(self.rosdep_dir), contract.ROSDEP_CONFIG),
            Mount(str(self.repository.path), contract.REPO),
            Mount(str(self.rosdep_state_dir), contract.ROSDEP_STATE),
            *self.underlay_mounts,
        ]
        if self.debian_overrides is not None:
            override = self.debian_overrides / package_name / 'debian'
            if override.is_dir():
                mounts.append(Mount(str(override), contract.DEBIAN_OVERRIDE))
        outputs = [(str(self.output_dir(package_name, arch)), contract.OUT)]
        # the apt cache lives on the host: only for an engine that shares
        # it; read-only, the host admits new downloads after checking them
        apt_cache = self.apt_cache if arch not in self.transfer else None
        if apt_cache is not None:
            mounts.append(Mount(str(apt_cache.path), contract.APT_CACHE))
        mounts, uploads, downloads = self._inputs(
            mounts, arch, outputs=outputs)
        if apt_cache is not None:
            downloads.append(Download(
                contract.APT_ARCHIVES,
                str(self.apt_downloads_dir(package_name, arch))))
        if self.ccache:
            # the package's own ccache, a volume of the engine: one
            # package's build never feeds another's objects
            mounts.append(Volume(
                f'colcon-deb-ccache-{self.build_base_label}-'
                f'{package_name}-{arch}', contract.CCACHE))
        environment = {
            **self._base_environment(arch),
            'PACKAGE_NAME': package_name,
            'DEB_BUILD_OPTIONS': self.build_options,
        }
        if 'nocheck' in self.build_options.split():
            # test-only build dependencies (<!nocheck>) are not installed
            environment['DEB_BUILD_PROFILES'] = 'nocheck'
        if architecture_independent:
            environment['COLCON_DEB_ARCH_ALL'] = '1'
        if version:
            environment['COLCON_DEB_VERSION'] = version
        if source_date_epoch is not None:
            environment['SOURCE_DATE_EPOCH'] = str(int(source_date_epoch))
        if vcs_text:
            environment['COLCON_DEB_VCS'] = vcs_text
        if sibling_versions:
            environment['COLCON_DEB_SIBLING_VERSIONS'] = ' '.join(
                f'{k}={v}' for k, v in sorted(sibling_versions.items()))
        if bloom_release_depends:
            environment['COLCON_DEB_BLOOM_RELEASE_DEPENDS'] = \
                bloom_release_depends
        if sibling_debs:
            environment['COLCON_DEB_SIBLING_DEBS'] = ' '.join(sibling_debs)
        if self.isolate_network:
            environment['COLCON_DEB_ISOLATE_NETWORK'] = '1'
        if apt_cache is not None:
            environment['COLCON_DEB_APT_CACHE'] = contract.APT_CACHE
        if self.ccache:
            environment['CCACHE_DIR'] = contract.CCACHE
        command = ['sh', f'{contract.HELPERS}/build-deb.sh']
        if self.timeout:
            # the container keeps its own deadline: it stops even when the
            # host process that would kill it is gone
            command = ['timeout', '-s', 'KILL',
                       str(int(self.timeout) + CONTAINER_DEADLINE_GRACE),
                       *command]
        return ContainerSpec(
            image=self.builders[arch].tag,
            command=command,
            name=f'colcon-deb-{self.run_id}-{package_name}-{arch}',
            environment=environment,
            mounts=mounts, uploads=uploads, downloads=downloads,
            labels={**self.labels,
                    'io.colcon-deb-docker.package': package_name,
                    'io.colcon-deb-docker.arch': arch},
            cap_add=SETUP_CAPABILITIES,
        )

    def verify_container_spec(self, *, base_image, package_names,
                              platform=None):
        """Describe the container that installs the built packages."""
        mounts, uploads, _ = self._inputs([
            Mount(str(self.helpers_dir), contract.HELPERS),
            Mount(str(self.repository.path), contract.REPO),
            *self.underlay_mounts,
        ], None)
        return ContainerSpec(
            image=base_image, platform=platform,
            command=['sh', f'{contract.HELPERS}/verify-install.sh',
                     *[self.debian_name(n) for n in package_names]],
            name=f'colcon-deb-{self.run_id}-verify',
            environment={
                'COLCON_DEB_OS_CODENAME': self.builder.os_codename,
                'COLCON_DEB_ROS_DISTRO': self.ros_distro,
                **contract.path_environment(),
                **self.host_environment,
            },
            mounts=mounts, uploads=uploads,
            labels=self.labels,
            cap_add=SETUP_CAPABILITIES,
        )

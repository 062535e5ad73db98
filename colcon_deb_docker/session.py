# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What all package jobs of one `colcon deb` run share.

The verb prepares it once (engine, builder image, rosdep sources,
repository); each :class:`~colcon_deb_docker.task.deb.DebTask` reads it to
describe its container and records its outcome in :attr:`results`.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
import hashlib
from pathlib import Path
import shutil
import threading

from colcon_deb_docker.container import ContainerSpec
from colcon_deb_docker.container import Download
from colcon_deb_docker.container import Upload
from colcon_deb_docker.container import Volume
from colcon_deb_docker.container import LABEL_BUILD_BASE
from colcon_deb_docker.container import LABEL_RUN
from colcon_deb_docker.container import Mount
from colcon_deb_docker.container import SETUP_CAPABILITIES
from colcon_deb_docker.fingerprint import read_stamp
from colcon_deb_docker.naming import debian_package_name
from colcon_deb_docker.rosdep_source import CONTAINER_PATH as ROSDEP_PATH

HELPERS_PATH = '/colcon-deb/helpers'
SOURCE_PATH = '/colcon-deb/src'
REPO_PATH = '/colcon-deb/repo'
OUT_PATH = '/colcon-deb/out'
OVERRIDE_PATH = '/colcon-deb/debian-override'
ROSDEP_STATE_PATH = '/colcon-deb/rosdep-state'
APT_CACHE_PATH = '/colcon-deb/apt-archives'
CCACHE_PATH = '/colcon-deb/ccache'
#: seconds a container outlives --timeout before it kills itself (the
#: host, when alive, kills it at --timeout and reports the timeout)
CONTAINER_DEADLINE_GRACE = 10
#: where apt keeps what it downloads, in the container
APT_ARCHIVES = '/var/cache/apt/archives'
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
        """Delete the scratch outputs dead runs of this build base left
        (only while this run holds the build base's lock)."""
        for pattern in ('*/*/debs', '*/*/apt-downloads'):
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
            if mount.container_path == REPO_PATH:
                uploads += self._repository_uploads()
            else:
                uploads.append(Upload(mount.host_path, mount.container_path))
        return [], uploads, downloads

    def _repository_uploads(self):
        """The repository for a remote engine: indexes and .debs, no
        debug symbols (never installed as build dependencies)."""
        repo = self.repository.path
        codename = self.repository.codename
        return [
            Upload(str(repo / 'pool'), f'{REPO_PATH}/pool',
                   exclude=lambda p: '-dbgsym_' in p.name),
            Upload(str((repo / 'dists' / codename).resolve()),
                   f'{REPO_PATH}/dists/{codename}'),
        ]

    def output_dir(self, package_name, arch=None):
        """Return the directory a package's container writes .debs to."""
        return self.build_base / package_name / self._arch(arch) / 'debs'

    @property
    def excluded_paths(self):
        """Directories of ours that a package's source may contain (an
        output or build base inside it): never part of a fingerprint."""
        return [self.build_base, self.repository.path]

    def apt_downloads_dir(self, package_name, arch=None):
        """Return where a container's apt downloads land for checking."""
        return self.build_base / package_name / self._arch(arch) / \
            'apt-downloads'

    def stamp_path(self, package_name, arch=None):
        """Return where the fingerprint of the last good build is kept."""
        return self.build_base / package_name / self._arch(arch) / \
            'stamp.json'

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
        return self.build_base / '.rosdep-state'

    def _base_environment(self, arch=None):
        builder = self.builders[self._arch(arch)]
        return {
            **self.host_environment,
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
            Mount(str(self.helpers_dir), HELPERS_PATH),
            Mount(str(self.rosdep_dir), ROSDEP_PATH),
        ], None, outputs=[(str(state), OUT_PATH)])
        return ContainerSpec(
            image=self.builder.tag,
            command=['sh', f'{HELPERS_PATH}/check-rosdep.sh'],
            name=f'colcon-deb-{self.run_id}-rosdep-check',
            environment={
                **self._base_environment(),
                'ROS_HOME': '/colcon-deb/out/ros-home',
                'ROSDEP_SOURCE_PATH': '/colcon-deb/out/ros-home/'
                                      'rosdep-sources',
            },
            mounts=mounts, uploads=uploads, downloads=downloads,
            labels=self.labels,
            cap_add=SETUP_CAPABILITIES,
        )

    def package_container_spec(self, *, package_name, source_path,
                               sibling_debs=(), arch=None,
                               architecture_independent=False,
                               version=None, source_date_epoch=None,
                               vcs_text='', sibling_versions=None):
        """Describe the container that builds one package.

        :param sibling_debs: repository paths of workspace .debs to install
          before the build dependencies are resolved by apt
        :param version: the Debian version the build gets
        :param source_date_epoch: its changelog date and SOURCE_DATE_EPOCH
        :param vcs_text: the commit the changelog names
        :param sibling_versions: {Debian name: version}: its dependencies on
          these workspace packages require at least these versions
        """
        arch = self._arch(arch)
        mounts = [
            Mount(str(source_path), SOURCE_PATH),
            Mount(str(self.helpers_dir), HELPERS_PATH),
            Mount(str(self.rosdep_dir), ROSDEP_PATH),
            Mount(str(self.repository.path), REPO_PATH),
            Mount(str(self.rosdep_state_dir), ROSDEP_STATE_PATH),
        ]
        if self.debian_overrides is not None:
            override = self.debian_overrides / package_name / 'debian'
            if override.is_dir():
                mounts.append(Mount(str(override), OVERRIDE_PATH))
        outputs = [(str(self.output_dir(package_name, arch)), OUT_PATH)]
        # the apt cache lives on the host: only for an engine that shares
        # it; read-only, the host admits new downloads after checking them
        apt_cache = self.apt_cache if arch not in self.transfer else None
        if apt_cache is not None:
            mounts.append(Mount(str(apt_cache.path), APT_CACHE_PATH))
        mounts, uploads, downloads = self._inputs(
            mounts, arch, outputs=outputs)
        if apt_cache is not None:
            downloads.append(Download(
                APT_ARCHIVES, str(self.apt_downloads_dir(package_name, arch))))
        if self.ccache:
            # the package's own ccache, a volume of the engine: one
            # package's build never feeds another's objects
            mounts.append(Volume(
                f'colcon-deb-ccache-{self.build_base_label}-'
                f'{package_name}-{arch}', CCACHE_PATH))
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
        if sibling_debs:
            environment['COLCON_DEB_SIBLING_DEBS'] = ' '.join(sibling_debs)
        if self.isolate_network:
            environment['COLCON_DEB_ISOLATE_NETWORK'] = '1'
        if apt_cache is not None:
            environment['COLCON_DEB_APT_CACHE'] = APT_CACHE_PATH
        if self.ccache:
            environment['CCACHE_DIR'] = CCACHE_PATH
        command = ['sh', f'{HELPERS_PATH}/build-deb.sh']
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
            Mount(str(self.helpers_dir), HELPERS_PATH),
            Mount(str(self.repository.path), REPO_PATH),
        ], None)
        return ContainerSpec(
            image=base_image, platform=platform,
            command=['sh', f'{HELPERS_PATH}/verify-install.sh',
                     *[self.debian_name(n) for n in package_names]],
            name=f'colcon-deb-{self.run_id}-verify',
            environment={
                'COLCON_DEB_OS_CODENAME': self.builder.os_codename,
                **self.host_environment,
            },
            mounts=mounts, uploads=uploads,
            labels=self.labels,
            cap_add=SETUP_CAPABILITIES,
        )

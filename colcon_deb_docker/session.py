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
import os
from pathlib import Path
import threading

from colcon_deb_docker.container import ContainerSpec
from colcon_deb_docker.container import Download
from colcon_deb_docker.container import Upload
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
#: the unprivileged user builds run as when the host user is root
STAND_IN_UID = 65532

#: The only host environment variables a container gets (when set): proxies
#: for apt and rosdep, and a reproducible-build timestamp.  Nothing else of
#: the host's environment (tokens, keys) ever reaches a container.
ENVIRONMENT_ALLOW_LIST = (
    'http_proxy', 'https_proxy', 'no_proxy',
    'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'SOURCE_DATE_EPOCH')


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
    apt_cache_dir: Path = None
    ccache_dir: Path = None
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

    def make_writable_dir(self, path):
        """Create a directory the build user may write (the host's own).

        When the host user is root, builds run as the stand-in user, which
        gets the directory.
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.host_uid == 0:
            os.chown(path, self.build_uid, self.build_gid)
        return path

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
        removed = 0
        for engine in {id(e): e for e in [
                self.engine, *self.engines.values()]}.values():
            removed += engine.remove_labelled(self.run_id)
        return removed

    def _inputs(self, mounts, arch, *, writable=()):
        """Turn bind mounts into uploads when the engine is remote.

        :param writable: (host path, container path) pairs: mounted
          writable, or (remote) an empty directory owned by the build user
          that is downloaded to the host path afterwards
        :returns: (mounts, uploads, downloads) for a ContainerSpec
        """
        if self._arch(arch) not in self.transfer:
            return mounts + [Mount(h, c, read_only=False)
                             for h, c in writable], [], []
        uploads = []
        for mount in mounts:
            if mount.container_path == REPO_PATH:
                uploads += self._repository_uploads()
            else:
                uploads.append(Upload(mount.host_path, mount.container_path))
        uploads += [Upload('/nonexistent', c,
                           owner=(self.build_uid, self.build_gid))
                    for _, c in writable]
        downloads = [Download(c, h) for h, c in writable]
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

    def stamp_path(self, package_name, arch=None):
        """Return where the fingerprint of the last good build is kept."""
        return self.build_base / package_name / self._arch(arch) / \
            'stamp.json'

    def sibling_debs(self, package_name, arch=None):
        """Return the repository paths of the sibling .debs a build needs.

        These are the main .debs (no -dbgsym) of the workspace packages in
        the package's build closure, from the stamps of their last good
        builds.  Paths that are not plain repository-relative paths are
        left out (the build then falls back to apt).
        """
        files = []
        for name in sorted(self.build_closure.get(package_name, ())):
            stamp = read_stamp(self.stamp_path(name, arch))
            if stamp is None:
                # an architecture-independent sibling is built once, for
                # the primary architecture: only its `all` .debs apply
                stamp = read_stamp(self.stamp_path(name)) or {}
                stamp['files'] = [f for f in stamp.get('files', [])
                                  if f.endswith('_all.deb')]
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
        ], None, writable=[(str(state), OUT_PATH)])
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
            labels={LABEL_RUN: self.run_id},
            cap_add=SETUP_CAPABILITIES,
        )

    def package_container_spec(self, *, package_name, source_path,
                               sibling_debs=(), arch=None,
                               architecture_independent=False):
        """Describe the container that builds one package.

        :param sibling_debs: repository paths of workspace .debs to install
          before the build dependencies are resolved by apt
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
        writable = [(str(self.output_dir(package_name, arch)), OUT_PATH)]
        # the caches live on the host: only for an engine that shares it
        local = arch not in self.transfer
        apt_cache = self.apt_cache_dir if local else None
        ccache = self.ccache_dir if local else None
        if apt_cache is not None:
            writable.append((str(apt_cache), APT_CACHE_PATH))
        if ccache is not None:
            writable.append((str(ccache), CCACHE_PATH))
        mounts, uploads, downloads = self._inputs(
            mounts, arch, writable=writable)
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
        if sibling_debs:
            environment['COLCON_DEB_SIBLING_DEBS'] = ' '.join(sibling_debs)
        if self.isolate_network:
            environment['COLCON_DEB_ISOLATE_NETWORK'] = '1'
        if apt_cache is not None:
            environment['COLCON_DEB_APT_CACHE'] = APT_CACHE_PATH
        if ccache is not None:
            environment['CCACHE_DIR'] = CCACHE_PATH
        return ContainerSpec(
            image=self.builders[arch].tag,
            command=['sh', f'{HELPERS_PATH}/build-deb.sh'],
            name=f'colcon-deb-{self.run_id}-{package_name}-{arch}',
            environment=environment,
            mounts=mounts, uploads=uploads, downloads=downloads,
            labels={LABEL_RUN: self.run_id,
                    'io.colcon-deb-docker.package': package_name,
                    'io.colcon-deb-docker.arch': arch},
            cap_add=SETUP_CAPABILITIES,
        )

    def verify_container_spec(self, *, base_image, package_names):
        """Describe the container that installs the built packages."""
        mounts, uploads, _ = self._inputs([
            Mount(str(self.helpers_dir), HELPERS_PATH),
            Mount(str(self.repository.path), REPO_PATH),
        ], None)
        return ContainerSpec(
            image=base_image,
            command=['sh', f'{HELPERS_PATH}/verify-install.sh',
                     *[self.debian_name(n) for n in package_names]],
            name=f'colcon-deb-{self.run_id}-verify',
            environment={
                'COLCON_DEB_OS_CODENAME': self.builder.os_codename,
                **self.host_environment,
            },
            mounts=mounts, uploads=uploads,
            labels={LABEL_RUN: self.run_id},
            cap_add=SETUP_CAPABILITIES,
        )

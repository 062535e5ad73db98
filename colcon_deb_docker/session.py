# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What all package jobs of one `colcon deb` run share.

The verb prepares it once per distribution (engines, builder images, rosdep
sources, repository): the run's configuration and its mutable state (plan,
results, threads, interruption).  Where things go on the host is its
:attr:`DebSession.layout` (:mod:`colcon_deb_docker.build_layout`), the
containers it starts are described by :attr:`DebSession.specs`
(:mod:`colcon_deb_docker.container_specs`).
"""

import concurrent.futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
import threading

from colcon_deb_docker.build_layout import BuildLayout
from colcon_deb_docker.container_spec import LABEL_BUILD_BASE
from colcon_deb_docker.container_spec import LABEL_RUN
from colcon_deb_docker.container_specs import ContainerSpecs
from colcon_deb_docker.naming import debian_package_name

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
    #: [step, start, end] (seconds since the epoch): the run's picture
    timeline: list = field(default_factory=list)


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
    #: how much debug information the compiler writes: 'full' (Debian's
    #: -g -O2), 'lean' (without variable tracking at assignments) or
    #: 'none' (no -g, no -dbgsym; build_options has noddebs)
    debug_symbols: str = 'full'
    #: make jobs of one build, and the load all builds together keep under
    #: (not part of any fingerprint: it never changes what is built)
    build_jobs: int = 1
    host_environment: dict = field(default_factory=dict)
    isolate_network: bool = False
    #: see :mod:`colcon_deb_docker.versioning`
    version_scheme: str = 'timestamp'
    #: when the run started (the time of new versions)
    started: float = 0.0
    #: the most bytes one copy out of a build container may come to
    #: (--max-output; see container_archives.copy_out)
    max_output: int = None
    #: the most bytes a build may write into its container's filesystem
    #: (--max-disk; see DockerEngine.run_created)
    max_disk: int = None
    #: a VerifiedAptCache, or None
    apt_cache: object = None
    #: the DependencyImages of the builds (None: --no-dependency-images)
    dependency_images: object = None
    #: the BloomAhead of the builds (None: bloom runs in each container)
    bloom_ahead: object = None
    #: the NetworkNamespaces the build containers join (None: each its
    #: own, on the bridge: --isolate-network)
    network_namespaces: object = None
    #: the MemoryBudget of the build containers (None: no limit)
    memory: object = None
    #: the CpuPriority of the build containers (None: even shares)
    cpu_priority: object = None
    #: whether each package keeps a ccache (a volume of its own)
    ccache: bool = False
    #: the --apt-source underlays (AptSource), and the mounts of their
    #: config and file: repositories
    apt_sources: tuple = ()
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
    #: Debian name -> the workspace packages that make it (see
    #: package_checks.workspace_debian_names): no other build's .deb may
    #: replace or provide it
    workspace_debian_names: dict = field(default_factory=dict)
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
    #: the removals of ended containers under way (see :meth:`remove_later`)
    removals: set = field(default_factory=set)

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

    def remove_later(self, remove):
        """Remove an ended container in the background.

        Its build goes on to publish meanwhile; :meth:`wait_for_removals`
        waits for every removal before the run's final check for left
        containers.
        """
        future = self.submit(remove)
        self.removals.add(future)
        future.add_done_callback(self.removals.discard)

    def wait_for_removals(self, timeout=60.0):
        """Wait up to `timeout` seconds for the background removals."""
        concurrent.futures.wait(list(self.removals), timeout=timeout)

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
        #: the host paths of this distribution's builds
        self.layout = BuildLayout(
            build_base=self.build_base, codename=self.repository.codename,
            repository_path=self.repository.path)
        #: the containers of the run, described
        self.specs = ContainerSpecs(self)

    @property
    def architectures(self):
        """The architectures of the run, the primary one first."""
        return list(self.builders)

    def arch_or_primary(self, arch):
        """Return `arch`, or the primary architecture when it is None."""
        return arch or self.builder.architecture

    def engine_for(self, arch):
        """Return the engine that runs the containers of an architecture."""
        return self.engines.get(self.arch_or_primary(arch), self.engine)

    @property
    def all_engines(self):
        """Return every engine of the run, each once."""
        return list({id(e): e for e in [
            self.engine, *self.engines.values()]}.values())

    def bound_kept_volumes(self):
        """Count the volumes the run's builds kept, on every engine."""
        for engine in self.all_engines:
            engine.bound_kept_volumes()

    def remove_run_containers(self):
        """Remove every container of this run on every engine."""
        return self._remove_labelled(f'{LABEL_RUN}={self.run_id}')

    def remove_leftover_containers(self):
        """Remove the containers dead runs of this build base left.

        Only while this run holds the build base's lock: then no other
        living run can own them.
        """
        return self._remove_labelled(
            f'{LABEL_BUILD_BASE}={self.layout.label}')

    def _remove_labelled(self, label):
        return sum(engine.remove_labelled(label=label)
                   for engine in self.all_engines)

    @property
    def labels(self):
        """The labels every container of this run carries."""
        return {LABEL_RUN: self.run_id,
                LABEL_BUILD_BASE: self.layout.label}

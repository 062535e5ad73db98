# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The containers a run starts, described as :class:`ContainerSpec`.

Four kinds: the rosdep pre-check and the bloom step ahead of the builds
(one each per distribution), one build per package and architecture, and
the verification.  Every one gets the security defaults of
:mod:`colcon_deb_docker.container`, read-only inputs (or uploads for an
engine that shares no filesystem), outputs only through the engine API,
and the run's labels.
"""

import shlex

from colcon_deb_docker import contract
from colcon_deb_docker.container_inputs import ContainerInputs
from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.container_spec import Download
from colcon_deb_docker.container_spec import Mount
from colcon_deb_docker.container_spec import SETUP_CAPABILITIES
from colcon_deb_docker.container_spec import Upload
from colcon_deb_docker.container_spec import Volume

#: seconds a container outlives --timeout before it kills itself (the
#: host, when alive, kills it at --timeout and reports the timeout)
CONTAINER_DEADLINE_GRACE = 10
#: what --debug-symbols lean adds to Debian's -g -O2: the debug information
#: keeps types, functions, line tables and variables, with the variables'
#: locations in optimized code tracked less precisely
LEAN_DEBUG_FLAGS = '-fno-var-tracking-assignments'


class ContainerSpecs:
    """Describe the containers of one run (a :class:`DebSession`)."""

    def __init__(self, session):  # noqa: D107
        self.session = session
        self._inputs = ContainerInputs(session)

    def _base_environment(self, arch=None):
        session = self.session
        builder = session.builders[session.arch_or_primary(arch)]
        return {
            **session.host_environment,
            **contract.path_environment(),
            'BUILD_UID': str(session.build_uid),
            'BUILD_GID': str(session.build_gid),
            'HOME': '/build/home',
            'ROS_HOME': '/build/home/.ros',
            'ROSDEP_SOURCE_PATH': '/build/home/.ros/rosdep-sources',
            'COLCON_DEB_ROS_DISTRO': session.ros_distro,
            'COLCON_DEB_OS_NAME': builder.os_name,
            'COLCON_DEB_OS_CODENAME': builder.os_codename,
            'LC_ALL': 'C.UTF-8',
            **session.rosdep_env,
        }

    def rosdep_check(self):
        """Describe the one container that resolves every key of the run."""
        session = self.session
        state = session.layout.rosdep_state_dir
        mounts, uploads, downloads = self._inputs.describe([
            Mount(str(session.helpers_dir), contract.HELPERS),
            Mount(str(session.rosdep_dir), contract.ROSDEP_CONFIG),
        ], None, outputs=[(str(state), contract.OUT)])
        return ContainerSpec(
            image=session.builder.tag,
            command=['sh', f'{contract.HELPERS}/check-rosdep.sh'],
            name=f'colcon-deb-{session.run_id}-rosdep-check',
            environment={
                **self._base_environment(),
                'ROS_HOME': f'{contract.OUT}/ros-home',
                'ROSDEP_SOURCE_PATH':
                    f'{contract.OUT}/ros-home/rosdep-sources',
            },
            mounts=mounts, uploads=uploads, downloads=downloads,
            labels=session.labels,
            cap_add=SETUP_CAPABILITIES,
        )

    def bloom_ahead(self, *, inputs):
        """Describe the container that runs bloom ahead of the builds.

        Its output directory is no download: the host copies each
        package's debian/ out of the running container as soon as bloom
        says it is complete (see bloom_ahead.py), so that package's build
        need not wait for the others.

        :param inputs: the host directory of the files bloom reads of each
          package (nothing else of them) and its jobs.json
        """
        session = self.session
        mounts, uploads, _ = self._inputs.describe([
            Mount(str(session.helpers_dir), contract.HELPERS),
            Mount(str(session.rosdep_dir), contract.ROSDEP_CONFIG),
            Mount(str(session.layout.rosdep_state_dir), contract.ROSDEP_STATE),
            Mount(str(inputs), contract.BLOOM_INPUTS),
            *session.underlay_mounts,
        ], None, outputs=[(None, contract.OUT)])
        return ContainerSpec(
            image=session.builder.tag,
            command=['sh', f'{contract.HELPERS}/generate-debian-ahead.sh'],
            name=f'colcon-deb-{session.run_id}-bloom-ahead',
            environment=self._base_environment(),
            mounts=mounts, uploads=uploads,
            labels=session.labels,
            cap_add=SETUP_CAPABILITIES,
        )

    def dependency_set(self, *, arch, packages, name):
        """Describe the container whose end state is a dependency image.

        For a run with --apt-source underlays (see dependency_images.py):
        the builder image, the underlays read-only, one set of system
        packages installed.  A commit keeps the container's configuration
        (environment, command, labels) and what it wrote to its own
        filesystem, not what mounts and volumes hold: so no environment,
        and every input in a mount, or, on an engine that shares no files
        with the host, uploaded into a fresh volume; the proxy settings
        (they can hold passwords) are such an upload too, a file of shell
        assignments.  The run's labels stay on the image (names, nothing
        secret).
        """
        session = self.session
        inputs = [Mount(str(session.helpers_dir), contract.HELPERS),
                  *session.underlay_mounts]
        # what the builds downloaded is not downloaded again (read-only;
        # only for an engine that shares the host's files, as for builds)
        apt_cache = session.apt_cache if arch not in session.transfer else None
        if apt_cache is not None:
            inputs.append(Mount(str(apt_cache.path), contract.APT_CACHE))
        mounts, uploads, _ = self._inputs.describe(inputs, arch)
        if session.host_environment:
            uploads.append(Upload(None, contract.PROXY_SETTINGS, files={
                'environment': ''.join(
                    f'export {key}={shlex.quote(value)}\n' for key, value
                    in sorted(session.host_environment.items())).encode()}))
        return ContainerSpec(
            image=session.builders[arch].tag,
            command=['sh', f'{contract.HELPERS}/install-dependency-set.sh',
                     contract.APT_SOURCES, contract.PROXY_SETTINGS,
                     contract.APT_CACHE if apt_cache is not None else '',
                     *packages],
            name=name, mounts=mounts, uploads=uploads,
            fresh_volumes=tuple(upload.container_path for upload in uploads),
            labels=session.labels,
            cap_add=SETUP_CAPABILITIES,
        )

    def package(self, *, package_name, source_path, sibling_debs=(),
                arch=None, architecture_independent=False, version=None,
                source_date_epoch=None, vcs_text='', sibling_versions=None,
                bloom_release_depends='', image=None):
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
        :param image: the image it starts from (default: the builder
          image; see dependency_images.py)
        """
        session = self.session
        arch = session.arch_or_primary(arch)
        mounts = [
            Mount(str(source_path), contract.SOURCE),
            Mount(str(session.helpers_dir), contract.HELPERS),
            Mount(str(session.rosdep_dir), contract.ROSDEP_CONFIG),
            Mount(str(session.repository.path), contract.REPO),
            Mount(str(session.layout.rosdep_state_dir), contract.ROSDEP_STATE),
            *session.underlay_mounts,
        ]
        if session.debian_overrides is not None:
            override = session.debian_overrides / package_name / 'debian'
            if override.is_dir():
                mounts.append(Mount(str(override), contract.DEBIAN_OVERRIDE))
        generated = session.bloom_ahead.debian_dir(package_name) \
            if session.bloom_ahead is not None else None
        if generated is not None:
            mounts.append(Mount(str(generated), contract.DEBIAN_GENERATED))
        outputs = [
            (str(session.layout.output_dir(package_name, arch)),
             contract.OUT)]
        # the apt cache lives on the host: only for an engine that shares
        # it; read-only, the host admits new downloads after checking them
        apt_cache = session.apt_cache if arch not in session.transfer else None
        if apt_cache is not None:
            mounts.append(Mount(str(apt_cache.path), contract.APT_CACHE))
        mounts, uploads, downloads = self._inputs.describe(
            mounts, arch, outputs=outputs)
        if apt_cache is not None:
            downloads.append(Download(
                contract.APT_ARCHIVES,
                str(session.layout.apt_downloads_dir(package_name, arch)),
                limit=session.max_output))
        if session.ccache:
            # the package's own ccache, a volume of the engine: one
            # package's build never feeds another's objects
            mounts.append(Volume(
                f'colcon-deb-ccache-{session.layout.label}-'
                f'{package_name}-{arch}', contract.CCACHE))
        environment = {
            **self._base_environment(arch),
            **package_environment(
                session, package_name=package_name,
                architecture_independent=architecture_independent,
                version=version, source_date_epoch=source_date_epoch,
                vcs_text=vcs_text, sibling_versions=sibling_versions,
                bloom_release_depends=bloom_release_depends,
                sibling_debs=sibling_debs,
                apt_cache=apt_cache is not None),
        }
        command = ['sh', f'{contract.HELPERS}/build-deb.sh']
        if session.timeout:
            # the container keeps its own deadline: it stops even when the
            # host process that would kill it is gone
            command = ['timeout', '-s', 'KILL',
                       str(int(session.timeout) + CONTAINER_DEADLINE_GRACE),
                       *command]
        return ContainerSpec(
            image=image or session.builders[arch].tag,
            command=command,
            name=f'colcon-deb-{session.run_id}-{package_name}-{arch}',
            environment=environment,
            mounts=mounts, uploads=uploads, downloads=downloads,
            labels={**session.labels,
                    'io.colcon-deb-docker.package': package_name,
                    'io.colcon-deb-docker.arch': arch},
            cap_add=SETUP_CAPABILITIES,
            mem_limit=session.memory.per_job if session.memory else None,
            fresh_volumes=self._ros_root_volume(arch),
        )

    def _ros_root_volume(self, arch):
        """Return the paths of a build that get a volume of their own.

        /opt/ros, where the sibling .debs install, when the image has
        nothing there (the builder image has nothing, and no --apt-source
        underlay can have put anything into a dependency image): dpkg
        unpacks into a volume at about two thirds of the time it takes
        into the container's overlay filesystem (46 sibling .debs of
        std_msgs: 2.8 s against 4.3 s).  An image with files there keeps
        them, in its overlay: a volume would first get a copy of them all.
        """
        session = self.session
        if session.apt_sources or \
                not session.builders[arch].ros_root_empty:
            return ()
        return (contract.ROS_ROOT,)

    def verify(self, *, base_image, package_names, platform=None):
        """Describe the container that installs the built packages."""
        session = self.session
        mounts, uploads, _ = self._inputs.describe([
            Mount(str(session.helpers_dir), contract.HELPERS),
            Mount(str(session.repository.path), contract.REPO),
            *session.underlay_mounts,
        ], None)
        return ContainerSpec(
            image=base_image, platform=platform,
            command=['sh', f'{contract.HELPERS}/verify-install.sh',
                     *[session.debian_name(n) for n in package_names]],
            name=f'colcon-deb-{session.run_id}-verify',
            environment={
                'COLCON_DEB_OS_CODENAME': session.builder.os_codename,
                'COLCON_DEB_ROS_DISTRO': session.ros_distro,
                **contract.path_environment(),
                **session.host_environment,
            },
            mounts=mounts, uploads=uploads,
            labels=session.labels,
            cap_add=SETUP_CAPABILITIES,
        )


def load_limit(build_jobs):
    """Return the load average above which make starts no further job.

    1.5 times the make jobs, not the jobs themselves: the load average
    trails the machine by a minute, so with -lN a package that runs alone
    after a busy stretch got one core for most of its compile (rclcpp after
    a minute of two busy cores: 131 and 150 s with -l2, 115 and 105 s
    without a limit).  Half again as many still bounds what concurrent
    builds start together, and their memory with it.
    """
    return build_jobs + (build_jobs + 1) // 2


def package_environment(session, *, package_name, architecture_independent,
                        version, source_date_epoch, vcs_text,
                        sibling_versions, bloom_release_depends,
                        sibling_debs, apt_cache):
    """Return the variables of one package's build (see contract.py).

    :param apt_cache: whether the container sees the verified apt cache
    """
    environment = {
        'PACKAGE_NAME': package_name,
        # make -jN within the build, and a load limit across all builds:
        # a build alone gets every core, concurrent ones share them by load
        'DEB_BUILD_OPTIONS': ' '.join(filter(None, [
            session.build_options, f'parallel={session.build_jobs}'])),
        'MAKEFLAGS': f'-l{load_limit(session.build_jobs)}',
    }
    if session.debug_symbols == 'none':
        # --debug-symbols none (build_options has noddebs): no debug
        # information to strip into -dbgsym either (dpkg-buildflags takes
        # -g out of Debian's flags)
        environment['DEB_CFLAGS_STRIP'] = '-g'
        environment['DEB_CXXFLAGS_STRIP'] = '-g'
    elif session.debug_symbols == 'lean':
        # --debug-symbols lean: -g without variable tracking at assignments,
        # GCC's costliest debug pass (rclcpp's compile: 12 % less)
        environment['DEB_CFLAGS_APPEND'] = LEAN_DEBUG_FLAGS
        environment['DEB_CXXFLAGS_APPEND'] = LEAN_DEBUG_FLAGS
    if 'nocheck' in session.build_options.split():
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
    if session.isolate_network:
        environment['COLCON_DEB_ISOLATE_NETWORK'] = '1'
    if apt_cache:
        environment['COLCON_DEB_APT_CACHE'] = contract.APT_CACHE
    if session.ccache:
        environment['CCACHE_DIR'] = contract.CCACHE
        # depend mode: the key comes from the compiler's own -MD output
        # (CMake's Makefiles ask for it), so a miss costs no extra
        # preprocessor run; other compiles fall back to ccache's usual mode
        environment['CCACHE_DEPEND'] = '1'
    return environment

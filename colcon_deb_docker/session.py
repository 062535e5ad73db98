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
from pathlib import Path
import threading

from colcon_deb_docker.container import ContainerSpec
from colcon_deb_docker.container import LABEL_RUN
from colcon_deb_docker.container import Mount
from colcon_deb_docker.container import SETUP_CAPABILITIES
from colcon_deb_docker.naming import debian_package_name
from colcon_deb_docker.rosdep_source import CONTAINER_PATH as ROSDEP_PATH

HELPERS_PATH = '/colcon-deb/helpers'
SOURCE_PATH = '/colcon-deb/src'
REPO_PATH = '/colcon-deb/repo'
OUT_PATH = '/colcon-deb/out'
OVERRIDE_PATH = '/colcon-deb/debian-override'


@dataclass
class PackageResult:
    """The outcome of one package, for the summary."""

    name: str
    status: str = 'pending'
    debs: list = field(default_factory=list)
    seconds: float = 0.0
    reason: str = ''


@dataclass
class DebSession:
    """Shared state of one `colcon deb` invocation."""

    engine: object
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

    def output_dir(self, package_name):
        """Return the per-package directory the container writes .debs to."""
        return self.build_base / package_name / 'debs'

    def package_container_spec(self, *, package_name, source_path):
        """Describe the container that builds one package."""
        mounts = [
            Mount(str(source_path), SOURCE_PATH),
            Mount(str(self.helpers_dir), HELPERS_PATH),
            Mount(str(self.rosdep_dir), ROSDEP_PATH),
            Mount(str(self.repository.path), REPO_PATH),
            Mount(str(self.output_dir(package_name)), OUT_PATH,
                  read_only=False),
        ]
        if self.debian_overrides is not None:
            override = self.debian_overrides / package_name / 'debian'
            if override.is_dir():
                mounts.append(Mount(str(override), OVERRIDE_PATH))
        environment = {
            'PACKAGE_NAME': package_name,
            'HOST_UID': str(self.host_uid),
            'HOST_GID': str(self.host_gid),
            'HOME': '/build/home',
            'ROS_HOME': '/build/home/.ros',
            'ROSDEP_SOURCE_PATH': '/build/rosdep-sources',
            'COLCON_DEB_ROS_DISTRO': self.ros_distro,
            'COLCON_DEB_OS_NAME': self.builder.os_name,
            'COLCON_DEB_OS_CODENAME': self.builder.os_codename,
            'DEB_BUILD_OPTIONS': self.build_options,
            'LC_ALL': 'C.UTF-8',
            **self.rosdep_env,
        }
        return ContainerSpec(
            image=self.builder.tag,
            command=['sh', f'{HELPERS_PATH}/build-deb.sh'],
            name=f'colcon-deb-{self.run_id}-{package_name}',
            environment=environment,
            mounts=mounts,
            labels={LABEL_RUN: self.run_id,
                    'io.colcon-deb-docker.package': package_name},
            cap_add=SETUP_CAPABILITIES,
        )

    def verify_container_spec(self, *, base_image, package_names):
        """Describe the container that installs the built packages."""
        return ContainerSpec(
            image=base_image,
            command=['sh', f'{HELPERS_PATH}/verify-install.sh',
                     *[self.debian_name(n) for n in package_names]],
            name=f'colcon-deb-{self.run_id}-verify',
            environment={
                'COLCON_DEB_OS_CODENAME': self.builder.os_codename,
                'HOST_UID': '0', 'HOST_GID': '0',
            },
            mounts=[
                Mount(str(self.helpers_dir), HELPERS_PATH),
                Mount(str(self.repository.path), REPO_PATH),
            ],
            labels={LABEL_RUN: self.run_id},
            cap_add=SETUP_CAPABILITIES,
        )

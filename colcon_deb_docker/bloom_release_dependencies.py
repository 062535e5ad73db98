# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The dependencies `bloom-release` adds for a ROS 2 distribution.

`bloom-generate rosdebian` (what the build step can call on one package)
uses bloom's module-level substitutions, which skip two steps of
``RosDebianGenerator.get_subs`` (bloom/generators/rosdebian.py), the path
`bloom-release` and so the official buildfarm take:

- every package but ``ament_cmake_core``, ``ament_package`` and
  ``ros_workspace`` itself gets ``ros-<distro>-ros-workspace`` in
  ``Build-Depends`` and ``Depends`` (it installs ``/opt/ros/<distro>/
  setup.sh``, without which nothing installed finds its libraries);
- a member of ``rosidl_interface_packages`` gets the vendor typesupport
  packages in ``Build-Depends``.

This module decides those additions on the host (:func:`bloom_release_
dependencies`), so that the build order and the fingerprints count them,
and passes them to the container (``COLCON_DEB_BLOOM_RELEASE_DEPENDS``,
read by ``helpers/bloom-rosdebian.py``).  Unlike bloom, a dependency that
is neither a workspace package nor known to the container's apt sources is
left out with a note: a repository must never name a package nobody
ships.  ROS 1 distributions keep bloom's ROS 1 rules (nothing added).
"""

from dataclasses import dataclass
from pathlib import Path

from catkin_pkg.package import InvalidPackage
from catkin_pkg.package import parse_package
from colcon_core.dependency_descriptor import DependencyDescriptor
from colcon_core.logging import colcon_logger
from colcon_core.package_augmentation import PackageAugmentationExtensionPoint
from colcon_core.plugin_system import satisfies_version

logger = colcon_logger.getChild(__name__)

#: Distributions whose index entry says `ros1` (the rest are ROS 2).
ROS1_DISTROS = frozenset({
    'boxturtle', 'cturtle', 'diamondback', 'electric', 'fuerte', 'groovy',
    'hydro', 'indigo', 'jade', 'kinetic', 'lunar', 'melodic', 'noetic'})

WORKSPACE_PACKAGE = 'ros_workspace'
#: packages ros_workspace itself is built with (bloom's list)
WORKSPACE_EXEMPT = frozenset({
    'ament_cmake_core', 'ament_package', WORKSPACE_PACKAGE})
INTERFACE_GROUP = 'rosidl_interface_packages'

#: metadata key of the additions on a package descriptor
METADATA_KEY = 'colcon_deb_bloom_release_depends'


def is_ros2(ros_distro):
    """Return whether bloom treats `ros_distro` as a ROS 2 distribution."""
    return ros_distro not in ROS1_DISTROS


def typesupport_packages(ros_distro):
    """Return the typesupport build dependencies of an interface package.

    The vendor packages bloom adds for `ros_distro` (bloom 0.11's table).
    """
    if ros_distro in ('r2b2', 'r2b3', 'ardent'):
        return []
    names = ['rosidl_typesupport_fastrtps_c',
             'rosidl_typesupport_fastrtps_cpp']
    if ros_distro in ('bouncy', 'crystal', 'dashing', 'eloquent', 'foxy'):
        names += ['rosidl_typesupport_connext_c',
                  'rosidl_typesupport_connext_cpp']
    if ros_distro in ('bouncy', 'crystal', 'dashing', 'eloquent'):
        names += ['rmw_connext_cpp', 'rmw_fastrtps_cpp', 'rmw_implementation',
                  'rmw_opensplice_cpp', 'rosidl_typesupport_opensplice_c',
                  'rosidl_typesupport_opensplice_cpp']
    return names


@dataclass(frozen=True)
class ReleaseDependency:
    """One dependency bloom-release adds to a package's debian/control."""

    #: the ROS package name (ros_workspace)
    name: str
    #: also a run dependency (Depends), not only Build-Depends
    run: bool
    #: a workspace package; otherwise only added if apt knows it
    in_workspace: bool

    def encode(self):
        """Return the word the bloom helper reads: name:fields:source."""
        fields = 'build+run' if self.run else 'build'
        source = 'workspace' if self.in_workspace else 'apt'
        return f'{self.name}:{fields}:{source}'


def bloom_release_dependencies(*, ros_distro, package_name, groups,
                               workspace_names):
    """Return the :class:`ReleaseDependency` list of one package.

    :param groups: the names of the groups the package is a member of
    :param workspace_names: every package name of the workspace
    """
    if not is_ros2(ros_distro):
        return []
    additions = []
    if package_name not in WORKSPACE_EXEMPT:
        additions.append((WORKSPACE_PACKAGE, True))
    if INTERFACE_GROUP in groups:
        additions += [(n, False) for n in typesupport_packages(ros_distro)]
    return [
        ReleaseDependency(
            name=name, run=run, in_workspace=name in workspace_names)
        for name, run in additions if name != package_name]


def encode_dependencies(dependencies):
    """Return the value of ``COLCON_DEB_BLOOM_RELEASE_DEPENDS``."""
    return ' '.join(d.encode() for d in dependencies)


def member_groups(package_xml):
    """Return the group names a package.xml declares membership of."""
    try:
        package = parse_package(str(package_xml))
    except (InvalidPackage, OSError):
        # reported by the package checks; nothing to add
        return set()
    return {g.name for g in package.member_of_groups}


class BloomReleaseAugmentation(PackageAugmentationExtensionPoint):
    """Give ROS packages the dependencies bloom-release adds.

    Used by the `deb` verb only (not registered for other verbs): a
    workspace dependency becomes a build (and run) dependency of the
    descriptor, so colcon orders the packages by it; all additions are kept
    in the descriptor's metadata for the build container.
    """

    def __init__(self, *, ros_distro):  # noqa: D107
        super().__init__()
        satisfies_version(
            PackageAugmentationExtensionPoint.EXTENSION_POINT_VERSION,
            '^1.0')
        self.ros_distro = ros_distro

    def augment_packages(  # noqa: D102
        self, descs, *, additional_argument_names=None,
    ):
        names = {d.name for d in descs}
        closures = _dependency_closures(descs)
        for desc in descs:
            if not str(desc.type).startswith('ros.'):
                continue
            package_xml = Path(desc.path) / 'package.xml'
            dependencies = [
                d for d in bloom_release_dependencies(
                    ros_distro=self.ros_distro, package_name=desc.name,
                    groups=member_groups(package_xml),
                    workspace_names=names)
                # never a cycle: ros_workspace's own build tools and
                # anything a typesupport package is built from stay out
                if desc.name not in closures.get(d.name, ())]
            desc.metadata[METADATA_KEY] = dependencies
            for dependency in dependencies:
                if not dependency.in_workspace:
                    continue
                categories = ('build', 'run') if dependency.run \
                    else ('build', )
                for category in categories:
                    desc.dependencies.setdefault(category, set()).add(
                        DependencyDescriptor(dependency.name))


def _dependency_closures(descs):
    """Return {name: every workspace package it depends on, recursively}."""
    direct = {
        d.name: {str(dep) for deps in d.dependencies.values()
                 for dep in deps}
        for d in descs}
    closures = {}
    for name in direct:
        seen, todo = set(), [name]
        while todo:
            for dep in direct.get(todo.pop(), ()):
                if dep in direct and dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        closures[name] = seen
    return closures

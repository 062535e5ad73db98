"""What bloom-release adds for ROS 2, decided on the host."""

from types import SimpleNamespace

from colcon_core.dependency_descriptor import DependencyDescriptor
from colcon_deb_docker.bloom_release_dependencies import \
    bloom_release_dependencies
from colcon_deb_docker.bloom_release_dependencies import \
    BloomReleaseAugmentation
from colcon_deb_docker.bloom_release_dependencies import encode_dependencies
from colcon_deb_docker.bloom_release_dependencies import METADATA_KEY

PACKAGE_XML = """<?xml version="1.0"?>
<package format="3">
  <name>{name}</name><version>1.0.0</version><description>d</description>
  <maintainer email="dev@example.com">m</maintainer><license>MIT</license>
  {groups}<export><build_type>ament_cmake</build_type></export>
</package>
"""


def test_ros2_packages_get_ros_workspace_and_interfaces_typesupport():
    deps = bloom_release_dependencies(
        ros_distro='humble', package_name='std_msgs',
        groups={'rosidl_interface_packages'},
        workspace_names={'std_msgs', 'ros_workspace'})
    assert encode_dependencies(deps) == (
        'ros_workspace:build+run:workspace '
        'rosidl_typesupport_fastrtps_c:build:apt '
        'rosidl_typesupport_fastrtps_cpp:build:apt')
    # bloom's own exemptions, and nothing for ROS 1
    for name in ('ament_package', 'ament_cmake_core', 'ros_workspace'):
        assert bloom_release_dependencies(
            ros_distro='humble', package_name=name, groups=set(),
            workspace_names=set()) == []
    assert bloom_release_dependencies(
        ros_distro='noetic', package_name='roscpp', groups=set(),
        workspace_names={'ros_workspace'}) == []
    # foxy still had the Connext typesupport
    foxy = bloom_release_dependencies(
        ros_distro='foxy', package_name='m', workspace_names=set(),
        groups={'rosidl_interface_packages'})
    assert 'rosidl_typesupport_connext_c' in [d.name for d in foxy]


def _descriptor(tmp_path, name, depends=(), groups=()):
    path = tmp_path / name
    path.mkdir()
    (path / 'package.xml').write_text(PACKAGE_XML.format(
        name=name, groups=''.join(
            f'<member_of_group>{g}</member_of_group>' for g in groups)))
    return SimpleNamespace(
        name=name, type='ros.ament_cmake', path=path, metadata={},
        dependencies={'build': {DependencyDescriptor(d) for d in depends}})


def test_workspace_additions_order_the_build_and_never_make_a_cycle(
        tmp_path):
    descs = [
        _descriptor(tmp_path, 'ament_package'),
        _descriptor(tmp_path, 'ament_cmake_core', ['ament_package']),
        # what ros_workspace is built with must not wait for it
        _descriptor(tmp_path, 'helper_tool'),
        _descriptor(tmp_path, 'ros_workspace',
                    ['ament_cmake_core', 'helper_tool']),
        _descriptor(tmp_path, 'lib'),
        _descriptor(tmp_path, 'msgs', groups=['rosidl_interface_packages']),
    ]
    BloomReleaseAugmentation(ros_distro='humble').augment_packages(descs)
    by_name = {d.name: d for d in descs}

    def deps(name, category):
        return {str(d) for d in by_name[name].dependencies.get(category, ())}

    assert 'ros_workspace' in deps('lib', 'build')
    assert 'ros_workspace' in deps('lib', 'run')
    assert 'ros_workspace' not in deps('helper_tool', 'build')
    assert 'ros_workspace' not in deps('ament_package', 'build')
    # the typesupport is not in this workspace: no ordering, but passed on
    # for the container to add if apt knows it
    assert 'rosidl_typesupport_fastrtps_c' not in deps('msgs', 'build')
    assert 'rosidl_typesupport_fastrtps_c:build:apt' in \
        encode_dependencies(by_name['msgs'].metadata[METADATA_KEY])

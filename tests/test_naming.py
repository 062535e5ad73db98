"""Package names become Debian names and never paths."""

from colcon_deb_docker.naming import check_version
from colcon_deb_docker.naming import debian_package_name
from colcon_deb_docker.naming import InvalidPackage
import pytest


def test_debian_name_is_blooms():
    assert debian_package_name(
        ros_distro='humble', package_name='demo_ament_geometry') == \
        'ros-humble-demo-ament-geometry'


@pytest.mark.parametrize('name', [
    '../evil', '/etc/passwd', 'a/b', 'UPPER', '', '_x', 'a b', '..',
    'x' * 101, 'name\n'])
def test_unsafe_names_are_refused(name):
    with pytest.raises(InvalidPackage):
        debian_package_name(ros_distro='humble', package_name=name)


@pytest.mark.parametrize('version', ['1.0', '1.0.0.0', 'a.b.c', '1.0.0-1'])
def test_bad_versions_are_refused(version):
    with pytest.raises(InvalidPackage):
        check_version(version)
    check_version('10.2.33')

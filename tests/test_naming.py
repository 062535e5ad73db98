"""Package names become Debian names and never paths."""

from colcon_deb_docker.naming import check_version
from colcon_deb_docker.naming import debian_package_name
from colcon_deb_docker.naming import InvalidPackage
from colcon_deb_docker.naming import relation_names
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


def test_relation_names_are_the_names_apt_compares():
    assert relation_names(
        'a (>= 1), B:any | c [amd64] <!nocheck>,d(<<2),, e,\n f') == {
            'a', 'b', 'c', 'd', 'e', 'f'}
    assert relation_names('') == frozenset()


def test_the_images_distribution_names_are_read_and_checked():
    from colcon_deb_docker.builder_image import parse_os_release
    from colcon_deb_docker.errors import DebDockerError
    assert parse_os_release(
        'ID=debian\nVERSION_CODENAME=bookworm\n') == ('debian', 'bookworm')
    assert parse_os_release(
        'ID="ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\n') == \
        ('ubuntu', 'jammy')
    # they become dists/<codename> and colcon-deb-<codename>.list
    for text in ('ID=debian\nVERSION_CODENAME=../../etc\n',
                 'ID=debian\nVERSION_CODENAME=a/b\n',
                 'ID=../x\nVERSION_CODENAME=bookworm\n'):
        with pytest.raises(DebDockerError, match='not a distribution name'):
            parse_os_release(text)

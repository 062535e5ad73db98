"""Version schemes: a new fingerprint always sorts above what is published."""

import calendar
import subprocess

from colcon_deb_docker.versioning import new_version
from colcon_deb_docker.versioning import VersionError
import pytest

NOW = calendar.timegm((2026, 11, 23, 20, 15, 0))


def _new(scheme, highest, upstream='1.2.3', now=NOW):
    return new_version(scheme=scheme, upstream=upstream, codename='bookworm',
                       highest=highest, now=now, package='ros-humble-p')


def dpkg_greater(a, b):
    """Ask dpkg itself, not our reading of it."""
    return subprocess.run(
        ['dpkg', '--compare-versions', a, 'gt', b]).returncode == 0


def test_timestamp_scheme():
    assert _new('timestamp', None) == '1.2.3-0bookworm.20261123.201500'
    # above bloom's own name and above an older build
    for older in ('1.2.3-0bookworm', '1.2.3-0bookworm.20261122.101010',
                  '1.2.2-0bookworm.20271231.000000'):
        version = _new('timestamp', older)
        assert dpkg_greater(version, older), (version, older)
    # the same second, or a clock that went back: still greater
    for highest in ('1.2.3-0bookworm.20261123.201500',
                    '1.2.3-0bookworm.20261124.000000',
                    '1.2.3-0bookworm.20261124.000000.7'):
        version = _new('timestamp', highest)
        assert dpkg_greater(version, highest), (version, highest)


def test_counter_scheme():
    assert _new('counter', None) == '1.2.3-0bookworm.1'
    assert _new('counter', '1.2.3-0bookworm.9') == '1.2.3-0bookworm.10'
    assert dpkg_greater('1.2.3-0bookworm.10', '1.2.3-0bookworm.9')
    assert _new('counter', '1.2.2-0bookworm.5') == '1.2.3-0bookworm.1'


def test_none_scheme_refuses_a_published_version():
    assert _new('none', None) == '1.2.3-0bookworm'
    assert _new('none', '1.2.2-0bookworm') == '1.2.3-0bookworm'
    with pytest.raises(VersionError, match='raise the version in package'):
        _new('none', '1.2.3-0bookworm')


def test_a_lower_package_xml_version_is_refused_clearly():
    with pytest.raises(VersionError) as error:
        _new('timestamp', '2.0.0-0bookworm.20200101.000000')
    assert 'ros-humble-p 1.2.3 sorts below the published 2.0.0' in \
        str(error.value)

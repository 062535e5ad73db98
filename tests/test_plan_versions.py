"""Planning against the published manifest: versions always go up.

A fake session (no engine): the repository's checked manifest is real.
"""

from pathlib import Path
from types import SimpleNamespace

from colcon_deb_docker.plan import assign_version
from colcon_deb_docker.plan import PlannedPackage
from colcon_deb_docker.plan import published_stamp
from colcon_deb_docker.repository.manifest import Manifest
from colcon_deb_docker.repository.manifest import version_key

PACKAGE_XML = """<?xml version="1.0"?>
<package format="3"><name>pkg</name><version>1.0.0</version>
<description>d</description>
<maintainer email="dev@example.com">m</maintainer><license>MIT</license>
<export><build_type>cmake</build_type></export></package>
"""


def _entry(version, fingerprint):
    return {
        'filename': f'pool/main/r/ros-humble-pkg_{version}_amd64.deb',
        'package': 'ros-humble-pkg', 'version': version,
        'architecture': 'amd64',
        'provenance': {'ros_package': 'pkg', 'fingerprint': fingerprint,
                       'source_date_epoch': 1}}


def _session(manifest):
    return SimpleNamespace(
        repository=SimpleNamespace(manifest=manifest),
        debian_name=lambda name: 'ros-humble-' + name.replace('_', '-'),
        version_scheme='counter', started=1e9,
        builder=SimpleNamespace(os_codename='bookworm'))


def test_sources_changed_back_to_an_older_build_get_a_higher_version(
        tmp_path):
    (tmp_path / 'package.xml').write_text(PACKAGE_XML)
    manifest = Manifest()
    manifest.add(_entry('1.0.0-0bookworm.1', 'old'))
    manifest.add(_entry('1.0.0-0bookworm.2', 'new'))
    session = _session(manifest)
    # back to the sources of .1: reusing .1 would leave apt on .2
    planned = PlannedPackage(
        name='pkg', arch='amd64', path=Path(tmp_path), fingerprint='old',
        action='build', reason='changed')
    assign_version(session=session, planned=planned)
    assert version_key(planned.version) > version_key('1.0.0-0bookworm.2')
    # and a lost stamp is not taken for "up to date" with .1 either
    assert published_stamp(
        session=session, name='pkg', arch='amd64', fingerprint='old') is None
    # the latest build is reused as it is
    latest = published_stamp(
        session=session, name='pkg', arch='amd64', fingerprint='new')
    assert latest['version'] == '1.0.0-0bookworm.2'
    planned.fingerprint = 'new'
    assign_version(session=session, planned=planned)
    assert planned.version == '1.0.0-0bookworm.2'

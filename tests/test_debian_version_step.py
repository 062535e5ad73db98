"""The version step's changelog: what dpkg reads back, without warnings."""

import importlib.util
import subprocess

from colcon_deb_docker.helpers_path import helpers_dir

BLOOM_CHANGELOG = """\
ros-humble-x (1.0.0-0bookworm) bookworm; urgency=high

  * Fix a thing

 -- A Maintainer <dev@example.com>  Mon, 01 Jan 2024 00:00:00 -0000

ros-humble-x (0.9.0-0bookworm) bookworm; urgency=high



 -- A Maintainer <dev@example.com>  Mon, 01 Jan 2023 00:00:00 -0000

"""


def _step():
    spec = importlib.util.spec_from_file_location(
        'set_debian_version', helpers_dir() / 'set-debian-version.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_entry_reads_back_without_dpkg_warnings(tmp_path):
    # bloom writes an empty entry for a CHANGELOG.rst version that lists
    # nothing; dpkg warned about it in every build's console
    (tmp_path / 'debian').mkdir()
    changelog = tmp_path / 'debian' / 'changelog'
    changelog.write_text(BLOOM_CHANGELOG)
    _step().set_changelog(str(changelog), '1.0.0-0bookworm.1', 0, 'abc1234')
    result = subprocess.run(
        ['dpkg-parsechangelog', '--all'], cwd=tmp_path,
        capture_output=True, text=True, check=True)
    assert result.stderr == ''
    assert 'Version: 1.0.0-0bookworm.1' in result.stdout
    assert 'Built by colcon deb from commit abc1234' in result.stdout
    assert 'No changes recorded.' in result.stdout

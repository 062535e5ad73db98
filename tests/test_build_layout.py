"""The build base and the repository are kept apart."""

from colcon_deb_docker.build_layout import check_apart
from colcon_deb_docker.errors import DebDockerError
import pytest


def test_the_same_directory_is_refused(tmp_path):
    # it used to end in "another colcon deb run (pid <its own pid>) is
    # writing to ...": the run's two locks on one directory
    with pytest.raises(DebDockerError, match=(
            '--build-base and --output-base are the same directory')):
        check_apart(build_base=tmp_path / 'out', output_base=tmp_path / 'out')
    # also when only a link makes them the same
    (tmp_path / 'out').mkdir()
    (tmp_path / 'link').symlink_to(tmp_path / 'out')
    with pytest.raises(DebDockerError, match='the same directory'):
        check_apart(build_base=tmp_path / 'link',
                    output_base=tmp_path / 'out')


def test_a_build_base_inside_the_repository_is_refused(tmp_path):
    # it used to be published with the repository: stamps, caches, scratch
    with pytest.raises(DebDockerError, match=(
            'is inside the repository .*: it would be published with it')):
        check_apart(build_base=tmp_path / 'deb' / 'b',
                    output_base=tmp_path / 'deb')


def test_apart_or_the_repository_inside_the_build_base_is_fine(tmp_path):
    check_apart(build_base=tmp_path / 'build_deb',
                output_base=tmp_path / 'deb')
    check_apart(build_base=tmp_path / 'build',
                output_base=tmp_path / 'build' / 'deb')
    # a name that only starts like the other is not inside it
    check_apart(build_base=tmp_path / 'deb2', output_base=tmp_path / 'deb')

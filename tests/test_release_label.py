"""--label: a repository made anew keeps the identity apt knows it by."""

import shutil
import subprocess

from colcon_deb_docker.apt_sources import parse_apt_source
from colcon_deb_docker.apt_sources import underlays_sharing_label
from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.repository.indexes import release_label
from colcon_deb_docker.repository.publish_rules import RepositoryError
from debs import make_deb
import pytest
from test_command_line import _parse
from test_command_line import _Refused


def _new_repository(root, work, **kwargs):
    """Make the repository from nothing, as a CI job without a cache does."""
    shutil.rmtree(root, ignore_errors=True)
    repo = AptRepository(path=root, codename='bookworm',
                         architectures=['amd64'], **kwargs)
    repo.check(repair=True)
    repo.ensure_initialized()
    repo.publish(debs=[make_deb(work, name='first')])
    return repo


def _apt_update(root, apt_dir, *, sources=None):
    """Run the host's apt-get update on the repository, state in apt_dir.

    The same apt state across calls: a machine following the repository.

    :param sources: the sources.list to use (default: one line for root)
    """
    for directory in ('state/lists/partial', 'cache/archives/partial'):
        (apt_dir / directory).mkdir(parents=True, exist_ok=True)
    if sources is None:
        sources = apt_dir / 'sources.list'
        sources.write_text(f'deb [trusted=yes] file:{root} bookworm main\n')
    return subprocess.run(
        ['apt-get', 'update',
         '-o', f'Dir::State={apt_dir / "state"}',
         '-o', f'Dir::Cache={apt_dir / "cache"}',
         '-o', f'Dir::Etc::SourceList={sources}',
         '-o', 'Dir::Etc::SourceParts=/nonexistent',
         '-o', 'APT::Sandbox::User=root'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_apt_follows_a_repository_made_anew_under_the_same_label(tmp_path):
    root = tmp_path / 'repo'
    _new_repository(root, tmp_path / 'w1', label='acme-robot-debs')
    assert release_label(root, 'bookworm') == 'acme-robot-debs'
    first = _apt_update(root, tmp_path / 'apt')
    assert first.returncode == 0, first.stdout
    # the next CI run starts from nothing again
    _new_repository(root, tmp_path / 'w2', label='acme-robot-debs')
    second = _apt_update(root, tmp_path / 'apt')
    assert second.returncode == 0, second.stdout


def test_without_a_label_apt_stops_following_a_repository_made_anew(
    tmp_path,
):
    # what --label is for: each new repository gets a label of its own,
    # and apt refuses the change on the machines following it
    root = tmp_path / 'repo'
    _new_repository(root, tmp_path / 'w1')
    assert _apt_update(root, tmp_path / 'apt').returncode == 0
    _new_repository(root, tmp_path / 'w2')
    second = _apt_update(root, tmp_path / 'apt')
    assert second.returncode != 0
    assert "changed its 'Label' value" in second.stdout, second.stdout


def test_a_label_the_repository_does_not_have_is_refused(tmp_path):
    root = tmp_path / 'repo'
    _new_repository(root, tmp_path / 'w1', label='first-name')
    other = AptRepository(path=root, codename='bookworm',
                          architectures=['amd64'], label='second-name')
    for repair in (False, True):
        with pytest.raises(RepositoryError) as refused:
            other.check(repair=repair)
        assert str(refused.value) == (
            f'{root} has the Label first-name, not second-name (--label): '
            'apt stops updating from a repository whose Label changes; '
            'pass --label first-name, or another --output-base for a new '
            'repository')
    assert release_label(root, 'bookworm') == 'first-name'
    # without --label, the repository keeps the one it has
    same = AptRepository(path=root, codename='bookworm',
                         architectures=['amd64'])
    same.check(repair=True)
    assert same.label == 'first-name'


@pytest.mark.parametrize('text', [
    'a,b', 'two words', '-leading', '', 'x' * 65, 'l=x', 'new\nline'])
def test_a_label_that_would_change_the_pin_is_refused(text):
    with pytest.raises(_Refused) as refused:
        _parse(f'--label={text}')
    assert 'expected letters, digits' in str(refused.value)


def test_a_label_of_letters_digits_and_marks_is_taken():
    assert _parse('--label', 'acme-robot_debs.2+x~1').label == \
        'acme-robot_debs.2+x~1'
    assert _parse().label is None


def test_a_new_distribution_joins_the_repository_under_its_label(tmp_path):
    root = tmp_path / 'repo'
    bookworm = _new_repository(root, tmp_path / 'w1')
    trixie = AptRepository(path=root, codename='trixie',
                           architectures=['amd64'])
    trixie.check(repair=True)
    trixie.ensure_initialized()
    assert release_label(root, 'trixie') == bookworm.label
    assert bookworm.label.startswith('colcon-deb-')


def test_an_underlay_under_the_repositorys_label_is_found(tmp_path):
    # two CI jobs from one recipe: the overlay's pin would raise the
    # underlay's packages too
    underlay = tmp_path / 'underlay'
    _new_repository(underlay, tmp_path / 'w1', label='acme-robot-debs')
    other = tmp_path / 'other'
    _new_repository(other, tmp_path / 'w2', label='acme-core-debs')
    sources = [parse_apt_source(f'deb [trusted=yes] file:{path} bookworm main')
               for path in (underlay, other)]
    assert underlays_sharing_label('acme-robot-debs', sources) == \
        sources[:1]
    assert underlays_sharing_label('acme-app-debs', sources) == []

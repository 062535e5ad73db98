"""--valid-for: a Release with an end, renewed before half of it is gone."""

import email.utils
from pathlib import Path

from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.repository.indexes import release_field
from colcon_deb_docker.repository.indexes import release_valid_until
from colcon_deb_docker.repository.self_check import check_repository
from colcon_deb_docker.repository.validity import format_duration
from colcon_deb_docker.repository.validity import parse_duration
from colcon_deb_docker.verb.deb import DebVerb
from debs import make_deb
import pytest
from repository_checks import assert_consistent
from test_command_line import _parse
from test_command_line import _Refused

DAY = 86400


def _repo(path, **kwargs):
    return AptRepository(path=path, codename='bookworm',
                         architectures=['amd64'], **kwargs)


def _published(tmp_path, **kwargs):
    root = tmp_path / 'deb'
    repo = _repo(root, **kwargs)
    repo.ensure_initialized()
    repo.publish(debs=[make_deb(tmp_path / 'work', name='first')])
    return root


def _release(root):
    return root / 'dists' / 'bookworm'


def _check(root, **kwargs):
    return check_repository(root=root, codename='bookworm',
                            architectures=['amd64'], repair=False, **kwargs)


@pytest.mark.parametrize('text, seconds', [
    ('7d', 7 * DAY), ('12h', 12 * 3600), ('1.5h', 5400), ('90m', 5400),
    ('30s', 30), ('2w', 14 * DAY), ('7D', 7 * DAY)])
def test_durations_take_their_unit(text, seconds):
    assert parse_duration(text) == seconds
    assert _parse('--valid-for', text).valid_for == seconds


@pytest.mark.parametrize('text', [
    '7', '0d', '-1d', 'd', 'week', '', '1y', '3651d', '99999999999999w'])
def test_a_duration_without_a_unit_or_above_zero_is_refused(text):
    with pytest.raises(_Refused) as refused:
        _parse(f'--valid-for={text}')
    assert 'expected a duration above 0 with its unit' in str(refused.value)


def test_durations_read_back_for_people():
    assert format_duration(7 * DAY) == '7d'
    assert format_duration(3.5 * DAY) == '3d 12h'
    assert format_duration(90) == '1m 30s'


def test_valid_for_without_a_signature_is_refused(capsys):
    # Valid-Until in an unsigned Release protects nothing
    args = _parse('--valid-for', '7d', '--ros-distro', 'humble')
    rc = DebVerb().main(context=type('Context', (), {'args': args}))
    assert rc == 1
    assert '--valid-for needs a signed repository' in \
        capsys.readouterr().err


def test_a_release_without_valid_for_has_no_end(tmp_path):
    root = _published(tmp_path)
    assert release_field(_release(root), 'Valid-Until') is None
    assert _check(root).renewals == []


def test_the_release_is_valid_for_what_was_asked(tmp_path):
    root = _published(tmp_path, valid_for=7 * DAY)
    date = email.utils.parsedate_to_datetime(
        release_field(_release(root), 'Date')).timestamp()
    assert release_valid_until(_release(root)) - date == 7 * DAY
    assert_consistent(root)
    # fresh: nothing to renew, not even after a little less than half
    report = _check(root, valid_for=7 * DAY)
    assert report.renewals == [] and not report.rewrite
    report = _check(root, valid_for=7 * DAY, now=date + 3.4 * DAY)
    assert report.renewals == [] and not report.rewrite


def test_a_release_half_gone_or_expired_is_renewed(tmp_path):
    root = _published(tmp_path, valid_for=7 * DAY)
    date = email.utils.parsedate_to_datetime(
        release_field(_release(root), 'Date')).timestamp()
    report = _check(root, valid_for=7 * DAY, now=date + 3.6 * DAY)
    assert report.rewrite and report.repairs == []
    assert 'less than half of its validity left' in report.renewals[0]
    report = _check(root, valid_for=7 * DAY, now=date + 8 * DAY)
    assert 'its Release expired at' in report.renewals[0]


def test_a_renewal_writes_a_new_snapshot_of_the_same_packages(tmp_path):
    # written valid for 10 s; a run asking for a day renews it at once
    root = _published(tmp_path, valid_for=10)
    before = assert_consistent(root)
    serial = _release(root).resolve().name
    repo = _repo(root, valid_for=DAY)
    report = repo.check(repair=True)
    assert report.renewals and report.repairs == []
    assert _release(root).resolve().name != serial
    after = assert_consistent(root)
    assert after == before
    left = release_valid_until(_release(root)) - \
        email.utils.parsedate_to_datetime(
            release_field(_release(root), 'Date')).timestamp()
    assert left == DAY
    # and then it is fresh: the next run writes nothing
    serial = _release(root).resolve().name
    report = _repo(root, valid_for=DAY).check(repair=True)
    assert not report.renewals and _release(root).resolve().name == serial


def test_a_validity_longer_than_asked_is_shortened(tmp_path):
    root = _published(tmp_path, valid_for=30 * DAY)
    report = _check(root, valid_for=DAY)
    assert 'longer than asked' in report.renewals[0]


def test_a_run_without_valid_for_takes_the_end_away(tmp_path):
    # else the Release would expire under a user who dropped the option
    root = _published(tmp_path, valid_for=DAY)
    report = _repo(root).check(repair=True)
    assert 'without one' in report.renewals[0]
    assert release_field(_release(root), 'Valid-Until') is None


def test_a_valid_until_that_does_not_parse_is_written_again(tmp_path):
    root = _published(tmp_path, valid_for=DAY)
    release = _release(root) / 'Release'
    text = release.read_text().splitlines(keepends=True)
    text = [('Valid-Until: someday\n' if line.startswith('Valid-Until:')
             else line) for line in text]
    # the snapshot's Release is ours to break in a test only
    Path(release.resolve()).write_text(''.join(text))
    report = _check(root, valid_for=DAY)
    assert report.rewrite and report.repairs == []
    assert 'does not parse' in report.renewals[0]

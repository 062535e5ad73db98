# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The summary is an event handler fed by the jobs' events."""

from dataclasses import replace

from colcon_core.event_handler import get_event_handler_extensions
from colcon_core.event_reactor import EventReactorShutdown
from colcon_core.location import set_default_log_path
from colcon_deb_docker.event_handler.deb_summary import \
    DebSummaryEventHandler
from colcon_deb_docker.event_handler.deb_summary import summary_lines
from colcon_deb_docker.events import DebPackageResult
from colcon_deb_docker.events import DebRunStarted
from colcon_deb_docker.session import PackageResult
from colcon_deb_docker.timeline_svg import assign_lanes


def _run():
    return DebRunStarted(
        package_names=('broken', 'lib', 'needs_broken'),
        repository_path='/ws/deb',
        source_line='deb [trusted=yes] file:/ws/deb bookworm main',
        codename='bookworm')


def test_summary_printed_at_shutdown_from_the_events(capsys, tmp_path):
    set_default_log_path(base_path=tmp_path, subdirectory='latest_deb')
    handler = DebSummaryEventHandler()
    handler((_run(), None))
    handler((DebPackageResult.of(PackageResult(
        name='lib', status='built', seconds=3.25,
        debs=['ros-humble-lib_1.0.0-0bookworm_amd64.deb'],
        timeline=[['container', 100.0, 103.25], ['bloom', 100.5, 101.0],
                  ['dpkg:compile', 101.5, 102.5]])), None))
    handler((DebPackageResult(
        name='broken', status='failed', seconds=1.0,
        reason='container exited with code 2'), None))
    # nothing before the jobs end
    assert capsys.readouterr().out == ''
    handler((EventReactorShutdown(), None))
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert 'colcon deb summary:' in lines
    assert '  lib           built           3.2s  ' \
        'ros-humble-lib_1.0.0-0bookworm_amd64.deb' in lines, out
    assert '  broken        failed          1.0s  container exited with ' \
        'code 2' in lines, out
    # a package whose job never ran (its dependency failed)
    assert '  needs_broken  pending      skipped (a dependency failed or ' \
        'the run stopped)' in lines, out
    assert '  deb [trusted=yes] file:/ws/deb bookworm main' in lines
    # the run's picture, linked from the summary: one bar, its phases
    picture = tmp_path / 'latest_deb' / 'colcon-deb-timeline-bookworm.svg'
    assert f'timeline of the run: {picture}' in lines
    svg = picture.read_text()
    assert '<title>lib: 3.2 s</title>' in svg
    assert '<title>lib bloom: 0.5 s</title>' in svg
    assert '<title>lib dpkg:compile: 1.0 s</title>' in svg


def test_no_summary_without_a_deb_run(capsys):
    # the handler is installed for every colcon verb: `colcon build` must
    # not get a deb summary
    handler = DebSummaryEventHandler()
    handler((EventReactorShutdown(), None))
    assert capsys.readouterr().out == ''


def test_the_handler_is_a_colcon_event_handler():
    # registered through the entry point, so --event-handlers deb_summary-
    # turns it off like any other
    extensions = get_event_handler_extensions(context=None)
    assert isinstance(extensions.get('deb_summary'), DebSummaryEventHandler)


def test_lanes_are_the_workers():
    # two workers: a long job, two short ones after each other beside it
    spans = {'long': (0.0, 10.0), 'a': (0.5, 4.0), 'b': (4.0, 8.0),
             'c': (10.0, 12.0)}
    lanes = assign_lanes(spans)
    assert lanes['long'] != lanes['a']
    assert lanes['a'] == lanes['b']
    assert max(lanes.values()) == 1


def test_the_summary_says_until_when_a_release_is_valid(tmp_path):
    snapshot = tmp_path / 'deb' / 'dists' / 'bookworm'
    snapshot.mkdir(parents=True)
    (snapshot / 'Release').write_text(
        'Codename: bookworm\nDate: Mon, 07 Dec 2026 00:00:00 GMT\n'
        'Valid-Until: Mon, 14 Dec 2026 00:00:00 GMT\n')
    run = replace(_run(), repository_path=str(tmp_path / 'deb'),
                  valid_for=7 * 86400)
    lines = summary_lines(run, {})
    assert lines[-1] == '  its Release is valid until 2026-12-14 ' \
        '00:00:00 UTC: run colcon deb at least every 3d 12h to renew it ' \
        '(--valid-for)'
    # without the option, nothing is said
    assert not any('valid' in line for line in summary_lines(_run(), {}))


def test_the_summary_gives_the_line_of_the_machines_served():
    line = ('deb [signed-by=/etc/apt/keyrings/acme.gpg] https://x/acme '
            'bookworm main')
    run = replace(_run(), public_line=line,
                  public_key_path='/etc/apt/keyrings/acme.gpg',
                  public_key_fingerprint='0123ABCD' * 5)
    assert summary_lines(run, {})[-1] == (
        f'  served: {line}  (in colcon-deb-bookworm.list; key.gpg goes to '
        '/etc/apt/keyrings/acme.gpg, its fingerprint '
        f"{'0123ABCD' * 5})")
    unsigned = replace(_run(), public_line='deb [trusted=yes] file:/srv/d '
                       'bookworm main')
    assert summary_lines(unsigned, {})[-1] == (
        '  served: deb [trusted=yes] file:/srv/d bookworm main  (in '
        'colcon-deb-bookworm.list)')
    assert not any('served' in line for line in summary_lines(_run(), {}))

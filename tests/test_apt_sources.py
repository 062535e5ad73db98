"""--apt-source lines with {codename}; the consumer files of a repository.

A repository of several distributions gives each consumer its own sources
lines and one pin file for all.
"""

import contextlib
from functools import partial
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
import threading

from colcon_deb_docker.apt_sources import parse_apt_source
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.repository.consumer_files import update_consumer_files
import pytest


def _underlay(root, *suites):
    for suite in suites:
        release = root / 'dists' / suite / 'Release'
        release.parent.mkdir(parents=True)
        release.write_text(f'Codename: {suite}\n')


def test_codename_stands_for_each_distribution(tmp_path):
    _underlay(tmp_path, 'bookworm', 'trixie')
    line = f'deb [trusted=yes] file:{tmp_path} {{codename}} main'
    for codename in ('bookworm', 'trixie'):
        source = parse_apt_source(line, codename=codename)
        assert source.suite == codename
        assert source.text == f'deb [trusted=yes] file:{tmp_path} ' \
            f'{codename} main'
    # http(s) too, anywhere in the line
    source = parse_apt_source(
        'deb [trusted=yes] https://example.org/{codename} {codename}-ros '
        'main', codename='trixie')
    assert (source.uri, source.suite) == (
        'https://example.org/trixie', 'trixie-ros')


def test_before_the_distributions_are_known_only_the_rest_is_checked(
        tmp_path):
    line = f'deb [trusted=yes] file:{tmp_path} {{codename}} main'
    assert parse_apt_source(line).suite == '{codename}'
    with pytest.raises(DebDockerError, match='unsigned: give its key'):
        parse_apt_source(f'deb file:{tmp_path} {{codename}} main')
    # once put in, a suite the underlay lacks is named
    _underlay(tmp_path, 'bookworm')
    with pytest.raises(DebDockerError) as e:
        parse_apt_source(line, codename='trixie')
    assert str(e.value) == (
        f'--apt-source {line!r}: no repository at {tmp_path} (missing '
        'dists/trixie/Release)')


def test_an_unknown_placeholder_is_an_error(tmp_path):
    with pytest.raises(DebDockerError, match=r'unknown placeholder '
                       r'\{CODENAME\} \(known: \{codename\}\)'):
        parse_apt_source(
            'deb [trusted=yes] http://x/ {CODENAME} main', codename='x')


def test_the_pin_covers_every_distribution_and_each_has_its_sources(
        tmp_path):
    underlays = {
        codename: [parse_apt_source(
            'deb [trusted=yes] http://x/ {codename} main',
            codename=codename)]
        for codename in ('bookworm', 'trixie')}
    for codename, keys in (('bookworm', {'a': 'ros-humble-a'}),
                           ('trixie', {'a': 'ros-humble-a',
                                       'b': 'ros-humble-b'})):
        update_consumer_files(
            tmp_path, rosdep_keys=keys, os_name='debian', codename=codename,
            label='colcon-deb-1234', underlays=underlays[codename],
            sources_line=f'deb [trusted=yes] file:/repo {codename} main')
    pin = (tmp_path / 'colcon-deb.pref').read_text()
    stanzas = pin.split('\n\n')
    assert stanzas[0].endswith(
        'Package: ros-humble-a\n'
        'Pin: release l=colcon-deb-1234, n=bookworm\n'
        'Pin-Priority: 1001')
    assert stanzas[1] == (
        'Package: ros-humble-a ros-humble-b\n'
        'Pin: release l=colcon-deb-1234, n=trixie\n'
        'Pin-Priority: 1001\n')
    for codename in ('bookworm', 'trixie'):
        assert (tmp_path / f'colcon-deb-{codename}.list').read_text() == (
            f'deb [trusted=yes] http://x/ {codename} main\n'
            f'deb [trusted=yes] file:/repo {codename} main\n')
    # the file of old: the distribution published last
    assert (tmp_path / 'colcon-deb.list').read_text() == \
        (tmp_path / 'colcon-deb-trixie.list').read_text()


def test_an_underlays_state_is_its_release_file(tmp_path):
    from colcon_deb_docker.apt_sources import release_file
    from colcon_deb_docker.apt_sources import underlays_now
    _underlay(tmp_path, 'bookworm')
    source = parse_apt_source(
        f'deb [trusted=yes] file:{tmp_path} bookworm main')
    assert release_file(source) == b'Codename: bookworm\n'
    before = underlays_now([source])
    # republished: another state, so other dependency images
    (tmp_path / 'dists' / 'bookworm' / 'Release').write_text(
        'Codename: bookworm\nDate: later\n')
    assert underlays_now([source]) != before
    # the signed one first
    (tmp_path / 'dists' / 'bookworm' / 'InRelease').write_text('signed\n')
    assert release_file(source) == b'signed\n'
    with pytest.raises(OSError, match='no Release file'):
        release_file(parse_apt_source(
            f'deb [trusted=yes] file:{tmp_path} {{codename}} main'))


@contextlib.contextmanager
def _served(directory, requests):
    """Serve `directory` over HTTP on the loopback; yield its URL.

    Each request's path is appended to `requests`.
    """
    class Recording(SimpleHTTPRequestHandler):

        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 (http.server calls it so)
            requests.append(self.path)
            super().do_GET()

    server = ThreadingHTTPServer(
        ('127.0.0.1', 0), partial(Recording, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_underlays_release_file_is_fetched(tmp_path):
    from colcon_deb_docker.apt_sources import release_file
    _underlay(tmp_path, 'bookworm')
    (tmp_path / 'flat').mkdir()
    (tmp_path / 'flat' / 'Release').write_text('flat\n')
    with _served(tmp_path, []) as url:
        # no InRelease there (404): the Release file
        assert release_file(parse_apt_source(
            f'deb [trusted=yes] {url} bookworm main')) == \
            b'Codename: bookworm\n'
        # a flat repository
        assert release_file(parse_apt_source(
            f'deb [trusted=yes] {url}/flat ./')) == b'flat\n'
        with pytest.raises(OSError, match='no Release file'):
            release_file(parse_apt_source(
                f'deb [trusted=yes] {url} trixie main'))


def test_a_run_reads_an_underlays_release_once(tmp_path):
    # it used to be fetched three times a run (the reachability check, the
    # Label check, the dependency images' state), each time the state of
    # that moment: a republication between them gave the run two views
    from colcon_deb_docker.apt_sources import underlays_now
    from colcon_deb_docker.apt_sources import underlays_sharing_label
    from colcon_deb_docker.apt_sources import with_release
    _underlay(tmp_path, 'bookworm')
    release = tmp_path / 'dists' / 'bookworm' / 'Release'
    release.write_text('Label: acme\nCodename: bookworm\n')
    requests = []
    with _served(tmp_path, requests) as url:
        fresh = parse_apt_source(f'deb [trusted=yes] {url} bookworm main')
        source = with_release(fresh)
        assert requests == [
            '/dists/bookworm/InRelease', '/dists/bookworm/Release']
        state = underlays_now([source])
        release.write_text('Label: acme\nCodename: bookworm\nDate: later\n')
        assert underlays_sharing_label('acme', [source]) == [source]
        assert underlays_now([source]) == state
        assert len(requests) == 2
        # what a fresh read of the republished underlay gives
        assert underlays_now([fresh]) != state


def test_a_percent_encoded_file_repository_is_found(tmp_path):
    # the line colcon deb prints for a repository path with blanks, given
    # back as the underlay of another workspace: it used to look for the
    # directory `ci%20builds` and fail with "no repository at ..."
    root = tmp_path / 'ci builds' / 'deb'
    _underlay(root, 'bookworm')
    source = parse_apt_source(
        f'deb [trusted=yes] file:{tmp_path}/ci%20builds/deb bookworm main',
        codename='bookworm')
    assert source.local_path == root


def test_an_unreachable_http_underlay_is_one_error(tmp_path):
    # it used to go on: a warning with apt's "Could not connect" lines from
    # bloom's container, then each build that needed it failing the same way
    from colcon_deb_docker.apt_sources import with_release
    import socket
    with socket.socket() as closed:
        closed.bind(('127.0.0.1', 0))
        port = closed.getsockname()[1]
    line = f'deb [trusted=yes] http://127.0.0.1:{port}/ bookworm main'
    with pytest.raises(DebDockerError) as error:
        with_release(parse_apt_source(line, codename='bookworm'))
    assert str(error.value).startswith(
        f'--apt-source {line!r}: cannot read its Release file (')
    assert 'refused' in str(error.value)
    assert str(error.value).endswith(
        '); check the URL, the suite and the network (or the proxy '
        'settings)')
    # a file: underlay was checked when parsed; its Release is read too
    _underlay(tmp_path, 'bookworm')
    assert with_release(parse_apt_source(
        f'deb [trusted=yes] file:{tmp_path} bookworm main')).release == \
        b'Codename: bookworm\n'

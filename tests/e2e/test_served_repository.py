"""A repository served over HTTP, set up on a machine from its own files.

What the README tells a robot to do, with apt's own downloader in place
of curl (the base image has no curl): fetch key.gpg into
/etc/apt/keyrings/<label>.gpg and colcon-deb-<codename>.list into
sources.list.d, then install with apt verifying the signature.
"""

import contextlib
import functools
from http.server import SimpleHTTPRequestHandler
from http.server import ThreadingHTTPServer
import re
import subprocess
import threading

from e2e_support import data_package
from e2e_support import run_script
from test_proxy import _bridge_gateway
from test_signing import _key_file


class _RecordingHandler(SimpleHTTPRequestHandler):
    """Serves files quietly; appends (path, User-Agent) to `requests`."""

    def __init__(self, *args, requests, **kwargs):
        self.requests = requests
        super().__init__(*args, **kwargs)

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server calls it so)
        self.requests.append((self.path, self.headers.get('User-Agent', '')))
        super().do_GET()


@contextlib.contextmanager
def _served(directory, engine, requests=None):
    """Serve `directory` over HTTP; yield the URL containers reach it at.

    :param requests: a list each request's (path, User-Agent) goes to
    """
    server = ThreadingHTTPServer(('0.0.0.0', 0), functools.partial(
        _RecordingHandler, directory=str(directory),
        requests=[] if requests is None else requests))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://{_bridge_gateway(engine)}:{server.server_port}'
    finally:
        server.shutdown()
        server.server_close()


def _fingerprint(key):
    """Return the fingerprint of the one key in an exported key file."""
    listing = subprocess.run(
        ['gpg', '--show-keys', '--with-colons', str(key)],
        check=True, capture_output=True, text=True).stdout
    return next(line.split(':')[9] for line in listing.splitlines()
                if line.startswith('fpr:'))


def _set_up_and_install(engine, base_image, url, *, label, package):
    """Run the README's machine setup in a fresh container; (rc, output)."""
    return run_script(engine, base_image, f"""
        set -e
        # only the served repository (the package needs nothing else)
        rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
        get() {{ /usr/lib/apt/apt-helper download-file "$1" "$2"; }}
        install -d -m 0755 /etc/apt/keyrings
        get {url}/key.gpg /etc/apt/keyrings/{label}.gpg
        get {url}/colcon-deb-bookworm.list /etc/apt/sources.list.d/{label}.list
        cat /etc/apt/sources.list.d/{label}.list
        apt-get update 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y {package} 2>&1
        """)


def test_a_machine_set_up_from_the_served_files_installs(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('served_pkg', data_package('served_pkg'))
    key_file = _key_file(workspace)
    with _served(workspace.root, engine) as server:
        url = f'{server}/deb'
        result = workspace.colcon_deb(
            '--sign-key-file', str(key_file), '--label', 'acme-served',
            '--public-url', f'{url}/')
        line = (f'deb [signed-by=/etc/apt/keyrings/acme-served.gpg] {url} '
                'bookworm main')
        assert (workspace.repo / 'colcon-deb-bookworm.list').read_text() \
            == line + '\n'
        assert f'served: {line}  (in colcon-deb-bookworm.list; key.gpg ' \
            'goes to /etc/apt/keyrings/acme-served.gpg, its fingerprint ' \
            f'{_fingerprint(workspace.repo / "key.gpg")})' in result.stdout
        rc, output = _set_up_and_install(
            engine, base_image, url, label='acme-served',
            package='ros-humble-served-pkg')
    print(output)
    assert rc == 0, output
    assert f'{url} bookworm InRelease' in output
    assert 'Setting up ros-humble-served-pkg' in output


def test_a_workspace_builds_on_a_served_underlay(
    make_workspace, engine,
):
    # the host reads the underlay's Release once a run (it used to fetch
    # it up to three times: reachability, Label, dependency images), the
    # builds install the underlay's package over HTTP, and the verified apt
    # cache keeps it for the next build (each build downloaded it again,
    # and each warned that it was "not cached")
    underlay = make_workspace([])
    underlay.add_package('served_base', data_package('served_base'))
    key_file = _key_file(underlay)
    underlay.colcon_deb('--sign-key-file', str(key_file))
    overlay = make_workspace([])
    overlay.add_package('served_app', data_package(
        'served_app', depends=['served_base']))
    # built after served_app, needing served_base again
    overlay.add_package('served_tool', data_package(
        'served_tool', depends=['served_base', 'served_app']))
    requests = []
    with _served(underlay.root, engine, requests) as server:
        result = overlay.colcon_deb(
            '--apt-source', f'deb [signed-by={underlay.repo}/key.gpg] '
            f'{server}/deb bookworm main',
            '--rosdep-source', str(underlay.repo / 'rosdep.yaml'),
            # (an image of the set would download it once anyway)
            '--no-dependency-images')
    assert overlay.bloom_debs() == [
        'ros-humble-served-app_0.1.0-0bookworm_amd64.deb',
        'ros-humble-served-tool_0.1.0-0bookworm_amd64.deb'], \
        overlay.bloom_debs()
    release = '/deb/dists/bookworm/InRelease'
    host = [path for path, agent in requests
            if agent.startswith('Python-urllib')]
    assert host == [release], requests
    # apt in the containers: bloom's and the builds'
    assert any(path == release and 'APT' in agent
               for path, agent in requests), requests
    downloads = [path for path, _ in requests if path.endswith('.deb')]
    assert len(downloads) == 1 and 'served-base' in downloads[0], requests
    cache = overlay.root / 'build_deb' / '.apt-archives'
    assert [p.name for p in cache.glob('ros-humble-served-base_*.deb')] == [
        downloads[0].rsplit('/', 1)[1]]
    assert 'not cached' not in result.stdout

    # the two builds share the set: its image is made ahead of them, from
    # the cache (the container making it downloaded the set again)
    requests.clear()
    with _served(underlay.root, engine, requests) as server:
        overlay.colcon_deb(
            '--apt-source', f'deb [signed-by={underlay.repo}/key.gpg] '
            f'{server}/deb bookworm main',
            '--rosdep-source', str(underlay.repo / 'rosdep.yaml'), '--force')
    events = (overlay.root / 'log' / 'latest_deb' / 'events.log').read_text()
    for name in ('served_app', 'served_tool'):
        assert re.search(
            rf'\({name}\) JobProgress.*dependency-image: colcon-deb-deps:',
            events), events
    assert [path for path, _ in requests if path.endswith('.deb')] == [], \
        requests

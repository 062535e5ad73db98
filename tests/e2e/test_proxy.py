"""Behind a proxy: dependency images fetch through it and never keep it.

The host's proxy variables (with a password, as a company proxy has) go
to every apt that fetches for a run: the image build of a dependency set
gets them as docker's predefined build arguments, and the container whose
commit is a dependency set's image on an underlay gets them as a file in
a volume the commit does not keep.  A recording proxy in the test process
shows the fetches went through it; the images, their history and the
run's logs show no trace of it.
"""

import fcntl
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
import json
import socket
import struct
import threading
import urllib.error
import urllib.request

from e2e_support import data_package
import pytest
from test_dependency_images import _images_used

#: a proxy password: in no image, history or log
SECRET = 'pr0xy-s3cret'
#: a Debian library no other test installs, so its set's image is made
#: in this test (the images of earlier runs are removed first)
LIBRARY = 'libinih-dev'
LABEL_SET = 'io.colcon-deb-docker.dependency-set'


class _RecordingProxy(BaseHTTPRequestHandler):
    """A forward HTTP proxy that records the URLs it fetched."""

    protocol_version = 'HTTP/1.1'
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def do_GET(self):  # noqa: N802
        self._forward(body=True)

    def do_HEAD(self):  # noqa: N802
        self._forward(body=False)

    def _forward(self, *, body):
        self.server.seen.append(self.path)
        headers = {name: self.headers[name] for name in (
            'If-Modified-Since', 'Range', 'If-Range')
            if self.headers[name]}
        request = urllib.request.Request(
            self.path, headers=headers, method=self.command)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, reply, data = (
                    response.status, response.headers, response.read())
        except urllib.error.HTTPError as e:
            status, reply, data = e.code, e.headers, e.read()
        except OSError:
            status, reply, data = 502, {}, b''
        self.send_response(status)
        for name in ('Content-Type', 'Last-Modified', 'Content-Range'):
            if reply.get(name):
                self.send_header(name, reply[name])
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, *args):
        pass


def _bridge_gateway(engine):
    """Return the address containers on the default bridge reach the host at.

    The bridge network's IPAM configuration names it, except when dockerd
    took it from the bridge interface itself (a fresh docker0): then it is
    that interface's address.
    """
    network = engine.client.networks.get('bridge').attrs
    for config in network['IPAM']['Config'] or []:
        if config.get('Gateway'):
            return config['Gateway']
    name = network['Options'].get('com.docker.network.bridge.name', 'docker0')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack('256s', name.encode()[:15])
        reply = fcntl.ioctl(sock.fileno(), 0x8915, request)  # SIOCGIFADDR
    return socket.inet_ntoa(reply[20:24])


@pytest.fixture
def proxy(engine):
    """Return (the proxy URL containers reach, the URLs it fetched)."""
    server = ThreadingHTTPServer(('0.0.0.0', 0), _RecordingProxy)
    server.daemon_threads = True
    server.seen = []
    gateway = _bridge_gateway(engine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield (f'http://colcon:{SECRET}@{gateway}:{server.server_port}',
               server.seen)
    finally:
        server.shutdown()
        server.server_close()


def _rosdep_file(workspace):
    path = workspace.root / 'proxy-rosdep.yaml'
    path.write_text(f'proxy_test_inih:\n  debian: [{LIBRARY}]\n')
    return str(path)


def _remove_images_of_sets_with(engine, library):
    for image in engine.client.images.list(filters={'label': LABEL_SET}):
        if library in image.labels[LABEL_SET].split():
            engine.client.images.remove(image.id, force=True)


def _assert_no_trace(engine, tag, workspace, url):
    image = engine.client.images.get(tag)
    kept = json.dumps([image.attrs, image.history()])
    assert SECRET not in kept and url.split('@')[1] not in kept, kept
    for path in (workspace.root / 'log').rglob('*'):
        if path.is_file():
            assert SECRET not in path.read_text(errors='replace'), path


def _fetched(seen, library):
    name = library.split(':')[0]
    return [url for url in seen if f'/{name}_' in url and
            url.endswith('.deb')]


def test_a_dependency_image_build_fetches_through_the_proxy(
        make_workspace, engine, proxy):
    url, seen = proxy
    _remove_images_of_sets_with(engine, LIBRARY)
    workspace = make_workspace(packages=[])
    for name in ('proxy_a', 'proxy_b'):
        workspace.add_package(name, data_package(
            name, depends=['proxy_test_inih']))
    workspace.colcon_deb(
        '--rosdep-source', _rosdep_file(workspace),
        extra_env={'http_proxy': url})
    _, _, used_a = _images_used(workspace, 'proxy_a')
    _, _, used_b = _images_used(workspace, 'proxy_b')
    assert used_a and used_a == used_b, (used_a, used_b)
    assert engine.client.images.get(used_a[0]).labels[LABEL_SET] == LIBRARY
    assert _fetched(seen, LIBRARY), seen
    _assert_no_trace(engine, used_a[0], workspace, url)


def test_a_dependency_image_on_an_underlay_fetches_through_the_proxy(
        make_workspace, engine, proxy):
    url, seen = proxy
    underlay = make_workspace(packages=[])
    underlay.add_package('proxy_base', data_package('proxy_base'))
    underlay.colcon_deb()
    workspace = make_workspace(packages=[])
    for name in ('proxy_app_a', 'proxy_app_b'):
        workspace.add_package(name, data_package(
            name, depends=['proxy_base', 'proxy_test_inih']))
    workspace.colcon_deb(
        '--apt-source', f'deb [trusted=yes] file:{underlay.repo} bookworm '
        'main', '--rosdep-source', str(underlay.repo / 'rosdep.yaml'),
        '--rosdep-source', _rosdep_file(workspace),
        extra_env={'http_proxy': url})
    _, _, used_a = _images_used(workspace, 'proxy_app_a')
    _, _, used_b = _images_used(workspace, 'proxy_app_b')
    assert used_a and used_a == used_b, (used_a, used_b)
    image = engine.client.images.get(used_a[0])
    assert image.labels[LABEL_SET] == f'{LIBRARY} ros-humble-proxy-base'
    assert _fetched(seen, LIBRARY), seen
    _assert_no_trace(engine, used_a[0], workspace, url)
    # the settings' file went with the container's volume
    left = engine.client.containers.run(
        image.id, remove=True, network_mode='none', command=[
            'sh', '-c', 'ls -A /colcon-deb/proxy 2>/dev/null; '
            'grep -rl proxy /etc/apt 2>/dev/null; true']).decode()
    assert left == '', left

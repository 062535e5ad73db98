"""End-to-end fixtures: a real Docker engine, real images, a real user.

Nothing here skips: a missing engine or base image fails the run, because
an end-to-end test that does not run proves nothing.  `scripts/test.sh`
prepares both.
"""

import grp
import os
from pathlib import Path
import pwd
import shutil
import subprocess
import tempfile
import time

from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import DebDockerError
from e2e_support import BASE_IMAGE
from e2e_support import SECOND_ENGINE_SOCKET
from e2e_support import SECOND_ENGINE_TCP
from e2e_support import TESTER
from e2e_support import Workspace
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / 'examples' / 'src'
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Mark every test here `e2e`.

    `pytest -m "not e2e"` is then the fast, engine-free unit run.
    """
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope='session')
def engine():
    try:
        return DockerEngine()
    except DebDockerError as e:
        pytest.fail(f'end-to-end tests need a Docker engine: {e}')


def require_image(engine, image):
    """Return `image`; fail (never skip) the test when it is missing."""
    if not engine.has_image(image):
        pytest.fail(f'base image {image} is missing: run '
                    f'colcon-deb-base-image --tag {image}')
    return image


@pytest.fixture(scope='session')
def base_image(engine):
    return require_image(engine, BASE_IMAGE)


@pytest.fixture(scope='session')
def second_base_image(engine):
    """Return the base image of a second distribution (see test.sh)."""
    suite = os.environ.get('COLCON_DEB_SECOND_SUITE', 'trixie')
    return require_image(engine, f'local/debian:{suite}')


@pytest.fixture(scope='session')
def tester():
    """Return (uid, gid) of an unprivileged user who may use the engine."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    try:
        pwd.getpwnam(TESTER)
    except KeyError:
        subprocess.run(
            ['useradd', '--create-home', '--groups', 'docker', TESTER],
            check=True)
    entry = pwd.getpwnam(TESTER)
    assert TESTER in grp.getgrnam('docker').gr_mem or \
        entry.pw_gid == grp.getgrnam('docker').gr_gid
    return entry.pw_uid, entry.pw_gid


@pytest.fixture(scope='session')
def make_workspace(tester):
    created = []

    def make(packages=None, *, parent=None):
        # parent: where the workspace goes (default: the temp directory)
        root = Path(tempfile.mkdtemp(prefix='colcon-deb-e2e-', dir=parent))
        os.chmod(root, 0o755)
        for src in sorted(EXAMPLES.iterdir()):
            if packages is None or src.name in packages:
                shutil.copytree(src, root / 'src' / src.name, symlinks=True)
        workspace = Workspace(root, *tester)
        workspace._chown()
        created.append(root)
        return workspace

    yield make
    for root in created:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope='session', autouse=True)
def no_ccache_volume_left():
    """Remove the ccache volumes the suite's runs made, at its end.

    Whatever build base they used (a workspace of make_workspace, a
    --build-base of a test's own, a CI recipe's checkout): the suite left
    one for each package and architecture of the latter two on every run
    before.  At the end of the session, after the module fixtures'
    workspaces are done with theirs.
    """
    volumes = DockerEngine().client.volumes

    def ccache_volumes():
        return {v.name: v for v in volumes.list(
            filters={'name': 'colcon-deb-ccache-'})}

    before = set(ccache_volumes())
    yield
    for name, volume in ccache_volumes().items():
        if name not in before:
            volume.remove(force=True)


@pytest.fixture(scope='session')
def second_engine(engine, base_image):
    """Start a second Docker engine here that shares no files with us.

    It runs in its own mount namespace with an empty tmpfs over /tmp, where
    every test workspace lives, so a bind mount of a workspace path would
    find nothing there: sources and results must travel through the API.
    Its images are copied from the first engine (no registry here).
    """
    from colcon_deb_docker.builder_image import prepare_builder_image
    url = f'unix://{SECOND_ENGINE_SOCKET}'
    process = None
    try:
        second = DockerEngine(base_url=url)
    except DebDockerError:
        if os.geteuid() != 0:
            pytest.fail('the second engine needs root to start')
        bridge = 'cdd-br0'
        if subprocess.run(['ip', 'link', 'show', bridge],
                          capture_output=True).returncode:
            subprocess.run(['ip', 'link', 'add', bridge, 'type', 'bridge'],
                           check=True)
            subprocess.run(['ip', 'addr', 'add', '172.29.0.1/24', 'dev',
                            bridge], check=True)
        subprocess.run(['ip', 'link', 'set', bridge, 'up'], check=True)
        log = open('/var/log/colcon-deb-second-dockerd.log', 'ab')
        process = subprocess.Popen(
            ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
             'mount -t tmpfs tmpfs /tmp && exec dockerd '
             f'--host {url} --host {SECOND_ENGINE_TCP} '
             '--data-root /var/lib/colcon-deb-second '
             '--exec-root /var/run/colcon-deb-second '
             '--pidfile /var/run/colcon-deb-second.pid '
             f'--bridge {bridge} --iptables=false --ip-masq=false'],
            stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            try:
                second = DockerEngine(base_url=url)
                break
            except DebDockerError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail('the second engine did not start; see '
                                '/var/log/colcon-deb-second-dockerd.log')
                time.sleep(0.5)
    images = [base_image, prepare_builder_image(
        engine=engine, base_image=base_image).tag]
    foreign = f'{base_image}-arm64'
    if engine.has_image(foreign):
        images += [foreign, prepare_builder_image(
            engine=engine, base_image=foreign, platform='linux/arm64').tag]
    for image in images:
        if not second.has_image(image):
            data = engine.client.images.get(image).save(named=True)
            second.client.images.load(b''.join(data))
    yield second
    if process is not None:
        process.terminate()
        process.wait(timeout=60)

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

import pytest

from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import DebDockerError
from e2e_support import BASE_IMAGE
from e2e_support import TESTER
from e2e_support import Workspace

EXAMPLES = Path(__file__).resolve().parents[2] / 'examples' / 'src'


@pytest.fixture(scope='session')
def engine():
    try:
        return DockerEngine()
    except DebDockerError as e:
        pytest.fail(f'end-to-end tests need a Docker engine: {e}')


@pytest.fixture(scope='session')
def base_image(engine):
    if not engine.has_image(BASE_IMAGE):
        pytest.fail(f'base image {BASE_IMAGE} is missing: run '
                    f'colcon-deb-base-image --tag {BASE_IMAGE}')
    return BASE_IMAGE


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

    def make(packages=None):
        root = Path(tempfile.mkdtemp(prefix='colcon-deb-e2e-'))
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

"""bloom ahead runs beside the builds: each build waits for its own debian/.

A fake engine stands in for the container (the real one runs in
tests/e2e/test_bloom_ahead.py): it announces packages one by one and holds
on between them, so that the test sees a package's debian/ taken and its
wait over while bloom is still busy with the next one.
"""

from concurrent.futures import ThreadPoolExecutor
import io
import tarfile
import threading
from types import SimpleNamespace

from colcon_deb_docker.bloom_ahead import BloomAhead
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.helpers_path import helpers_dir
from colcon_deb_docker.progress import PREFIX
import docker.errors
import pytest

#: how long a test waits for the other thread before it fails
PATIENCE = 10


def _line(status, message=''):
    return PREFIX + '{"step": "bloom-ahead", "status": "%s", ' \
        '"message": "%s"}' % (status, message)


def _debian_archive(name):
    """Return what get_archive gives for /colcon-deb/out/<name>/debian."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w') as tar:
        directory = tarfile.TarInfo('debian')
        directory.type = tarfile.DIRTYPE
        tar.addfile(directory)
        for member, text in (('control', f'Source: {name}\n'),
                             ('rules', '#!/usr/bin/make -f\n')):
            data = text.encode()
            info = tarfile.TarInfo(f'debian/{member}')
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class FakeContainer:
    """Serves the debian/ of the packages it has announced."""

    def __init__(self):  # noqa: D107
        self.announced = set()
        self.asked = []

    def get_archive(self, path):  # noqa: D102
        self.asked.append(path)
        name = path.split('/')[-2]
        if name not in self.announced:
            raise docker.errors.NotFound(path)
        return iter([_debian_archive(name)]), {}


class FakeEngine:
    """Runs a script of (line, event to wait for before it) pairs."""

    def __init__(self, script, *, fails=False):  # noqa: D107
        self.script = script
        self.fails = fails
        self.container = FakeContainer()

    def create(self, spec):  # noqa: D102
        return self.container

    def run_created(self, container, *, on_line, timeout, remove_later):
        # noqa: D102
        for line, before in self.script:
            if before is not None:
                assert before.wait(PATIENCE)
            if '"generated"' in line:
                container.announced.add(line.split('"message": "')[1][:-2])
            on_line(line, False)
        if self.fails:
            raise ContainerFailed(name='bloom', exit_code=1, log_tail='boom')


def _package_xml(name):
    return f"""<?xml version="1.0"?>
<package format="3">
  <name>{name}</name>
  <version>0.1.0</version>
  <description>d</description>
  <maintainer email="m@example.com">m</maintainer>
  <license>Apache-2.0</license>
  <export><build_type>ament_cmake</build_type></export>
</package>
"""


@pytest.fixture
def make_ahead(tmp_path):
    pool = ThreadPoolExecutor(max_workers=4)

    def make(engine, names):
        session = SimpleNamespace(
            layout=SimpleNamespace(build_base=tmp_path / 'build',
                                   codename='bookworm'),
            helpers_dir=helpers_dir(),
            builder=SimpleNamespace(tag='builder:1', os_name='debian',
                                    os_codename='bookworm'),
            ros_distro='humble', apt_sources=[], debian_overrides=None,
            specs=SimpleNamespace(bloom_ahead=lambda **_: 'spec'),
            engine_for=lambda arch: engine, timeout=None,
            remove_later=lambda remove: None,
            interrupted=threading.Event(), submit=pool.submit)
        descriptors = {}
        for name in names:
            path = tmp_path / 'src' / name
            path.mkdir(parents=True)
            (path / 'package.xml').write_text(_package_xml(name))
            descriptors[name] = SimpleNamespace(path=path, metadata={})
        ahead = BloomAhead(session)
        started = ahead.prepare(
            check=SimpleNamespace(packages={}),
            planned=[SimpleNamespace(name=n, architecture_independent=False)
                     for n in names],
            descriptors=descriptors, order=list(reversed(names)))
        assert started == len(names)
        return ahead

    yield make
    pool.shutdown(wait=True)


def test_a_build_waits_for_its_own_debian_only(make_ahead):
    go_on = threading.Event()
    engine = FakeEngine([
        (_line('start', '2 package(s)'), None),
        (_line('generated', 'first'), None),
        (_line('generated', 'second'), go_on),
        (_line('done', '2 of 2 generated'), None)])
    # generated in the order the jobs start (the given order: reversed)
    ahead = make_ahead(engine, ['second', 'first'])
    assert ahead.pending('second')
    # `first` is out while the container still works on `second`
    first = ahead.wait_for('first')
    assert (first / 'control').read_text() == 'Source: first\n'
    assert ahead.debian_dir('first') == first
    assert ahead.pending('second')
    assert ahead.seconds['first'] >= 0
    go_on.set()
    assert (ahead.wait_for('second') / 'control').read_text() == \
        'Source: second\n'
    ahead.wait(timeout=PATIENCE)
    # kept under the package's key for the next run
    assert first.parent.parent.name == 'first'
    assert engine.container.asked == [
        '/colcon-deb/out/first/debian', '/colcon-deb/out/second/debian']


def test_a_name_the_host_did_not_send_is_ignored(make_ahead):
    go_on = threading.Event()
    engine = FakeEngine([
        (_line('generated', '../../escape'), None),
        (_line('generated', 'other'), None),
        (_line('failed', 'pkg: bloom said no'), None),
        (_line('done', '0 of 1 generated'), go_on)])
    ahead = make_ahead(engine, ['pkg'])
    # a failure ends the wait at once, without a debian/: its build runs
    # bloom itself
    assert ahead.wait_for('pkg') is None
    go_on.set()
    ahead.wait(timeout=PATIENCE)
    # nothing was asked of the container for names it made up
    assert engine.container.asked == []


def test_a_failed_container_ends_every_wait(make_ahead):
    engine = FakeEngine([
        (_line('generated', 'one'), None)], fails=True)
    ahead = make_ahead(engine, ['one', 'two'])
    assert ahead.wait_for('two') is None
    assert ahead.wait_for('one') is not None
    ahead.wait(timeout=PATIENCE)
    assert not ahead.pending('two')


def test_an_error_of_the_host_ends_every_wait_too(make_ahead):
    class Broken(FakeEngine):

        def create(self, spec):
            raise RuntimeError('not what anyone expected')

    ahead = make_ahead(Broken([]), ['one'])
    assert ahead.wait_for('one') is None

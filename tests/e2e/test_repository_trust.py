"""A repository people can publish.

Upgrades, stable bytes, history, provenance, and no torn state for a reader
at any moment.
"""

import gzip
import hashlib
import json
import os
import re
import signal
import subprocess
import threading
import time

from debian.debfile import DebFile
from e2e_support import colcon_command
from e2e_support import data_package
from e2e_support import list_containers
from repository_checks import assert_consistent
from repository_checks import assert_entries_match


def _hashes(repo):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in repo.glob('pool/main/*/*.deb')}


def _manifest(repo):
    return json.loads((repo / 'dists/bookworm/manifest.json').read_text())


def _version(repo, package):
    return _manifest(repo)['highest'][package]


def _dpkg_gt(a, b):
    return subprocess.run(
        ['dpkg', '--compare-versions', a, 'gt', b]).returncode == 0


def _git(workspace, *args):
    """Run git in the workspace as its owner (colcon deb runs as them)."""
    kwargs = {'env': {'PATH': os.environ['PATH'],
                      'HOME': str(workspace.root)}}
    if os.geteuid() == 0:
        kwargs.update(user=workspace.uid, group=workspace.gid)
    return subprocess.run(
        ['git', '-C', str(workspace.root), '-c', 'user.name=t', '-c',
         'user.email=t@example.com', *args], check=True, text=True,
        stdout=subprocess.PIPE, **kwargs).stdout.strip()


class Consumer:
    """A robot: a long-lived container that installs from the repository."""

    def __init__(self, engine, base_image, repo):
        self.container = engine.client.containers.run(
            base_image, ['sleep', '3600'], detach=True, remove=True,
            volumes={str(repo): {'bind': '/repo', 'mode': 'ro'}})
        self.sh('echo "deb [trusted=yes] file:/repo bookworm main" '
                '> /etc/apt/sources.list.d/colcon-deb.list')

    def sh(self, script):
        code, output = self.container.exec_run(
            ['sh', '-c', script],
            environment={'DEBIAN_FRONTEND': 'noninteractive'})
        output = output.decode()
        assert code == 0, output[-3000:]
        return output

    def version(self, package):
        return self.sh(f"dpkg-query -W -f '${{Version}}' {package}")

    def close(self):
        self.container.remove(force=True)


class Reader(threading.Thread):
    """Polls the repository as an apt client would, the whole time."""

    def __init__(self, repo):
        super().__init__(daemon=True)
        self.repo = repo
        self.stop = threading.Event()
        self.checks = 0
        self.errors = []

    def run(self):
        dists = self.repo / 'dists' / 'bookworm'
        while not self.stop.is_set():
            try:
                # apt reads Release first, then fetches the index by hash
                release = (dists / 'Release').read_text()
                wanted = [line.split() for line in
                          release.split('SHA256:')[1].splitlines()[1:]
                          if line.endswith('binary-amd64/Packages')]
                digest = wanted[0][0]
                by_hash = dists / 'main/binary-amd64/by-hash/SHA256' / digest
                data = by_hash.read_bytes()
                assert hashlib.sha256(data).hexdigest() == digest
                assert_entries_match(self.repo)
                self.checks += 1
            except (AssertionError, OSError, IndexError) as e:
                self.errors.append(repr(e))


def test_a_changed_package_upgrades_and_unchanged_bytes_stay(
    make_workspace, engine, base_image
):
    workspace = make_workspace(['demo_geometry', 'demo_tools'])
    _git(workspace, 'init', '-q')
    _git(workspace, 'add', '-A')
    _git(workspace, 'commit', '-q', '-m', 'first')
    commit = _git(workspace, 'rev-parse', 'HEAD')
    repo = workspace.repo
    workspace.colcon_deb()
    geometry, tools = 'ros-humble-demo-geometry', 'ros-humble-demo-tools'
    old = {p: _version(repo, p) for p in (geometry, tools)}

    # provenance: the manifest and the changelog name the commit
    entries = {e['package']: e for e in _manifest(repo)['debs']}
    entry = entries[tools]
    assert entry['version'] == old[tools]
    assert entry['architecture'] == 'amd64'
    deb = repo / entry['filename']
    assert entry['sha256'] == hashlib.sha256(deb.read_bytes()).hexdigest()
    provenance = entry['provenance']
    assert provenance['ros_package'] == 'demo_tools'
    commit_time = int(_git(workspace, 'log', '-1', '--format=%ct'))
    assert provenance['vcs'] == {
        'commit': commit, 'dirty': False, 'time': commit_time}
    # a clean checkout: SOURCE_DATE_EPOCH is the commit's time
    assert provenance['source_date_epoch'] == commit_time
    assert provenance['builder_image'].startswith('colcon-deb-builder:')
    # the base image here may predate the label: then the tag counted
    assert re.fullmatch(r'(content:[0-9a-f]{16})?',
                        provenance['builder_content'])
    assert len(provenance['fingerprint']) == 64
    assert provenance['build_started'] <= provenance['build_finished']
    changelog = DebFile(str(deb)).data.get_content(
        f'./usr/share/doc/{tools}/changelog.Debian.gz')
    assert f'Built by colcon deb from commit {commit}' in \
        gzip.decompress(changelog).decode()

    robot = Consumer(engine, base_image, repo)
    try:
        robot.sh(f'apt-get update -qq && apt-get install -y -qq {tools}')
        assert robot.version(tools) == old[tools]

        # --force on unchanged sources: the very same bytes
        before = _hashes(repo)
        workspace.colcon_deb('--force')
        assert _hashes(repo) == before

        # a changed library without a package.xml bump
        source = workspace.root / 'src/demo_geometry/src/geometry.cpp'
        source.write_text(source.read_text() + '\n// changed\n')
        dry = workspace.colcon_deb('--dry-run')
        assert 'build (changed: sources)' in dry.stdout
        assert 'build (changed: dependency demo_geometry)' in dry.stdout

        reader = Reader(repo)
        reader.start()
        workspace.colcon_deb()
        reader.stop.set()
        reader.join()
        assert reader.checks > 10
        assert reader.errors == []

        new = {p: _version(repo, p) for p in (geometry, tools)}
        for package in (geometry, tools):
            assert _dpkg_gt(new[package], old[package])
        # the published files of the first build are still there, unchanged
        for name, digest in before.items():
            assert _hashes(repo)[name] == digest
        entries = {(e['package'], e['version']): e
                   for e in _manifest(repo)['debs']}
        changed = entries[(geometry, new[geometry])]['provenance']
        assert changed['vcs'] == {
            'commit': commit, 'dirty': True, 'time': commit_time}
        # with uncommitted changes, the time the version was made
        assert changed['source_date_epoch'] > commit_time
        assert f'{geometry} (>= {new[geometry]})' in \
            entries[(tools, new[tools])]['control']['Depends']

        output = robot.sh('apt-get update -qq && apt-get upgrade -y')
        assert '2 upgraded' in output, output
        assert robot.version(geometry) == new[geometry]
        assert robot.version(tools) == new[tools]
        # history: yesterday's build is one apt command away
        robot.sh(f'apt-get install -y -qq --allow-downgrades '
                 f'{tools}={old[tools]} {geometry}={old[geometry]}')
        assert robot.version(tools) == old[tools]
    finally:
        robot.close()
    assert_consistent(repo)


def test_retention_keeps_the_newest_versions(make_workspace):
    workspace = make_workspace([])
    workspace.add_package('kept_pkg', data_package('kept_pkg'))
    data = workspace.root / 'src/kept_pkg/data.txt'
    built = []
    for n in range(3):
        data.write_text(f'build {n}\n')
        workspace.colcon_deb('--keep-versions', '2')
        built.append(_version(workspace.repo, 'ros-humble-kept-pkg'))
    assert len(set(built)) == 3
    versions = sorted(e['version'] for e in _manifest(workspace.repo)['debs'])
    assert versions == sorted(built[1:])
    packages = (workspace.repo / 'dists/bookworm/main/binary-amd64/'
                'Packages').read_text()
    assert packages.count('Package: ros-humble-kept-pkg\n') == 2
    assert_consistent(workspace.repo)


def test_kill_9_during_a_run_then_the_next_run_is_consistent(
    make_workspace, engine, base_image
):
    workspace = make_workspace([])
    names = [f'kill_pkg_{n}' for n in range(4)]
    for name in names:
        workspace.add_package(name, data_package(name))
    workspace.colcon_deb()
    _kill_a_run(workspace, engine, names=names, moment='first publish',
                contents='first publish\n')
    # a container seen just before the kill may be one the run was already
    # removing (the engine finishes a removal its client asked for), so
    # try again, with new contents, until the kill leaves containers
    for attempt in range(5):
        contents = f'mid-run {attempt}\n'
        _kill_a_run(workspace, engine, names=names, moment='mid-run',
                    contents=contents)
        if workspace.containers(engine):
            break
    else:
        raise AssertionError('no kill left a container behind in 5 tries')
    result = workspace.colcon_deb()
    # the killed run's containers were still there: removed, not left
    assert 'a killed run of this build base left behind' in result.stdout
    assert_consistent(workspace.repo)
    listed = _manifest(workspace.repo)
    for name in names:
        debian = 'ros-humble-' + name.replace('_', '-')
        [deb] = [e for e in listed['debs'] if e['package'] == debian and
                 e['version'] == listed['highest'][debian]]
        built = DebFile(str(workspace.repo / deb['filename'])) \
            .data.get_content(f'./opt/ros/humble/share/{name}/data.txt')
        assert built == contents.encode(), result.stdout
    leftovers = list_containers(engine, all=True, filters={
        'label': 'io.colcon-deb-docker.build-base='
                 f'{workspace.build_base_label}'})
    assert leftovers == []


def test_a_build_that_does_not_reproduce_gets_a_new_version(make_workspace):
    workspace = make_workspace([])
    # every build installs different bytes (a random number made at
    # configure time), so a --force rebuild cannot reproduce the published
    # file: it must never replace it, and gets a version of its own
    workspace.add_package('random_pkg', data_package(
        'random_pkg', cmake_extra='string(RANDOM LENGTH 32 noise)\n'
        'file(WRITE ${CMAKE_BINARY_DIR}/noise.txt ${noise})\n'
        'install(FILES ${CMAKE_BINARY_DIR}/noise.txt DESTINATION '
        'share/random_pkg)'))
    workspace.colcon_deb()
    first = _hashes(workspace.repo)
    version = _version(workspace.repo, 'ros-humble-random-pkg')
    result = workspace.colcon_deb('--force')
    assert f'did not reproduce the published bytes of {version}' in \
        result.stdout
    for name, digest in first.items():
        assert _hashes(workspace.repo)[name] == digest
    newer = _version(workspace.repo, 'ros-humble-random-pkg')
    assert _dpkg_gt(newer, version)
    assert_consistent(workspace.repo)


def _kill_a_run(workspace, engine, *, names, moment, contents):
    """Change every package, start a run and kill -9 it at the moment.

    ``first publish``: once one more file is in the pool; ``mid-run``: once
    the second package is published and a build container is up.
    """
    for name in names:  # all of them change
        (workspace.root / 'src' / name / 'data.txt').write_text(contents)
    cmd, kwargs = colcon_command(workspace)
    process = subprocess.Popen(cmd, **kwargs, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    published = len(_hashes(workspace.repo))
    while time.monotonic() < deadline and process.poll() is None:
        if moment == 'first publish' and \
                len(_hashes(workspace.repo)) > published:
            break
        # builds of 2.4 s leave moments with no container at all
        if moment == 'mid-run' and (
                workspace.root / 'build_deb' / 'bookworm' / names[1] /
                'amd64' / 'debs').exists() and \
                workspace.containers(engine):
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # what a reader sees right after the kill is consistent already
    assert_entries_match(workspace.repo)


def test_the_sources_list_of_a_path_with_blanks_works_in_apt(
    make_workspace, engine, base_image,
):
    # the printed line and colcon-deb.list named `file:/x/deb out`: apt
    # took `file:/x/deb` for the URI and `out` for the suite
    workspace = make_workspace([])
    workspace.add_package('blank_pkg', data_package('blank_pkg'))
    repo = workspace.root / 'deb out'
    result = workspace.colcon_deb('--output-base', str(repo))
    line = (repo / 'colcon-deb.list').read_text().strip()
    assert line in result.stdout
    assert '%20' in line
    output = engine.client.containers.run(
        base_image, remove=True, command=['sh', '-ec', """
            cp '/given/colcon-deb.list' /etc/apt/sources.list.d/
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                ros-humble-blank-pkg > /dev/null
            cat /opt/ros/humble/share/blank_pkg/data.txt"""],
        # the repository where the line says, as on the machine that built
        volumes={str(repo): {'bind': str(repo), 'mode': 'ro'},
                 str(repo / 'colcon-deb.list'): {
                     'bind': '/given/colcon-deb.list', 'mode': 'ro'}},
    ).decode()
    assert output == 'blank_pkg 1\n'

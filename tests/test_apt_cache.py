# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The verified apt cache admits exactly the files Debian's indexes name."""

import hashlib
from types import SimpleNamespace

from colcon_deb_docker.apt_cache import apt_quote
from colcon_deb_docker.apt_cache import archive_name
from colcon_deb_docker.apt_cache import index_digests
from colcon_deb_docker.apt_cache import VerifiedAptCache


def _stanza(package, version, arch, filename, content):
    return (f'Package: {package}\nVersion: {version}\n'
            f'Installed-Size: 1\nArchitecture: {arch}\n'
            f'Filename: {filename}\nSize: {len(content)}\n'
            f'SHA256: {hashlib.sha256(content).hexdigest()}\n\n').encode()


def test_a_version_with_an_epoch_is_admitted_under_apt_naming(
    tmp_path, caplog,
):
    # apt stores libspdlog-dev 1:1.10.0+ds-0.4 as
    # libspdlog-dev_1%3a1.10.0+ds-0.4_amd64.deb, while the pool file has
    # no epoch: such downloads were never cached
    spdlog, catkin, other = b'spdlog deb', b'catkin deb', b'other deb'
    index = (
        _stanza('libspdlog-dev', '1:1.10.0+ds-0.4', 'amd64',
                'pool/main/s/spdlog/libspdlog-dev_1.10.0+ds-0.4_amd64.deb',
                spdlog) +
        _stanza('catkin', '0.8.10-9', 'all',
                'pool/main/c/catkin/catkin_0.8.10-9_all.deb', catkin) +
        _stanza('libfoo1', '2.0-1', 'amd64',
                'pool/main/f/foo/libfoo1_2.0-1_amd64.deb', other))
    staging = tmp_path / 'staging'
    staging.mkdir()
    (staging / 'libspdlog-dev_1%3a1.10.0+ds-0.4_amd64.deb').write_bytes(
        spdlog)
    (staging / 'catkin_0.8.10-9_all.deb').write_bytes(catkin)
    # a file with a real name but other content is still dropped
    (staging / 'libfoo1_2.0-1_amd64.deb').write_bytes(b'planted')
    cache = VerifiedAptCache(path=tmp_path / 'cache',
                             read_indexes=lambda: index)
    cache.path.mkdir()
    # a file the indexes do not name (planted, or of an underlay
    # republished since they were read)
    (staging / 'ros-humble-ul-base_1.0.0-0bookworm_amd64.deb').write_bytes(
        b'underlay deb')
    with caplog.at_level('DEBUG'):
        admitted, rejected = cache.admit(staging)
    assert admitted == ['catkin_0.8.10-9_all.deb',
                        'libspdlog-dev_1%3a1.10.0+ds-0.4_amd64.deb']
    assert rejected == ['libfoo1_2.0-1_amd64.deb',
                        'ros-humble-ul-base_1.0.0-0bookworm_amd64.deb']
    assert (cache.path / admitted[1]).read_bytes() == spdlog
    # the rewritten file is warned of, the unknown one logged
    warnings = [r.getMessage() for r in caplog.records
                if r.levelname == 'WARNING']
    assert warnings == [
        'not cached (content other than the signed apt indexes give): '
        'libfoo1_2.0-1_amd64.deb']
    assert 'not cached (not in the signed apt indexes): ' \
        'ros-humble-ul-base_1.0.0-0bookworm_amd64.deb' in caplog.text


def test_apt_file_names_quote_what_apt_quotes():
    assert archive_name(package='a', version='1:2.0~rc1+x_y',
                        architecture='all',
                        filename='pool/a_2.0~rc1+x_y_all.deb') == \
        'a_1%3a2.0~rc1+x%5fy_all.deb'
    digests = index_digests(
        _stanza('libspdlog1', '1:1.10.0+ds-0.4', 'amd64',
                'pool/main/s/spdlog/libspdlog1_1.10.0+ds-0.4_amd64.deb', b'x'))
    assert set(digests) == {'libspdlog1_1.10.0+ds-0.4_amd64.deb',
                            'libspdlog1_1%3a1.10.0+ds-0.4_amd64.deb'}


def test_index_fields_are_whole_lines_at_either_end_of_the_text():
    # the first stanza at the text's very start, the last one without a
    # newline at its end; a field with a space, or not at a line's start,
    # gives nothing
    text = (b'Package: a\nVersion: 1\nArchitecture: all\n'
            b'Filename: pool/a_1_all.deb\nSHA256: aa\n\n'
            b'Package: b\nFilename: pool/b c.deb\nSHA256: bb\n\n'
            b'XPackage: c\nX-Filename: pool/c.deb\nSHA256: cc\n\n'
            b'Package: d\nVersion: 2:1\nArchitecture: amd64\n'
            b'Filename: pool/d_1_amd64.deb\nSHA256: dd')
    assert index_digests(text) == {
        'a_1_all.deb': 'aa', 'd_1_amd64.deb': 'dd',
        'd_2%3a1_amd64.deb': 'dd'}
    assert apt_quote('1.0+ds-1', '_:') == '1.0+ds-1'
    assert apt_quote('x y%\u00e9', '_:') == 'x%20y%25%c3%a9'


def _session():
    """Return what the apt cache reads of a run with one underlay."""
    return SimpleNamespace(
        builders={'amd64': SimpleNamespace(tag='builder')}, transfer=set(),
        engine_for=lambda arch: None, labels={}, apt_sources=('underlay',),
        run_id='run', timeout=None, specs=SimpleNamespace(
            dependency_set=lambda **kwargs: kwargs))


def test_underlay_indexes_that_cannot_be_read_leave_the_builders(
    tmp_path, monkeypatch, caplog,
):
    # a cache, never the build: the builder image's indexes still count
    from colcon_deb_docker import session_setup
    from colcon_deb_docker.container import ContainerFailed

    def unreadable(engine, spec, *, timeout):
        raise ContainerFailed(
            name='colcon-deb-run-underlay-indexes-amd64', exit_code=100,
            log_tail='Reading package lists...\nE: Failed to fetch '
            'http://gw/deb/dists/bookworm/InRelease  404  Not Found\n')

    catkin = b'catkin deb'
    monkeypatch.setattr(
        session_setup, 'builder_indexes', lambda *a, **k: {
            'deb.debian.org_debian_dists_bookworm_main_binary-all_Packages':
            _stanza('catkin', '0.8.10-9', 'all',
                    'pool/c/catkin_0.8.10-9_all.deb', catkin)})
    monkeypatch.setattr(session_setup, 'underlay_indexes', unreadable)
    cache = session_setup._apt_cache(tmp_path / 'cache', _session())
    staging = tmp_path / 'staging'
    staging.mkdir()
    (staging / 'catkin_0.8.10-9_all.deb').write_bytes(catkin)
    with caplog.at_level('WARNING'):
        assert cache.admit(staging) == (['catkin_0.8.10-9_all.deb'], [])
    assert "the underlays' packages are not cached: their indexes could " \
        "not be read (container 'colcon-deb-run-underlay-indexes-amd64' " \
        'exited with code 100: E: Failed to fetch ' \
        'http://gw/deb/dists/bookworm/InRelease  404  Not Found)' \
        in caplog.text


def test_the_underlays_indexes_add_only_their_own_lists(
    tmp_path, monkeypatch,
):
    # the container that reads the underlays holds the builder image's
    # lists too: 50 MB of Debian's, which were read and parsed twice
    from colcon_deb_docker import session_setup

    debian = 'deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages'
    underlay = '_colcon-deb_underlays_00_dists_bookworm_main_binary-amd64_' \
        'Packages'
    catkin = _stanza('catkin', '0.8.10-9', 'all',
                     'pool/c/catkin_0.8.10-9_all.deb', b'catkin deb')
    base = _stanza('ros-humble-ul-base', '1.0.0-0bookworm', 'amd64',
                   'pool/main/ros-humble-ul-base/'
                   'ros-humble-ul-base_1.0.0-0bookworm_amd64.deb',
                   b'underlay deb')
    monkeypatch.setattr(session_setup, 'builder_indexes',
                        lambda *a, **k: {debian: catkin})
    monkeypatch.setattr(session_setup, 'underlay_indexes',
                        lambda *a, **k: {debian: catkin, underlay: base})
    cache = session_setup._apt_cache(tmp_path / 'cache', _session())
    assert cache._read_indexes() == catkin + b'\n' + base
    staging = tmp_path / 'staging'
    staging.mkdir()
    (staging / 'ros-humble-ul-base_1.0.0-0bookworm_amd64.deb').write_bytes(
        b'underlay deb')
    assert cache.admit(staging) == (
        ['ros-humble-ul-base_1.0.0-0bookworm_amd64.deb'], [])


def test_two_builds_admitting_the_same_file_at_once_both_succeed(
    tmp_path, monkeypatch,
):
    # ament_package and ament_index_python both download dh-python and
    # ended at the same moment: both threads copied to the same temporary
    # name, the first moved it into place and the second failed ("apt
    # cache not updated: No such file or directory: ...tmp")
    import os
    deb = b'dh-python deb'
    index = _stanza('dh-python', '5.20230130+deb12u1', 'all',
                    'pool/main/d/dh-python/dh-python_5.20230130+deb12u1_all'
                    '.deb', deb)
    cache = VerifiedAptCache(path=tmp_path / 'cache',
                             read_indexes=lambda: index)
    cache.path.mkdir()
    name = 'dh-python_5.20230130+deb12u1_all.deb'
    stagings = []
    for build in ('first', 'second'):
        stagings.append(tmp_path / build)
        stagings[-1].mkdir()
        (stagings[-1] / name).write_bytes(deb)
    replace = os.replace
    second = []

    def interleaved(source, target):
        # the second build admits the file between the first one's copy
        # and its move into place
        if not second:
            second.append(None)
            second[0] = cache.admit(stagings[1])
        replace(source, target)

    monkeypatch.setattr(os, 'replace', interleaved)
    assert cache.admit(stagings[0]) == ([name], [])
    assert second == [([name], [])]
    assert (cache.path / name).read_bytes() == deb
    assert oct((cache.path / name).stat().st_mode & 0o777) == '0o644'
    # no temporary file left behind
    assert sorted(p.name for p in cache.path.iterdir()) == [name]


def test_the_indexes_are_read_while_the_first_downloading_build_compiles(
    tmp_path,
):
    # reading and parsing them (50 MB, 1.1-1.4 s) happened in the first
    # admission, after the build published: between the root package of a
    # cold run and the start of its dependents
    from colcon_deb_docker.task.build_output import BuildOutput
    from colcon_deb_docker.task.package_build import PackageBuild
    catkin = b'catkin deb'
    reads, submitted = [], []
    cache = VerifiedAptCache(
        path=tmp_path / 'cache', read_indexes=lambda: reads.append(1) or
        _stanza('catkin', '0.8.10-9', 'all',
                'pool/main/c/catkin/catkin_0.8.10-9_all.deb', catkin))
    cache.path.mkdir()
    session = SimpleNamespace(
        apt_cache=cache, submit=lambda call: submitted.append(call),
        engine_for=lambda arch: None)

    def build():
        task = SimpleNamespace(
            progress=lambda text: None, context=SimpleNamespace(
                put_event_into_queue=lambda event: None))
        output = BuildOutput(task=task, result=SimpleNamespace(
            steps={}, timeline=[]))
        PackageBuild(session=session, context=SimpleNamespace(
            pkg=None, dependencies={}), entry=SimpleNamespace(arch='amd64'),
            output=output)
        return output

    def downloads(count):
        return ('::colcon-deb:: {"step": "build-deps", "status": '
                f'"downloads", "message": "{count}"}}')

    # nothing downloaded: nothing read
    build().on_line(downloads(0), False)
    assert submitted == []
    # the first build that downloads: read in the run's threads, once
    build().on_line(downloads(3), False)
    build().on_line(downloads(1), False)
    assert len(submitted) == 1 and reads == []
    submitted[0]()
    assert reads == [1]
    # the admission after the build finds them read
    staging = tmp_path / 'staging'
    staging.mkdir()
    (staging / 'catkin_0.8.10-9_all.deb').write_bytes(catkin)
    assert cache.admit(staging) == (['catkin_0.8.10-9_all.deb'], [])
    assert reads == [1]
    # asked again once read: nothing more
    build().on_line(downloads(2), False)
    assert len(submitted) == 1


def test_asking_for_the_indexes_never_waits_for_their_reading(tmp_path):
    # the build that asks streams its container's output in that thread:
    # it took the lock the reading holds, and waited 1.1-1.4 s
    import threading
    import time
    reading, release = threading.Event(), threading.Event()

    def slow_indexes():
        reading.set()
        assert release.wait(10)
        return b''

    cache = VerifiedAptCache(path=tmp_path, read_indexes=slow_indexes)
    submitted = []

    def submit(call):
        submitted.append(threading.Thread(target=call))
        submitted[-1].start()

    cache.read_ahead(submit)
    assert reading.wait(10)
    timer = threading.Timer(5, release.set)
    timer.start()
    try:
        started = time.monotonic()
        cache.read_ahead(submit)
        assert time.monotonic() - started < 1
        assert len(submitted) == 1
    finally:
        release.set()
        timer.cancel()
        submitted[0].join(10)

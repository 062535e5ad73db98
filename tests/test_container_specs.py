"""The container specs of a run, described without an engine.

A fake session (no Docker): what every build container gets mounted, in
its environment and back, for a local engine and for one that shares no
filesystem with the host.
"""

import argparse
import io
from pathlib import Path
import subprocess
import tarfile
from types import SimpleNamespace

from colcon_deb_docker import contract
from colcon_deb_docker.container_spec import Mount
from colcon_deb_docker.container_spec import Volume
from colcon_deb_docker.container_specs import load_limit
from colcon_deb_docker.memory_budget import MemoryBudget
from colcon_deb_docker.plan import fingerprint_options
from colcon_deb_docker.session import DebSession
from colcon_deb_docker.verb.arguments import add_deb_arguments


def _session(tmp_path, **kwargs):
    builder = SimpleNamespace(
        architecture='amd64', tag='colcon-deb-builder:x', os_name='debian',
        os_codename='bookworm', ros_root_empty=True, content='content:x')
    repository = SimpleNamespace(path=tmp_path / 'deb', codename='bookworm')
    return DebSession(
        engine=object(), builder=builder, repository=repository,
        run_id='run1', ros_distro='humble',
        build_base=tmp_path / 'build_deb', helpers_dir=Path('/helpers'),
        rosdep_dir=tmp_path / 'build_deb/.rosdep', rosdep_env={},
        host_uid=1000, host_gid=1000,
        host_environment={'http_proxy': 'http://proxy:3128'}, **kwargs)


def test_a_build_container_gets_read_only_inputs_and_no_host_output(
        tmp_path):
    session = _session(tmp_path, ccache=True)
    spec = session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg',
        version='1.0.0-0bookworm', sibling_versions={'ros-humble-a': '1'},
        bloom_release_depends='ros_workspace:build+run:workspace')
    binds = [m for m in spec.mounts if isinstance(m, Mount)]
    assert {m.container_path for m in binds} >= {
        contract.SOURCE, contract.HELPERS, contract.ROSDEP_CONFIG,
        contract.REPO, contract.ROSDEP_STATE}
    # nothing the container writes is a host path: the output comes back
    # through the API, and the only writable mount is an engine volume
    assert contract.OUT not in {m.container_path for m in binds}
    assert [d.container_path for d in spec.downloads] == [contract.OUT]
    assert spec.downloads[0].host_path == str(
        tmp_path / 'build_deb/bookworm/pkg/amd64/debs')
    [volume] = [m for m in spec.mounts if isinstance(m, Volume)]
    assert volume.name.endswith('-pkg-amd64')
    env = spec.environment
    assert env['COLCON_DEB_VERSION'] == '1.0.0-0bookworm'
    assert env['COLCON_DEB_SIBLING_VERSIONS'] == 'ros-humble-a=1'
    assert env['COLCON_DEB_BLOOM_RELEASE_DEPENDS'] == \
        'ros_workspace:build+run:workspace'
    assert env['http_proxy'] == 'http://proxy:3128'
    assert env['BUILD_UID'] == '1000'
    assert spec.labels['io.colcon-deb-docker.package'] == 'pkg'
    assert spec.labels['io.colcon-deb-docker.build-base'] == \
        session.layout.label


def test_sibling_packages_install_into_a_volume_of_the_container(tmp_path):
    session = _session(tmp_path)
    spec = session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg')
    assert spec.fresh_volumes == (contract.ROS_ROOT,)
    [mount] = [m for m in spec.to_create_kwargs()['mounts']
               if m['Target'] == contract.ROS_ROOT]
    # anonymous (no source): the engine makes it, and removes it with the
    # container; never a host path
    assert mount['Type'] == 'volume' and not mount.get('Source')
    # an image with files there, or underlays that may put some into a
    # dependency image, keep /opt/ros in the container's own filesystem
    session.builder.ros_root_empty = False
    assert session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg'
    ).fresh_volumes == ()
    session = _session(tmp_path, apt_sources=('deb http://x bookworm main',))
    assert session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg'
    ).fresh_volumes == ()


def test_a_remote_engine_gets_uploads_instead_of_mounts(tmp_path):
    session = _session(tmp_path, transfer={'amd64'})
    spec = session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg')
    assert not [m for m in spec.mounts if isinstance(m, Mount)]
    uploaded = {u.container_path for u in spec.uploads}
    assert {contract.SOURCE, contract.HELPERS} <= uploaded
    # the repository goes as its pool and its current index, no dbgsym
    assert f'{contract.REPO}/pool' in uploaded
    # the output comes back; the container makes it (build-deb.sh)
    assert contract.OUT not in uploaded
    assert contract.OUT in {d.container_path for d in spec.downloads}


def test_a_local_engine_gets_nothing_copied_in(tmp_path):
    """No upload, so no put_archive (0.07 s a container): only mounts.

    The output directories used to be uploaded, empty; the entry scripts
    make them now (every end-to-end build goes through that).
    """
    session = _session(tmp_path)
    specs = [
        session.specs.package(
            package_name='pkg', source_path=tmp_path / 'src/pkg'),
        session.specs.rosdep_check(),
        session.specs.bloom_ahead(inputs=tmp_path)]
    for spec in specs:
        assert spec.uploads == [], spec.name
    assert contract.OUT in {d.container_path for d in specs[0].downloads}


def _archive_members(spec):
    from colcon_deb_docker.container_archives import upload_archive
    with tarfile.open(fileobj=io.BytesIO(
            upload_archive(spec.uploads))) as tar:
        return {m.name: (m, tar.extractfile(m).read() if m.isreg() else None)
                for m in tar}


def test_a_dependency_set_container_keeps_nothing_of_the_run(tmp_path):
    """Its commit keeps environment and filesystem, never volumes.

    So no environment, and the proxy settings as a root-only file in a
    fresh volume; on a remote engine every upload into a fresh volume too.
    """
    (tmp_path / 'underlay').mkdir()
    for transfer in (set(), {'amd64'}):
        session = _session(
            tmp_path, transfer=transfer, underlay_mounts=(
                Mount(str(tmp_path / 'apt-sources'), contract.APT_SOURCES),
                Mount(str(tmp_path / 'underlay'), f'{contract.UNDERLAYS}/00')),
            apt_cache=SimpleNamespace(path=tmp_path / 'apt-archives'))
        session.host_environment['no_proxy'] = "it's, localhost"
        spec = session.specs.dependency_set(
            arch='amd64', packages=['ros-humble-a', 'cmake'], name='n')
        assert spec.environment == {}
        uploaded = {u.container_path for u in spec.uploads}
        assert set(spec.fresh_volumes) == uploaded
        if transfer:
            assert not spec.mounts
            assert uploaded == {
                contract.HELPERS, contract.APT_SOURCES,
                f'{contract.UNDERLAYS}/00', contract.PROXY_SETTINGS}
            # the apt cache is the host's: not for an engine apart
            cache = ''
        else:
            assert uploaded == {contract.PROXY_SETTINGS}
            # the verified apt cache, read-only like every mount
            assert Mount(str(tmp_path / 'apt-archives'),
                         contract.APT_CACHE) in spec.mounts
            cache = contract.APT_CACHE
        assert spec.command[-5:] == [
            contract.APT_SOURCES, contract.PROXY_SETTINGS, cache,
            'ros-humble-a', 'cmake']
        members = _archive_members(spec)
        top = contract.PROXY_SETTINGS.strip('/')
        assert members[top][0].mode == 0o700
        member, text = members[f'{top}/environment']
        assert (member.uid, member.mode) == (0, 0o600)
        assert text == b'export http_proxy=http://proxy:3128\n' \
            b"export no_proxy='it'\"'\"'s, localhost'\n"
        assert subprocess.run(
            ['sh', '-c', '. /dev/stdin; echo "$no_proxy"'], input=text,
            stdout=subprocess.PIPE, check=True).stdout == \
            b"it's, localhost\n"
    # without proxy variables: no such file, nothing uploaded locally
    session = _session(tmp_path)
    session.host_environment.clear()
    spec = session.specs.dependency_set(
        arch='amd64', packages=['cmake'], name='n')
    assert spec.uploads == [] and spec.fresh_volumes == ()


def test_root_on_the_host_builds_as_a_stand_in(tmp_path):
    session = _session(tmp_path)
    session.host_uid = session.host_gid = 0
    spec = session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg')
    assert spec.environment['BUILD_UID'] == '65532'
    assert spec.environment['BUILD_GID'] == '65532'


def test_the_timeout_is_also_the_containers_own_deadline(tmp_path):
    session = _session(tmp_path, timeout=30)
    spec = session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg')
    assert spec.command[:3] == ['timeout', '-s', 'KILL']
    assert int(spec.command[3]) > 30


def test_builds_get_every_core_and_share_them_by_load(tmp_path):
    session = _session(tmp_path, build_jobs=4)
    spec = session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg')
    assert spec.environment['DEB_BUILD_OPTIONS'] == 'nocheck parallel=4'
    # 1.5 times the jobs: the load average trails, so -l4 would starve a
    # build left alone after a busy minute
    assert spec.environment['MAKEFLAGS'] == '-l6'
    assert spec.environment['DEB_BUILD_PROFILES'] == 'nocheck'


def test_the_load_limit_is_half_again_the_make_jobs():
    assert [load_limit(n) for n in (1, 2, 3, 4, 16)] == [2, 3, 5, 6, 24]


def test_a_build_container_gets_its_share_of_the_memory_budget(tmp_path):
    session = _session(tmp_path, memory=MemoryBudget(
        total=8 * 2 ** 30, per_job=2 * 2 ** 30))
    spec = session.specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg')
    assert spec.mem_limit == 2 * 2 ** 30
    assert _session(tmp_path).specs.package(
        package_name='pkg', source_path=tmp_path / 'src/pkg').mem_limit \
        is None


def test_debug_symbols_choose_the_compile_flags_and_the_fingerprint(
    tmp_path
):
    parser = argparse.ArgumentParser()
    add_deb_arguments(parser)
    assert parser.parse_args([]).debug_symbols == 'full'
    assert parser.parse_args(['--no-debug-symbols']).debug_symbols == 'none'
    assert parser.parse_args(
        ['--debug-symbols', 'lean']).debug_symbols == 'lean'

    def environment(**kwargs):
        return _session(tmp_path, **kwargs).specs.package(
            package_name='pkg', source_path=tmp_path / 'src/pkg').environment

    full = environment()
    assert not any(k.startswith(('DEB_CFLAGS', 'DEB_CXXFLAGS')) for k in full)
    lean = environment(debug_symbols='lean')
    assert lean['DEB_CFLAGS_APPEND'] == '-fno-var-tracking-assignments'
    assert lean['DEB_CXXFLAGS_APPEND'] == '-fno-var-tracking-assignments'
    assert 'noddebs' not in lean['DEB_BUILD_OPTIONS']
    none = environment(debug_symbols='none', build_options='nocheck noddebs')
    assert none['DEB_CXXFLAGS_STRIP'] == '-g'
    assert 'DEB_CXXFLAGS_APPEND' not in none

    def options(session):
        session.builders = {'amd64': session.builder}
        session.helpers_dir = helpers
        options = fingerprint_options(
            session=session, user_sources=(), offline=False)
        return options['amd64']

    helpers = tmp_path / 'helpers'
    helpers.mkdir()
    full = options(_session(tmp_path))
    # a fingerprint of the default has no new input: stamps stay valid
    assert 'debug_symbols' not in full
    # the builder image counts by its content, not its tag: a base image
    # made anew with the same packages has a new id, so a new builder tag
    remade = _session(tmp_path)
    remade.builder.tag = 'colcon-deb-builder:y'
    assert options(remade) == full
    remade.builder.content = 'content:y'
    assert options(remade) != full
    assert options(_session(tmp_path, debug_symbols='lean')) != full

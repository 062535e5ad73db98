"""Security defaults, asserted on the real containers while they run."""

import subprocess
import time

from colcon_deb_docker import contract
from colcon_deb_docker.container_spec import LABEL_RUN
from colcon_deb_docker.container_spec import LABEL_TOOL
from colcon_deb_docker.container_spec import SETUP_CAPABILITIES
from colcon_deb_docker.session import ENVIRONMENT_ALLOW_LIST
from e2e_support import colcon_command
from e2e_support import data_package
from e2e_support import list_containers

SECRET = 'do-not-leak-7f3a9c'
#: what the plugin itself sets (everything else must come from the allow
#: list); PATH and friends come from the image
PLUGIN_VARIABLES = {
    # the contract's (tests/test_contract.py checks the host sets no other
    # COLCON_DEB_ variable), then rosdep's, dpkg's, make's and ccache's
    *contract.PATHS, *contract.VARIABLES,
    'HOME', 'ROS_HOME', 'ROSDEP_SOURCE_PATH', 'ROSDEP_SOURCE_TEMPLATE',
    'ROSDISTRO_INDEX_URL', 'DEB_BUILD_OPTIONS', 'DEB_BUILD_PROFILES',
    'MAKEFLAGS', 'LC_ALL', 'CCACHE_DIR', 'CCACHE_DEPEND',
    'SOURCE_DATE_EPOCH'}


def _wait_for_container(engine, package, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list_containers(engine, filters={
            'label': f'io.colcon-deb-docker.package={package}'})
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f'no container for {package} appeared')


def test_live_container_is_locked_down(make_workspace, engine, base_image):
    workspace = make_workspace([])
    workspace.add_package('sec_pkg', data_package(
        'sec_pkg', cmake_extra='execute_process(COMMAND sleep 6)'))
    cmd, kwargs = colcon_command(workspace)
    kwargs['env'].update({'SECRET_TOKEN': SECRET, 'http_proxy': ''})
    process = subprocess.Popen(
        cmd, **kwargs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        container = _wait_for_container(engine, 'sec_pkg')
        attrs = engine.client.api.inspect_container(container.id)
    finally:
        out, _ = process.communicate(timeout=300)
    print(out)
    assert process.returncode == 0, out[-3000:]

    host = attrs['HostConfig']
    assert host['Privileged'] is False
    assert host['SecurityOpt'] == ['no-new-privileges']
    assert host['CapDrop'] == ['ALL']
    assert host['PidsLimit'] == 4096
    # the engine's copy of the output is bounded (a build printing without
    # end filled the engine's disk with it)
    assert host['LogConfig'] == {
        'Type': 'json-file', 'Config': {'max-size': '8m', 'max-file': '1'}}
    assert set(host['CapAdd'] or []) <= set(SETUP_CAPABILITIES)
    assert 'SYS_ADMIN' not in (host['CapAdd'] or [])
    mounts = {m['Destination']: m for m in attrs['Mounts']}
    for path in ('/colcon-deb/src', '/colcon-deb/helpers',
                 '/colcon-deb/rosdep', '/colcon-deb/repo',
                 '/colcon-deb/rosdep-state'):
        assert mounts[path]['RW'] is False, path
    assert mounts['/colcon-deb/src']['Source'] == \
        str(workspace.root / 'src' / 'sec_pkg')
    # no writable host path at all: outputs come back through the API,
    # the apt cache is read-only, the ccache is the package's own volume
    assert [p for p, m in mounts.items()
            if m['Type'] == 'bind' and m['RW']] == []
    assert mounts['/colcon-deb/apt-archives']['RW'] is False
    assert mounts['/colcon-deb/ccache']['Type'] == 'volume'
    assert mounts['/colcon-deb/ccache']['Name'].endswith('-sec_pkg-amd64')
    assert '/colcon-deb/out' not in mounts
    labels = attrs['Config']['Labels']
    assert labels[LABEL_TOOL] == '1' and labels[LABEL_RUN]

    environment = dict(
        e.split('=', 1) for e in attrs['Config']['Env'])
    assert SECRET not in ' '.join(attrs['Config']['Env'])
    assert 'SECRET_TOKEN' not in environment
    assert environment.get('http_proxy') == ''  # allow-listed, passed on
    image_env = {
        e.split('=', 1)[0] for e in engine.client.images.get(
            attrs['Config']['Image']).attrs['Config'].get('Env') or []}
    assert set(environment) <= \
        PLUGIN_VARIABLES | set(ENVIRONMENT_ALLOW_LIST) | image_env

    # the build step: the host user's UID, no capability left at all
    events = (workspace.root / 'log' / 'latest_deb' / 'events.log')
    identity = next(
        line for line in events.read_text().splitlines()
        if 'compile: identity' in line and '(sec_pkg)' in line)
    assert f'uid={workspace.uid} gid={workspace.gid}' in identity
    for field in ('CapPrm', 'CapEff', 'CapBnd'):
        assert f'{field}=0000000000000000' in identity, identity
    assert 'NoNewPrivs=1' in identity
    # no secret in any log
    for log in (workspace.root / 'log').rglob('*'):
        if log.is_file():
            assert SECRET not in log.read_text(errors='replace'), log
    assert not workspace.containers(engine)


NETWORK_CHECK = """
file(GLOB interfaces RELATIVE /sys/class/net /sys/class/net/*)
message(STATUS "network interfaces: ${interfaces}")
list(REMOVE_ITEM interfaces lo)
if(interfaces)
  message(FATAL_ERROR "network still connected: ${interfaces}")
endif()
"""


def test_isolate_network_builds_without_network(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('net_pkg', data_package(
        'net_pkg', cmake_extra=NETWORK_CHECK))
    # by default the network stays (documented): the check fails
    result = workspace.colcon_deb(check=False)
    assert result.returncode != 0
    assert 'network still connected: eth0' in result.stdout
    workspace.colcon_deb('--isolate-network')
    log = workspace.root / 'log' / 'latest_deb' / 'net_pkg'
    assert 'network interfaces: lo\n' in (log / 'stdout.log').read_text()
    assert 'network: done (loopback only)' in (
        workspace.root / 'log' / 'latest_deb' / 'events.log').read_text()
    assert 'ros-humble-net-pkg_0.1.0-0bookworm_amd64.deb' in \
        workspace.bloom_debs()

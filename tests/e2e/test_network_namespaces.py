"""The network namespaces build containers take turns in.

A build joins the namespace of one of the run's holders instead of getting
a namespace of its own (see colcon_deb_docker/network_namespaces.py): the
builds still reach the network, two builds at once never share one, a
build finds nothing of the build before it there, and no holder outlives
the run.
"""

import re
import threading
import time

from colcon_deb_docker.container_spec import LABEL_RUN
from colcon_deb_docker.network_namespaces import ROLE_LABEL
from e2e_support import data_package
from e2e_support import list_containers
from e2e_support import own_debian_package
from e2e_support import package_log

#: the namespace a build runs in, and its interfaces
RECORD = """
execute_process(COMMAND readlink /proc/self/ns/net
                OUTPUT_VARIABLE netns OUTPUT_STRIP_TRAILING_WHITESPACE)
file(GLOB interfaces RELATIVE /sys/class/net /sys/class/net/*)
message(STATUS "network namespace: ${netns} interfaces: ${interfaces}")
"""
#: ... and a pause long enough for two builds to be running at once
RECORD_AND_WAIT = RECORD + """
execute_process(COMMAND sleep 5)
"""

#: a listener on the loopback and on an abstract socket, left running in
#: the background when this build ends
PLANT = RECORD + """
execute_process(COMMAND sh -c "setsid python3 -c '
import socket, time
tcp = socket.socket(); tcp.bind((\\"127.0.0.1\\", 47011)); tcp.listen()
unix = socket.socket(socket.AF_UNIX)
unix.bind(\\"\\\\0colcon-deb-planted\\"); unix.listen()
time.sleep(3600)
' > /dev/null 2>&1 < /dev/null &")
execute_process(COMMAND sleep 1)
# 47011 is B7A3 in /proc/net/tcp
execute_process(COMMAND sh -c
    "cat /proc/net/tcp /proc/net/unix | grep -c -e :B7A3 -e @colcon-deb-plant"
                OUTPUT_VARIABLE planted OUTPUT_STRIP_TRAILING_WHITESPACE)
message(STATUS "planted listeners: ${planted}")
"""

#: what a later build in the same namespace finds of them
PROBE = RECORD + """
execute_process(COMMAND python3 -c "
import socket
for family, address in ((socket.AF_INET, ('127.0.0.1', 47011)),
                        (socket.AF_UNIX, '\\\\0colcon-deb-planted')):
    try:
        socket.socket(family).connect(address)
        print('reached', family.name)
    except OSError as e:
        print('refused', family.name, e.errno)
" OUTPUT_VARIABLE probe)
message(STATUS "probe: ${probe}")
"""

#: runs as root wherever a dependent installs this package to build: it
#: points the mirror's name elsewhere, in the files of the namespace
POISON = """#!/bin/sh
echo '203.0.113.7 deb.debian.org' >> /etc/hosts
echo 'nameserver 203.0.113.7' > /etc/resolv.conf
echo poisoned > /etc/hostname
chown 65534:65534 /etc/hosts /etc/resolv.conf
chmod 666 /etc/hosts /etc/resolv.conf
exit 0
"""

#: what a build finds in the network files
NETWORK_FILES = RECORD + """
execute_process(COMMAND sh -c "cat /etc/hosts /etc/resolv.conf /etc/hostname
stat -c '%u %a' /etc/hosts /etc/resolv.conf" OUTPUT_VARIABLE files)
message(STATUS "network files: ${files}")
"""

NAMESPACE = re.compile(
    r'network namespace: (net:\[\d+\]) interfaces: (\S+)')


def _namespace(workspace, name):
    """Return (namespace, interfaces) a package's build recorded."""
    found = NAMESPACE.search(package_log(workspace, name))
    assert found, package_log(workspace, name)[-2000:]
    return found.groups()


def _watch_containers(engine, stop, seen):
    """Record the inspection of every container of colcon deb's runs."""
    while not stop.is_set():
        for container in list_containers(
                engine, filters={'label': LABEL_RUN}):
            if container.id not in seen:
                try:
                    seen[container.id] = engine.client.api.inspect_container(
                        container.id)
                except Exception:  # noqa: B902 (gone meanwhile)
                    pass
        time.sleep(0.1)


def test_concurrent_builds_never_share_a_network_namespace(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    for name in ('net_a', 'net_b'):
        workspace.add_package(name, data_package(
            name, cmake_extra=RECORD_AND_WAIT))
    stop, seen = threading.Event(), {}
    watcher = threading.Thread(
        target=_watch_containers, args=(engine, stop, seen), daemon=True)
    watcher.start()
    try:
        workspace.colcon_deb('--executor', 'parallel',
                             '--parallel-workers', '2')
    finally:
        stop.set()
        watcher.join()
    a, b = _namespace(workspace, 'net_a'), _namespace(workspace, 'net_b')
    # on the bridge still (the default: builds that fetch can)
    assert 'eth0' in a[1] and 'eth0' in b[1], (a, b)
    assert a[0] != b[0], 'two builds at once shared a network namespace'

    holders = {i: attrs for i, attrs in seen.items()
               if attrs['Config']['Labels'].get(ROLE_LABEL) == 'network'}
    builds = {i: attrs for i, attrs in seen.items()
              if 'io.colcon-deb-docker.package' in attrs['Config']['Labels']}
    assert len(holders) == 2, sorted(
        a['Name'] for a in seen.values())
    for attrs in builds.values():
        mode = attrs['HostConfig']['NetworkMode']
        assert mode.startswith('container:') and mode[10:] in holders, mode
    for attrs in holders.values():
        host = attrs['HostConfig']
        assert attrs['Config']['User'] == '65534:65534'
        assert host['Privileged'] is False
        assert host['CapDrop'] == ['ALL'] and not host['CapAdd']
        assert host['SecurityOpt'] == ['no-new-privileges']
        assert host['NetworkMode'] == 'bridge'
        assert not attrs['Mounts']
    # no holder outlives the run
    assert not workspace.containers(engine)


def test_a_build_finds_nothing_of_the_last_one_in_its_namespace(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('net_planter', data_package(
        'net_planter', cmake_extra=PLANT))
    workspace.add_package('net_prober', data_package(
        'net_prober', depends=['net_planter'], cmake_extra=PROBE))
    workspace.colcon_deb('--executor', 'sequential')
    planter = package_log(workspace, 'net_planter')
    # the listeners were there while the planting build ran
    assert 'planted listeners: 2' in planter, planter[-2000:]
    # one after the other, the two builds had the same namespace ...
    assert _namespace(workspace, 'net_planter')[0] == \
        _namespace(workspace, 'net_prober')[0]
    # ... and the listeners ended with the container that started them
    prober = package_log(workspace, 'net_prober')
    assert 'refused AF_INET 111' in prober, prober[-2000:]
    assert 'refused AF_UNIX 111' in prober, prober[-2000:]
    assert 'reached' not in prober
    assert not workspace.containers(engine)


def _build_depending(name, *, build_depend, cmake_extra):
    """Return a data package that build-depends (only) on another one."""
    files = data_package(name, cmake_extra=cmake_extra)
    files['package.xml'] = files['package.xml'].replace(
        '<buildtool_depend>cmake</buildtool_depend>',
        '<buildtool_depend>cmake</buildtool_depend>\n'
        f'  <build_depend>{build_depend}</build_depend>')
    return files


def test_a_build_finds_the_network_files_as_the_engine_made_them(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('net_poison', own_debian_package(
        'net_poison', description='a postinst that poisons the network',
        debian_files={'postinst': POISON}))
    # installs net_poison to build: its postinst runs, as root, here
    workspace.add_package('net_victim', _build_depending(
        'net_victim', build_depend='net_poison', cmake_extra=NETWORK_FILES))
    # installs net_victim only (no dependency on net_poison at run time)
    workspace.add_package('net_later', _build_depending(
        'net_later', build_depend='net_victim', cmake_extra=NETWORK_FILES))
    workspace.colcon_deb('--executor', 'sequential')
    victim = package_log(workspace, 'net_victim')
    # the postinst did poison the files of the build that installed it
    assert '203.0.113.7 deb.debian.org' in victim, victim[-3000:]
    assert '65534 666' in victim
    # the next build in the same namespace ...
    assert _namespace(workspace, 'net_victim')[0] == \
        _namespace(workspace, 'net_later')[0]
    # ... finds the files as the engine wrote them for the holder
    later = package_log(workspace, 'net_later')
    assert 'network files: 127.0.0.1\tlocalhost' in later, later[-3000:]
    assert '203.0.113.7' not in later and 'poisoned' not in later
    assert '0 644\n0 644' in later
    assert not workspace.containers(engine)

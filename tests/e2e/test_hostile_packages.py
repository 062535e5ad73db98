"""Hostile workspace packages: what their build can do to the host.

And to the repository and other packages: nothing but produce their own
.debs.
"""

from pathlib import Path
import re
import shutil
import stat
import time

from e2e_support import anonymous_volumes
from e2e_support import data_package
from e2e_support import own_debian_package
from e2e_support import package_log
from e2e_support import report

PLANT = """#!/bin/sh
# claim to be a sibling, with a higher version and a root postinst
set -e
root=$(mktemp -d)
mkdir -p "$root/DEBIAN" "$root/opt/planted"
cat > "$root/DEBIAN/control" <<EOC
Package: ros-humble-tiny-lib
Version: 9.9.9-0bookworm
Architecture: amd64
Maintainer: Evil <evil@example.com>
Description: planted
EOC
cat > "$root/DEBIAN/postinst" <<'EOP'
#!/bin/sh
cp /bin/sh /colcon-deb/out/planted-sh
chmod 4755 /colcon-deb/out/planted-sh
EOP
chmod 755 "$root/DEBIAN/postinst"
dpkg-deb --root-owner-group -b "$root" /tmp/planted.deb >/dev/null
for dir in /colcon-deb/out /build/src; do
    cp /tmp/planted.deb "$dir/ros-humble-tiny-lib_9.9.9-0bookworm_amd64.deb" \\
        2>/dev/null || true
done
"""

POSTINST = """#!/bin/sh
# runs as root wherever a dependent installs this package to build
for dir in /colcon-deb/* /colcon-deb/out /var/cache/apt/archives /build \\
        /opt/ros; do
    cp /bin/sh "$dir/suid-sh" 2>/dev/null && chmod 4755 "$dir/suid-sh" \\
        2>/dev/null
done
# poison the shared apt cache with a file named like a real archive
printf poison > /var/cache/apt/archives/catkin_0.8.10-9_all.deb 2>/dev/null
cp /bin/sh /colcon-deb/apt-archives/catkin_0.8.10-9_all.deb 2>/dev/null
exit 0
"""


CRAFT = """import glob, sys, tarfile
sys.path.insert(0, 'debian')
from debs import with_data_members
# dh_builddeb made the package; put a block device node (the machine's
# first disk, writable by every user) into its data, as a build can
node = tarfile.TarInfo('./opt/ros/humble/share/disk_node/disk')
node.type, node.mode = tarfile.BLKTYPE, 0o666
node.devmajor, node.devminor = 8, 0
with_data_members(glob.glob('../ros-humble-disk-node_*_all.deb')[0],
                  [(node, None)])
"""


def _evil_lib():
    """Return a package with its own debian/ whose postinst runs as root."""
    return own_debian_package(
        'evil_lib', description='a package with a hostile postinst',
        debian_files={'postinst': POSTINST})


def _claiming_package(name, *claimed):
    """Return a package whose own debian/control declares `claimed` too.

    Each binary package it declares gets the data file.
    """
    files = own_debian_package(name, description='claims other names')
    own = 'ros-humble-' + name.replace('_', '-')
    files['debian/control'] += ''.join(
        f'\nPackage: {n}\nArchitecture: all\nDescription: claimed\n'
        for n in claimed)
    files['debian/rules'] += ''.join(
        f'\tinstall -D -m 644 data.txt debian/{n}/opt/ros/humble/share/'
        f'{name}/{n}.txt\n' for n in claimed)
    assert f'Package: {own}\n' in files['debian/control']
    return files


def _refused(workspace, *args, line):
    """Run colcon deb, which must fail with a line matching `line`."""
    result = workspace.colcon_deb(*args, check=False)
    assert result.returncode != 0
    assert re.search(line, result.stdout, re.M), result.stdout[-3000:]


def _setuid_files(root):
    found = []
    for path in root.rglob('*'):
        if path.is_symlink():
            continue
        if path.stat().st_mode & (stat.S_ISUID | stat.S_ISGID):
            found.append(path)
    return found


def test_a_planted_sibling_deb_is_refused_and_never_installed(
    make_workspace, engine, base_image
):
    workspace = make_workspace([])
    workspace.add_package('tiny_lib', data_package('tiny_lib'))
    workspace.add_package('planter', data_package(
        'planter', cmake_extra='execute_process(COMMAND sh '
                               '${CMAKE_CURRENT_SOURCE_DIR}/plant.sh)'))
    workspace.add_package('planter', {'plant.sh': PLANT})
    workspace.add_package(
        'victim', data_package('victim', depends=['tiny_lib', 'planter']))
    result = workspace.colcon_deb('--continue-on-error', check=False)
    assert result.returncode != 0
    summary = result.stdout.split('colcon deb summary:')[1]
    assert 'refusing ros-humble-tiny-lib_9.9.9-0bookworm_amd64.deb: not a ' \
        'package this build may produce' in summary, summary
    # nothing planted is published, under any name
    assert not [d for d in workspace.debs() if '9.9.9' in d]
    packages = (workspace.repo / 'dists/bookworm/main/binary-amd64/'
                'Packages').read_text()
    assert '9.9.9' not in packages and 'planter' not in packages
    assert 'Package: ros-humble-tiny-lib\n' in packages
    # the dependent never ran: the planter failed before it
    assert 'ros-humble-victim' not in packages
    assert _setuid_files(workspace.root) == []


def test_a_root_postinst_in_a_dependency_reaches_no_host_path(
    make_workspace, engine, base_image
):
    workspace = make_workspace(['demo_catkin_util'])
    workspace.add_package('evil_lib', _evil_lib())
    workspace.add_package(
        'evil_user', data_package('evil_user', depends=['evil_lib']))
    # without dependency images, so that the builds download into (and
    # read from) the verified apt cache
    result = workspace.colcon_deb(
        '--continue-on-error', '--no-dependency-images', check=False)
    # the dependent installed evil_lib as root: its postinst planted a
    # setuid shell in the container's output directory, which the host
    # refuses (it names the stray file); nothing reached the host
    summary = result.stdout.split('colcon deb summary:')[1]
    assert 'refusing suid-sh: not a package this build may produce' in \
        summary, summary
    assert _setuid_files(workspace.root) == []
    # the shell it left in the container's /opt/ros volume went with it
    assert anonymous_volumes(engine) == []
    packages = (workspace.repo / 'dists/bookworm/main/binary-amd64/'
                'Packages').read_text()
    assert 'Package: ros-humble-evil-user' not in packages
    # the apt cache holds only files that match Debian's signed indexes
    cache = workspace.root / 'build_deb' / '.apt-archives'
    assert any(p.name.startswith('catkin_') for p in cache.iterdir())
    for path in cache.iterdir():
        assert path.read_bytes() != b'poison', path
        assert not path.read_bytes().startswith(b'\x7fELF'), path
    # and a later build from the cache still gets the real catkin
    result = workspace.colcon_deb(
        '--packages-select', 'demo_catkin_util', '--force',
        '--no-dependency-images')
    assert 'ros-humble-demo-catkin-util' in result.stdout


def test_output_without_newlines_reaches_the_log_in_bounded_lines(
    make_workspace, base_image
):
    # 200 MB printed without a newline held the host for over five minutes
    # and 835 MB of its memory (the unfinished line was joined and split
    # again at every chunk of the stream); now it goes on in 64 KiB lines
    workspace = make_workspace([])
    workspace.add_package('no_newline', data_package(
        'no_newline', cmake_extra='execute_process(COMMAND sh -c '
        '"head -c 5000000 /dev/zero | tr -c x a")'))
    workspace.colcon_deb()
    log = package_log(workspace, 'no_newline')
    lines = [line for line in log.splitlines() if line.startswith('aaa')]
    # every byte is there (the last piece runs on into CMake's next line)
    assert sum(len(line) - len(line.lstrip('a')) for line in lines) == \
        5000000
    assert max(len(line) for line in lines) == 64 * 1024


def test_output_without_end_fills_no_disk(make_workspace, engine, base_image):
    # 110 MiB of output: colcon's logs (four of them hold every line) took
    # all of it; a build that prints without end filled the disk until it
    # was killed (the engine's log of it: test_security.py)
    workspace = make_workspace([])
    workspace.add_package('chatty', data_package(
        'chatty', cmake_extra='execute_process(COMMAND sh -c "yes '
        '$(head -c 1023 /dev/zero | tr -c a a) | head -c 115343360")'))
    result = workspace.colcon_deb()
    log = workspace.root / 'log' / 'latest_deb' / 'chatty'
    for name in ('stdout_stderr.log', 'stdout.log', 'streams.log'):
        assert (log / name).stat().st_size < 110 * 1024 * 1024, name
    text = package_log(workspace, 'chatty')
    assert 'colcon deb: this container printed more than 100 MiB: the ' \
        'rest of its output is left out of the logs' in text
    # the helpers' progress after the limit still timed the steps
    assert 'ros-humble-chatty' in result.stdout
    assert report(workspace)['chatty']['steps']['compile'] > 0


def test_a_package_that_forks_without_end_stops_at_its_limit(
    make_workspace, base_image
):
    # no process limit: a package that forks without end took from the
    # machine's process table (32768 entries here), which the host, the
    # engine and colcon deb itself share; 5000 sleeping processes started
    workspace = make_workspace([])
    workspace.add_package('forker', data_package(
        'forker', cmake_extra='execute_process(COMMAND sh -c '
        '"i=0; while [ $i -lt 5000 ]; do sleep 60 >/dev/null 2>&1 & '
        'i=$((i+1)); done" '
        'COMMAND_ERROR_IS_FATAL ANY)'))
    _refused(workspace, line=(
        r'^  forker +failed .*: it could not start a process: a build '
        r'holds at most 4096 processes and threads at once'))


def test_a_package_never_makes_debs_under_another_packages_name(
    make_workspace, base_image
):
    # a package's own debian/control declared its sibling's Debian name:
    # both builds were published under it, and apt took whichever had the
    # higher version; two packages bloom names alike (foo_bar, foo-bar)
    # the same
    workspace = make_workspace([])
    workspace.add_package('core_lib', data_package('core_lib'))
    workspace.add_package(
        'evil', _claiming_package('evil', 'ros-humble-core-lib'))
    workspace.add_package('foo_bar', data_package('foo_bar'))
    workspace.add_package('foo-bar', data_package('foo-bar'))
    result = workspace.colcon_deb('--continue-on-error', check=False)
    assert result.returncode != 0
    summary = result.stdout.split('colcon deb summary:')[1]
    assert re.search(
        r'^  evil +invalid +its debian/control declares ros-humble-core-lib'
        r": a package's \.debs are named ros-humble-evil or "
        r'ros-humble-evil-<suffix>', summary, re.M), summary
    for name, other in (('foo_bar', 'foo-bar'), ('foo-bar', 'foo_bar')):
        assert re.search(
            rf"^  {name} +invalid +'{name}' and '{other}' both make the "
            r'Debian package ros-humble-foo-bar', summary, re.M), summary
    # the package whose name was claimed built, and only it is published
    assert [d.split('_')[0] for d in workspace.debs()] == [
        'ros-humble-core-lib']

    # the repository remembers who published a name: once core_lib has
    # left the workspace, a package whose own names may start with
    # ros-humble-core- still cannot take its name over
    shutil.rmtree(workspace.root / 'src' / 'evil')
    shutil.rmtree(workspace.root / 'src' / 'core_lib')
    shutil.rmtree(workspace.root / 'src' / 'foo-bar')
    workspace.add_package(
        'core', _claiming_package('core', 'ros-humble-core-lib'))
    result = workspace.colcon_deb('--continue-on-error', check=False)
    assert result.returncode != 0
    summary = result.stdout.split('colcon deb summary:')[1]
    assert re.search(
        r'^  core +failed .*refusing ros-humble-core-lib_\S+_all\.deb: the '
        r'repository holds ros-humble-core-lib as built from the package '
        r"'core_lib', not 'core'", summary, re.M), summary
    packages = (workspace.repo / 'dists/bookworm/main/binary-amd64/'
                'Packages').read_text()
    assert packages.count('Package: ros-humble-core-lib\n') == 1
    assert 'Package: ros-humble-core\n' not in packages
    assert 'Package: ros-humble-foo-bar\n' in packages


def test_a_package_never_takes_a_siblings_place_by_replaces_or_provides(
    make_workspace, base_image
):
    # a package.xml's <replace>core_lib</replace> became bloom's `Replaces:
    # ros-humble-core-lib`: installed after core_lib, its share/core_lib
    # file overwrote core_lib's without a word from dpkg ("Replacing files
    # in old package"); an own control's Provides could stand in for it
    workspace = make_workspace([])
    workspace.add_package('core_lib', data_package('core_lib'))
    evil = data_package('evil')
    evil['package.xml'] = evil['package.xml'].replace(
        '  <export>', '  <replace>core_lib</replace>\n  <export>')
    evil['CMakeLists.txt'] += \
        'install(FILES data.txt DESTINATION share/core_lib)\n'
    workspace.add_package('evil', evil)
    stand_in = own_debian_package('stand_in', description='stands in')
    stand_in['debian/control'] += 'Provides: ros-humble-core-lib (= 99)\n'
    workspace.add_package('stand_in', stand_in)
    result = workspace.colcon_deb('--continue-on-error', check=False)
    assert result.returncode != 0
    summary = result.stdout.split('colcon deb summary:')[1]
    assert re.search(
        r'^  evil +invalid +its package\.xml replaces ros-humble-core-lib, '
        r"which 'core_lib' makes: installed, it could overwrite that "
        r"package's files or stand in for it \(remove its <replace>\)",
        summary, re.M), summary
    assert re.search(
        r'^  stand_in +invalid +its debian/control provides or replaces '
        r"ros-humble-core-lib, which 'core_lib' makes", summary, re.M), \
        summary
    assert [d.split('_')[0] for d in workspace.debs()] == [
        'ros-humble-core-lib']


def test_a_built_control_never_takes_a_siblings_place(
    make_workspace, base_image
):
    # the check above reads the source's debian/control and package.xml;
    # the build writes the .deb's control, and dh_gencontrol's -D put
    # `Replaces: ros-humble-core-lib` and a Provides of it there: the pool
    # took the package, and `dpkg -i` of it after core_lib's overwrote
    # core_lib's file ("Replacing files in old package"), and dpkg -S then
    # named it as the file's owner
    workspace = make_workspace([])
    workspace.add_package('core_lib', data_package('core_lib'))
    files = own_debian_package('sneaky', description='claims at build time')
    files['debian/rules'] += (
        '\tinstall -D -m 644 data.txt '
        'debian/ros-humble-sneaky/opt/ros/humble/share/core_lib/data.txt\n'
        'override_dh_gencontrol:\n'
        '\tdh_gencontrol -- -DReplaces=ros-humble-core-lib '
        "'-DProvides=ros-humble-core-lib (= 99)'\n")
    workspace.add_package('sneaky', files)
    _refused(workspace, '--continue-on-error', line=(
        r'^  sneaky +failed .*refusing ros-humble-sneaky_\S+_all\.deb: its '
        r'control data replaces ros-humble-core-lib, which the package '
        r"'core_lib' makes: installed, it could overwrite that package's "
        r'files or stand in for it'))
    assert [d.split('_')[0] for d in workspace.debs()] == [
        'ros-humble-core-lib']


def test_a_built_control_never_gives_its_own_version(
    make_workspace, base_image
):
    # the host assigns the version; dh_gencontrol's -v gave the package an
    # epoch (99:, which dpkg-deb leaves out of the file name): the pool took
    # it, every later version sorted below 99:0.1.0-... (the next build was
    # refused: "sorts below the published 99:..."), and no version the host
    # could give would ever upgrade it
    workspace = make_workspace([])
    files = own_debian_package('epoch', description='its own version')
    files['debian/rules'] += (
        'override_dh_gencontrol:\n'
        '\tdh_gencontrol -- -v99:$$(dpkg-parsechangelog -SVersion)\n')
    workspace.add_package('epoch', files)
    _refused(workspace, line=(
        r'^  epoch +failed .*refusing ros-humble-epoch_(\S+)_all\.deb: its '
        r'control data gives the version 99:\1, not \1, which the host '
        r'assigned'))
    assert workspace.debs() == []


def test_a_control_giving_the_index_fields_is_refused(
    make_workspace, base_image
):
    # dpkg-gencontrol writes XB-filename into the .deb's control as
    # Filename, which the index replaced with its own; a .deb made by hand
    # keeps 'filename', which stood in the index beside the index's own
    # (test_publish_rules.py): any such field is refused now
    workspace = make_workspace([])
    files = own_debian_package('fields', description='index fields')
    files['debian/control'] += \
        'XB-filename: pool/main/ros-humble-victim/victim.deb\n'
    workspace.add_package('fields', files)
    _refused(workspace, line=(
        r'^  fields +failed .*refusing ros-humble-fields_\S+_all\.deb: its '
        r"control data has Filename, which only the repository's index "
        r'may give'))
    assert workspace.debs() == []


def test_a_device_node_in_a_package_is_refused(make_workspace, base_image):
    # dpkg made the node when the package was installed: brw-rw-rw- 8,0,
    # the machine's first disk for every local user (reproduced with
    # dpkg -i of the published package before the pool refused it)
    workspace = make_workspace([])
    files = own_debian_package('disk_node', description='a device node')
    files['debian/rules'] += \
        'override_dh_builddeb:\n\tdh_builddeb\n\tpython3 debian/craft.py\n'
    files['debian/craft.py'] = CRAFT
    # the tests' own .deb writer (tests/debs.py), run by the build
    files['debian/debs.py'] = (
        Path(__file__).resolve().parents[1] / 'debs.py').read_text()
    workspace.add_package('disk_node', files)
    _refused(workspace, line=(
        r'^  disk_node +failed .*refusing ros-humble-disk-node_\S+_all\.deb: '
        r'\./opt/ros/humble/share/disk_node/disk is a device node'))
    assert workspace.debs() == []


def test_a_sparse_output_never_reaches_the_hosts_disk(
        make_workspace, base_image):
    # 4 KiB on the engine's disk, 1 GiB streamed out whole: before, the
    # host wrote all of it (twice: the archive and its extraction) before
    # refusing the stray file; a sparse file of a terabyte filled the disk
    workspace = make_workspace([])
    files = own_debian_package('sparse', description='a sparse output')
    files['debian/rules'] += \
        '\ttruncate -s 1G /colcon-deb/out/ros-humble-sparse-data.deb\n'
    workspace.add_package('sparse', files)
    _refused(workspace, '--max-output', '64m', line=(
        r'^  sparse +failed .*the outputs in /colcon-deb/out come to more '
        r'than 64 MiB \(--max-output\)'))
    assert workspace.debs() == []
    scratch = workspace.root / 'build_deb'
    assert sum(p.stat().st_size for p in scratch.rglob('*')
               if p.is_file()) < 64 * 2 ** 20


def test_a_build_that_writes_without_end_is_killed_at_its_disk_bound(
        make_workspace, base_image):
    # the engine's storage driver bounds no container's layer: a build that
    # writes without end fills the engine's disk, which the host and every
    # other build share; the engine's count takes a sparse file whole, so a
    # gigabyte of it stands for the runaway file here
    workspace = make_workspace([])
    files = own_debian_package('runaway', description='writes without end')
    files['debian/rules'] += \
        '\ttruncate -s 1G /tmp/runaway\n\tsleep 40\n'
    workspace.add_package('runaway', files)
    started = time.monotonic()
    _refused(workspace, '--max-disk', '100m', line=(
        r'^  runaway +failed .*it wrote 1\.\d GiB into its container, more '
        r'than 100 MiB \(--max-disk\): a runaway or sparse file\? It was '
        r'killed'))
    # killed at a check (every 10 s), not at the end of the build
    assert time.monotonic() - started < 40
    assert workspace.debs() == []


def _fills_its_ccache(name, *, then=''):
    """Return a package whose CMake writes 200 MB into its ccache."""
    return data_package(name, cmake_extra=(
        'execute_process(COMMAND sh -c "head -c 200000000 /dev/zero '
        f'> $CCACHE_DIR/filler{then}")'))


def _ccache_volume(engine, workspace, name):
    volume = f'colcon-deb-ccache-{workspace.build_base_label}-{name}-amd64'
    return [v.name for v in engine.client.volumes.list()
            if v.name == volume]


def test_what_a_build_leaves_in_its_ccache_counts_in_its_disk_bound(
        make_workspace, engine, base_image):
    # the engine counts a container's own layer only: a build that wrote
    # 300 MB into its ccache volume (kept from run to run) passed
    # --max-disk 100m, was published, and the 300 MB stayed after the run
    workspace = make_workspace([])
    workspace.add_package('quick_filler', _fills_its_ccache('quick_filler'))
    workspace.add_package('modest', data_package('modest'))
    result = workspace.colcon_deb('--max-disk', '100m', check=False)
    # it ended before the disk watch's first look: counted at the run's end
    assert re.search(
        r"container '[^']+-quick_filler-amd64' left 19\d MiB in its "
        r'volume /colcon-deb/ccache, more than 100 MiB \(--max-disk\): '
        r'the volume was removed', result.stdout), result.stdout[-3000:]
    assert _ccache_volume(engine, workspace, 'quick_filler') == []
    # a cache within the bound stays for the next run
    assert _ccache_volume(engine, workspace, 'modest') != []
    assert 'modest' not in ''.join(
        line for line in result.stdout.splitlines() if 'WARNING' in line)
    assert not workspace.containers(engine)

    # one that goes on after writing is killed at the watch's look, which
    # counts its volumes beside its layer; and its /opt/ros volume goes
    # with it (the watcher held it: the engine kept it, dangling)
    workspace = make_workspace([])
    workspace.add_package('slow_filler', _fills_its_ccache(
        'slow_filler', then=' && sleep 40'))
    started = time.monotonic()
    _refused(workspace, '--max-disk', '100m', line=(
        r'^  slow_filler +failed .*it wrote 19\d MiB into its container, '
        r'more than 100 MiB \(--max-disk\)'))
    assert time.monotonic() - started < 40
    assert _ccache_volume(engine, workspace, 'slow_filler') == []
    assert not workspace.containers(engine)
    assert anonymous_volumes(engine) == []
    assert workspace.debs() == []


def test_a_postinst_that_writes_without_end_is_killed_in_verify(
        make_workspace, base_image):
    # --verify installs the packages: their maintainer scripts run there
    # as root, under the same bound as a build
    workspace = make_workspace([])
    workspace.add_package('filler', own_debian_package(
        'filler', description='a postinst that writes without end',
        debian_files={'postinst': '#!/bin/sh\n'
                                  'truncate -s 1G /var/tmp/filler\n'
                                  'sleep 40\n'}))
    started = time.monotonic()
    _refused(workspace, '--verify', '--max-disk', '100m', line=(
        r'^colcon deb: verification failed: installing the packages wrote '
        r'1\.\d GiB into the container, more than 100 MiB \(--max-disk\); '
        r'it was killed'))
    assert time.monotonic() - started < 40
    # the build itself stayed under the bound and was published
    assert [d.split('_')[0] for d in workspace.debs()] == [
        'ros-humble-filler']

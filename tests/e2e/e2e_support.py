"""Helpers of the end-to-end tests: workspaces, colcon runs, apt installs."""

import grp
import os
from pathlib import Path
import re
import subprocess
import sys

BASE_IMAGE = os.environ.get('COLCON_DEB_BASE_IMAGE', 'local/debian:bookworm')
TESTER = 'colcon-deb-tester'
#: matches every container any colcon deb run started
LABEL_RUN_FILTER = 'io.colcon-deb-docker.run'
#: a second engine the remote-engine tests start (see conftest.py)
SECOND_ENGINE_SOCKET = '/var/run/colcon-deb-second.sock'
#: ... and its TCP listener (loopback only), like a CI job's dind service
SECOND_ENGINE_TCP = 'tcp://127.0.0.1:23750'


def cmake_package_xml(name, *, description, depends=(), test_depends=()):
    """Return the package.xml of a small plain-CMake test package."""
    depend_lines = ''.join(f'  <depend>{d}</depend>\n' for d in depends) + \
        ''.join(f'  <test_depend>{d}</test_depend>\n' for d in test_depends)
    return f"""<?xml version="1.0"?>
<package format="3">
  <name>{name}</name>
  <version>0.1.0</version>
  <description>{description}</description>
  <maintainer email="dev@example.com">Demo Maintainer</maintainer>
  <license>Apache-2.0</license>
  <buildtool_depend>cmake</buildtool_depend>
{depend_lines}  <export><build_type>cmake</build_type></export>
</package>
"""


def own_debian_package(name, *, description, control_extra='',
                       debian_files=None):
    """Return the files of a package that ships its own debian/.

    An `Architecture: all` package whose rules install data.txt into
    share/<name>; `control_extra` is added to the source stanza,
    `debian_files` ({path under debian/: text}) to the debian/ directory.
    """
    debian_name = 'ros-humble-' + name.replace('_', '-')
    files = {
        'package.xml': cmake_package_xml(name, description=description),
        'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.10)\n'
                          f'project({name} NONE)\n',
        'data.txt': f'{name}\n',
        'debian/control': f"""Source: {debian_name}
Section: misc
Priority: optional
Maintainer: Demo Maintainer <dev@example.com>
Build-Depends: debhelper-compat (= 13)
{control_extra}
Package: {debian_name}
Architecture: all
Depends: ${{misc:Depends}}
Description: {description}
""",
        'debian/changelog': f"""{debian_name} (0.1.0-0bookworm) bookworm; \
urgency=low

  * {description}

 -- Demo Maintainer <dev@example.com>  Mon, 23 Nov 2026 00:00:00 +0000
""",
        'debian/rules': f"""#!/usr/bin/make -f
%:
\tdh $@
override_dh_auto_configure override_dh_auto_build override_dh_auto_test:
override_dh_auto_install:
\tinstall -D -m 644 data.txt \\
\t    debian/{debian_name}/opt/ros/humble/share/{name}/data.txt
""",
    }
    for path, text in (debian_files or {}).items():
        files[f'debian/{path}'] = text
    return files


def colcon_command(workspace, *args):
    """Return (argv, Popen keyword arguments) of `colcon deb --offline`.

    Run as the workspace's owner: when the tests run as root, the process
    switches to the tester (and the docker group) itself, so that signals
    reach colcon directly, with no su/runuser in between.
    """
    colcon = str(Path(sys.executable).parent / 'colcon')
    cmd = [colcon, 'deb', '--ros-distro', 'humble', '--offline',
           '--base-image', BASE_IMAGE, *args]
    kwargs = {
        'cwd': workspace.root,
        'env': {'PATH': os.environ['PATH'], 'LC_ALL': 'C.UTF-8',
                'HOME': str(workspace.root)},
    }
    if os.geteuid() == 0 and workspace.uid != 0:
        kwargs.update(
            user=workspace.uid, group=workspace.gid,
            extra_groups=[grp.getgrnam('docker').gr_gid])
    return cmd, kwargs


#: the timestamp version scheme: <version>-0bookworm.YYYYMMDD.HHMMSS
BUILD_SUFFIX = re.compile(r'(-0bookworm)\.\d{8}\.\d{6}(?:\.\d+)?(?=_)')


class Workspace:
    """A copy of (some of) the example workspace, owned by the tester."""

    def __init__(self, root, uid, gid):
        self.root = root
        self.uid = uid
        self.gid = gid

    @property
    def repo(self):
        return self.root / 'deb'

    @property
    def build_base_label(self):
        """Return the label of the default build base's containers.

        The one colcon deb gives the containers and volumes of the default
        build base (see DebSession.build_base_label).
        """
        import hashlib
        return hashlib.sha256(
            str(self.root / 'build_deb').encode()).hexdigest()[:16]

    def containers(self, engine):
        """Return the containers of this workspace's runs on an engine.

        Not those of other tests or sessions.
        """
        return list_containers(engine, all=True, filters={'label': [
            LABEL_RUN_FILTER,
            f'io.colcon-deb-docker.build-base={self.build_base_label}']})

    def add_package(self, name, files):
        """Write a package's files (debian/rules executable, as dpkg needs)."""
        for relative, text in files.items():
            path = self.root / 'src' / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            if relative == 'debian/rules':
                path.chmod(0o755)
        self._chown()

    def _chown(self):
        for path in [self.root, *self.root.rglob('*')]:
            os.lchown(path, self.uid, self.gid)

    def debs(self):
        return sorted(p.name for p in self.repo.glob('pool/main/*/*.deb'))

    def bloom_debs(self):
        """Return the pool's file names as bloom would name them.

        That is without the build suffix of the default version scheme
        (checked here).
        """
        return sorted(BUILD_SUFFIX.sub(r'\1', name) for name in self.debs())

    def colcon_deb(self, *args, check=True, extra_env=None):
        """Run `colcon deb --offline` as the tester; return the result."""
        cmd, kwargs = colcon_command(self, *args)
        kwargs['env'].update(extra_env or {})
        result = subprocess.run(
            cmd, **kwargs, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        print(result.stdout)
        if check:
            assert result.returncode == 0, result.stdout[-3000:]
        return result


def install_and_run(engine, base_image, repo, packages, script):
    """Install packages from `repo` in a fresh container, then run script.

    The container's platform is the image's (e.g. arm64 under emulation).
    """
    output = engine.client.containers.run(
        base_image, remove=True,
        command=['sh', '-ec', f"""
            echo "deb [trusted=yes] file:/repo bookworm main" \
                > /etc/apt/sources.list.d/colcon-deb.list
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                {' '.join(packages)} > /dev/null
            export PATH=/opt/ros/humble/bin:$PATH
            export LD_LIBRARY_PATH=/opt/ros/humble/lib
            export PYTHONPATH=/opt/ros/humble/lib/python3.11/site-packages
            {script}"""],
        volumes={str(repo): {'bind': '/repo', 'mode': 'ro'}})
    return output.decode()


def data_package(name, *, depends=(), cmake_extra='', test_depends=()):
    """Return the files of a tiny CMake package that installs one file.

    No compiler runs (``project(... NONE)``), so these build in seconds;
    `cmake_extra` adds configure-time commands for the tests that need
    them.
    """
    return {
        'package.xml': cmake_package_xml(
            name, description=f'Test package {name}.', depends=depends,
            test_depends=test_depends),
        'CMakeLists.txt': f"""cmake_minimum_required(VERSION 3.10)
project({name} NONE)
{cmake_extra}
install(FILES package.xml data.txt DESTINATION share/{name})
""",
        'data.txt': f'{name} 1\n',
    }


def run_script(engine, image, script, **kwargs):
    """Run a shell script in a new container of `image`; (rc, output).

    :param kwargs: more of the SDK's ``containers.run`` (volumes, ...)
    """
    container = engine.client.containers.run(
        image, command=['sh', '-c', script], detach=True, **kwargs)
    try:
        rc = container.wait()['StatusCode']
        return rc, container.logs().decode()
    finally:
        container.remove(force=True)


def list_containers(engine, **kwargs):
    """Return ``engine.client.containers.list(**kwargs)``, while runs go on.

    The Docker SDK inspects each listed container after the listing, so
    one removed in between (a run removes ended containers in the
    background) raises NotFound: then the listing is taken again.
    """
    import docker.errors
    for attempt in range(10):
        try:
            return engine.client.containers.list(**kwargs)
        except docker.errors.NotFound:
            if attempt == 9:
                raise


def extracted_package(workspace, tmp_path, name):
    """Unpack the .deb of package `name` under tmp_path; return its prefix.

    :returns: the unpacked /opt/ros/humble
    """
    deb, = workspace.repo.glob(
        f'pool/main/*/ros-humble-{name.replace("_", "-")}_*.deb')
    target = tmp_path / name
    subprocess.run(['dpkg-deb', '-x', str(deb), str(target)], check=True)
    return target / 'opt/ros/humble'


def package_log(workspace, name):
    """Return the build log of package `name` in the last run."""
    return (workspace.root / 'log' / 'latest_deb' / name /
            'stdout_stderr.log').read_text()


def report(workspace):
    """Return colcon deb's per-package report of the last run."""
    import json
    path = workspace.root / 'log' / 'latest_deb' / 'colcon-deb-report.json'
    return json.loads(path.read_text())


def anonymous_volumes(engine):
    """Return the names of the anonymous volumes colcon deb's containers got.

    Those are the /opt/ros of build containers: each goes with its
    container.  The named ones (each package's ccache) stay.
    """
    from colcon_deb_docker.container_spec import LABEL_TOOL
    volumes = engine.client.volumes.list(filters={'label': LABEL_TOOL})
    return sorted(v.name for v in volumes
                  if re.fullmatch(r'[0-9a-f]{64}', v.name))


def created_containers(engine, since, workspace):
    """Return the labels of every container of `workspace` since `since`.

    Only that workspace's, and only from `since` on (``time.time()``, to
    the nanosecond of the engine's events): the engine asks in whole
    seconds, and the run before may have made its last container in the
    same second (the count of its kept volumes, at its very end).
    """
    import time
    events = engine.client.events(
        since=int(since), until=int(time.time()) + 1, decode=True,
        filters={'type': 'container', 'event': 'create',
                 'label': LABEL_RUN_FILTER})
    label = workspace.build_base_label
    return [e['Actor']['Attributes'] for e in events
            if e['timeNano'] >= since * 1e9 and e['Actor']['Attributes'].get(
                'io.colcon-deb-docker.build-base') == label]

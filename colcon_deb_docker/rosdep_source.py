# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The rosdep configuration given to every build container.

rosdep takes the first source that defines a key, so the generated mapping
of the workspace's own packages is listed first: a sibling always wins over
a same-named system package (e.g. a workspace `ament_cmake` over Debian's
`ament-cmake`).  User files given with ``--rosdep-source`` come next; the
image's own sources are appended inside the container, because only the
container knows them.  With ``--offline`` a minimal rosdistro index is
written as well, so that neither rosdep nor bloom touches the network.
"""

import os
from pathlib import Path
import shutil

from colcon_deb_docker.bloom_release_dependencies import is_ros2
from colcon_deb_docker.contract import ROSDEP_CONFIG
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.naming import debian_package_name
import yaml

#: Where the directory written here is mounted in the container.
CONTAINER_PATH = ROSDEP_CONFIG

WORKSPACE_LIST = '10-workspace.list'
#: after the image's own sources (``50-image.list``, written in the container)
BASE_KEYS_LIST = '90-base-keys.list'
BASE_KEYS_FILE = Path(__file__).resolve().parent / 'rosdep_base_keys.yaml'


def workspace_mapping(*, package_names, ros_distro, os_name, os_codename):
    """Return the rosdep mapping of workspace packages to their .deb names."""
    return {
        name: {os_name: {os_codename: [debian_package_name(
            ros_distro=ros_distro, package_name=name)]}}
        for name in sorted(package_names)}


def user_source_name(index):
    """Return the name the `index`-th --rosdep-source file is copied to."""
    return f'user-{index:02d}.yaml'


def host_paths(text, *, rosdep_dir, user_sources):
    """Show rosdep files in `text` by their host paths.

    The user's own files by the paths the user gave, not by the copies the
    build uses.
    """
    text = text.replace(f'file://{CONTAINER_PATH}', str(rosdep_dir))
    for index, user_source in enumerate(user_sources):
        text = text.replace(
            str(Path(rosdep_dir) / user_source_name(index)),
            str(Path(user_source).resolve()))
    return text


def write_rosdep_config(
    *, path, package_names, ros_distro, os_name, os_codename,
    user_sources=(), offline=False,
):
    """Write the rosdep sources (and the offline index) below `path`.

    The directory is rewritten from scratch each run; files are written to a
    temporary name and renamed so a container never reads half a file.

    :returns: the environment variables the container needs
    """
    path = Path(path)
    sources = path / 'sources.list.d'
    if sources.exists():
        shutil.rmtree(sources)
    sources.mkdir(parents=True)

    mapping = workspace_mapping(
        package_names=package_names, ros_distro=ros_distro,
        os_name=os_name, os_codename=os_codename)
    _write(path / 'workspace.yaml', yaml.safe_dump(mapping, sort_keys=True))
    lines = [f'yaml file://{CONTAINER_PATH}/workspace.yaml']
    for index, user_source in enumerate(user_sources):
        user_source = Path(user_source)
        # validate early: a broken file should fail here, not in a container
        try:
            with user_source.open() as f:
                rules = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            raise DebDockerError(
                f'--rosdep-source {user_source}: {e}') from None
        shape = rules_shape_error(rules)
        if shape:
            raise DebDockerError(
                f'--rosdep-source {user_source}: not a rosdep rules file: '
                f'{shape}')
        name = user_source_name(index)
        shutil.copyfile(user_source, path / name)
        lines.append(f'yaml file://{CONTAINER_PATH}/{name}')
    _write(sources / WORKSPACE_LIST, '\n'.join(lines) + '\n')

    env = {
        'ROSDEP_SOURCE_TEMPLATE': f'{CONTAINER_PATH}/sources.list.d',
    }
    if offline:
        write_offline_index(
            path=path, ros_distro=ros_distro, os_name=os_name,
            os_codename=os_codename)
        env['ROSDISTRO_INDEX_URL'] = f'file://{CONTAINER_PATH}/index-v4.yaml'
        env['COLCON_DEB_OFFLINE'] = '1'
        shutil.copyfile(BASE_KEYS_FILE, path / 'base-keys.yaml')
        _write(
            sources / BASE_KEYS_LIST,
            f'yaml file://{CONTAINER_PATH}/base-keys.yaml\n')
    _make_world_readable(path)
    return env


def rules_shape_error(rules):
    """Return what is wrong with the shape of a rosdep YAML file, or ''.

    rosdep wants a mapping of keys to a mapping of their rules by OS
    (`key: {debian: [pkg]}`); anything else it rejects in the container,
    after the pre-check's setup, in its own words ("is not a YAML
    dictionary"), or ignores.  Empty is fine.
    """
    if rules is None:
        return ''
    if not isinstance(rules, dict):
        return ('the top level must map rosdep keys to their rules, e.g. '
                f'"my_key: {{debian: [libfoo-dev]}}" (it is a '
                f'{type(rules).__name__})')
    for key, value in rules.items():
        if not isinstance(value, dict):
            return (f'{key!r} must map operating systems to its rules, '
                    f'e.g. "{key}: {{debian: [libfoo-dev]}}" (it is a '
                    f'{type(value).__name__})')
    return ''


def _make_world_readable(path):
    """Let the unprivileged build user read the config, whatever the umask.

    Nothing in it is secret (package names and rosdep rules).
    """
    for directory, _, files in os.walk(path):
        os.chmod(directory, os.stat(directory).st_mode | 0o555)
        for name in files:
            file_path = os.path.join(directory, name)
            os.chmod(file_path, os.stat(file_path).st_mode | 0o444)


def write_offline_index(*, path, ros_distro, os_name, os_codename):
    """Write a minimal rosdistro index (REP 153, v4) for one distribution."""
    path = Path(path)
    index = {
        'type': 'index',
        'version': 4,
        'distributions': {
            ros_distro: {
                'distribution': [f'{ros_distro}/distribution.yaml'],
                'distribution_status': 'active',
                'distribution_type':
                    'ros2' if is_ros2(ros_distro) else 'ros1',
                'python_version': 3,
            },
        },
    }
    distribution = {
        'type': 'distribution',
        'version': 2,
        'release_platforms': {os_name: [os_codename]},
        'repositories': {},
    }
    (path / ros_distro).mkdir(parents=True, exist_ok=True)
    _write(path / 'index-v4.yaml', yaml.safe_dump(index))
    _write(
        path / ros_distro / 'distribution.yaml', yaml.safe_dump(distribution))


def _write(path, text):
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    tmp.write_text(text)
    os.replace(tmp, path)

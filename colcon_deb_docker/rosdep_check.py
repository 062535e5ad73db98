# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The rosdep pre-check: every key of every package, before any build.

bloom resolves a package's keys only when its container runs, and then
fails late (or, interactively, prompts).  This module collects the keys on
the host (with catkin_pkg, conditions evaluated like bloom does) and
resolves all of them in one container of the builder image, with the same
rosdep sources the builds use.  The container also leaves rosdep's cache
behind, which every package container copies instead of running
`rosdep update` itself.
"""

from dataclasses import dataclass
from dataclasses import field
import json
from pathlib import Path
import re

from catkin_pkg.package import parse_package
from colcon_core.logging import colcon_logger
from colcon_deb_docker.bloom_release_dependencies import is_ros2
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.kept_rosdep_check import check_context
from colcon_deb_docker.kept_rosdep_check import KeptRosdepCheck
from colcon_deb_docker.kept_rosdep_check import KEYS_FILE
from colcon_deb_docker.naming import InvalidPackage
from colcon_deb_docker.progress import log_lines

logger = colcon_logger.getChild(__name__)

#: The dependency lists bloom resolves for the debian/control it writes.
DEPENDENCY_ATTRIBUTES = (
    'build_depends', 'buildtool_depends', 'build_export_depends',
    'buildtool_export_depends', 'exec_depends', 'test_depends',
    'replaces', 'conflicts')


def package_keys(*, package_xml, ros_distro, attributes):
    """Return the rosdep keys of some dependency lists of a package.

    Conditions are evaluated like bloom does.
    """
    package = parse_package(str(package_xml))
    package.evaluate_conditions({
        'ROS_DISTRO': ros_distro,
        'ROS_VERSION': '2' if is_ros2(ros_distro) else '1',
        'ROS_PYTHON_VERSION': '3',
    })
    return {d.name for a in attributes for d in getattr(package, a, [])
            if d.evaluated_condition is not False}


def package_rosdep_keys(*, package_xml, ros_distro):
    """Return the sorted rosdep keys bloom resolves for one package."""
    return sorted(package_keys(
        package_xml=package_xml, ros_distro=ros_distro,
        attributes=DEPENDENCY_ATTRIBUTES))


@dataclass
class RosdepCheck:
    """The result of resolving the keys of a run."""

    #: the rosdep source URLs consulted, in order
    sources: list
    #: {package: {key: {'resolved': [...], 'origin': url} or {'error': ..}}}
    packages: dict = field(default_factory=dict)
    #: the same for workspace dependencies of the builds that are not
    #: built in this run: their run keys are part of the builds'
    #: dependency sets (dependency_images.py), their errors no concern
    dependencies: dict = field(default_factory=dict)

    def resolution(self, package):
        """Return the resolution of a built package's or a dependency's keys.

        None for a package the check did not cover.
        """
        if package in self.packages:
            return self.packages[package]
        return self.dependencies.get(package)

    def unresolved(self):
        """Return {package: {key: reason}} of the keys that do not resolve."""
        result = {}
        for package, keys in self.packages.items():
            missing = {k: v['error'] for k, v in keys.items() if 'error' in v}
            if missing:
                result[package] = missing
        return result

    def describe_unresolved(self, *, os_name, os_codename, published=None):
        """Return the readable report of every unresolvable key.

        The hint fits the cause: a key that names a package the repository
        holds from an earlier run is a package gone from the workspace; a
        key named like a ROS package is most likely a package missing from
        the workspace; any other is a system dependency without a rule,
        and gets the rule's shape to fill in.

        :param published: {key: Debian package} of keys whose package the
          repository holds
        """
        published = published or {}
        unresolved = self.unresolved()
        lines = [f'unresolvable rosdep keys for {os_name} {os_codename}:']
        for package, keys in sorted(unresolved.items()):
            lines.append(f'  {package}: ' + ', '.join(sorted(keys)))
        lines.append('rosdep sources consulted (first match wins):')
        lines.extend(f'  {source}' for source in self.sources)
        reasons = {k: reason for keys in unresolved.values()
                   for k, reason in keys.items()}
        without_rule = {k for k, reason in reasons.items()
                        if reason == 'no rosdep rule'}
        gone = sorted(without_rule & set(published))
        if gone:
            lines.append(
                'Built into the repository before, but no longer in this '
                'workspace: ' + ', '.join(
                    f'{k} ({published[k]})' for k in gone) + '. Put the '
                'sources back into the workspace, or drop the dependency.')
        ros = sorted(k for k in without_rule - set(gone)
                     if looks_like_ros_package(k))
        if ros:
            lines.append(
                'Not in this workspace: ' + ', '.join(ros) + '. Add their '
                'sources to the workspace, or build against a repository '
                'that has them: --apt-source "deb [signed-by=KEY] URL SUITE '
                'main" with its rosdep YAML as --rosdep-source FILE.')
        system = sorted(set(reasons) - set(ros) - set(gone))
        if system:
            lines.append(
                'Map each system dependency to a Debian package in a rosdep '
                'YAML file and pass it with --rosdep-source FILE:')
            for key in system:
                lines.append(f'  {key}:')
                lines.append(f'    {os_name}: [<{os_name} package>]')
        return '\n'.join(lines)


def published_keys(session, unresolved):
    """Return {key: Debian package} of unresolved keys the repository holds.

    A package removed from (or renamed in) the workspace keeps its .debs in
    the repository; its dependents' key then resolves nowhere.

    :param unresolved: {package: {key: reason}}
    """
    names = {entry['package']
             for entry in session.repository.manifest.debs.values()}
    found = {}
    for keys in unresolved.values():
        for key in keys:
            try:
                debian = session.debian_name(key)
            except InvalidPackage:
                continue  # not a name a workspace package could have
            if debian in names:
                found[key] = debian
    return found


#: name parts of the ROS core's packages (rclcpp, std_msgs, ament_cmake ...)
_ROS_PREFIXES = ('ament_', 'rcl', 'rmw', 'rosidl', 'ros_', 'rosbag', 'tf2',
                 'rcutils', 'rcpputils', 'class_loader', 'pluginlib',
                 'builtin_interfaces', 'std_', 'geometry_msgs', 'sensor_msgs',
                 'nav_msgs', 'action_msgs', 'catkin', 'roscpp', 'rospy')


def looks_like_ros_package(key):
    """Return whether a rosdep key is named like a ROS package.

    REP 144: lowercase and underscores, and a known ROS prefix or a
    ``_msgs`` / ``_interfaces`` suffix, not like a system package.
    """
    return key.startswith(_ROS_PREFIXES) or key.endswith(
        ('_msgs', '_srvs', '_interfaces', '_vendor'))


def write_keys_file(*, path, keys_by_package):
    """Write the keys the container resolves (read-only mounted there)."""
    path = Path(path)
    tmp = path.with_name(f'.{path.name}.tmp')
    tmp.write_text(json.dumps(keys_by_package, indent=1, sort_keys=True))
    tmp.chmod(0o644)  # read by the unprivileged build user
    tmp.replace(path)


def run_rosdep_check(*, session, keys_by_package, on_line=None,
                     dependencies=()):
    """Resolve every key in one container; return a :class:`RosdepCheck`.

    :param dependencies: the names in `keys_by_package` that are not
      built (see :attr:`RosdepCheck.dependencies`)
    :raises DebDockerError: if the container fails or writes no result
    """
    write_keys_file(
        path=session.rosdep_dir / KEYS_FILE,
        keys_by_package=keys_by_package)
    state = session.layout.rosdep_state_dir
    state.mkdir(parents=True, exist_ok=True)
    spec = session.specs.rosdep_check()
    engine = session.engine_for(None)
    kept = earlier = data = None
    if session.rosdep_env.get('COLCON_DEB_OFFLINE') == '1':
        kept = KeptRosdepCheck(state_dir=state, context=check_context(
            image=spec.image, image_id=engine.image_id(spec.image),
            spec=spec, rosdep_dir=session.rosdep_dir,
            helpers_dir=session.helpers_dir))
        earlier = kept.read()
        data = kept.answer(earlier, keys_by_package)
        if data is not None:
            logger.info('rosdep pre-check: every key resolved by an earlier '
                        'run with the same sources, image and helpers')
    if data is None:
        if kept is not None:
            # the container rewrites the rosdep cache the kept keys came with
            kept.forget()
        data = _run_check_container(
            engine=engine, spec=spec, state=state, on_line=on_line,
            timeout=session.timeout)
        if kept is not None:
            kept.keep(data, earlier=earlier)
    resolved = data['packages']
    return RosdepCheck(
        sources=data['sources'],
        packages={k: v for k, v in resolved.items() if k not in dependencies},
        dependencies={k: v for k, v in resolved.items() if k in dependencies})


def _run_check_container(*, engine, spec, state, on_line, timeout):
    """Run the pre-check container; return the result it wrote."""
    result_file = state / 'rosdep-check.json'
    if result_file.exists():
        result_file.unlink()
    engine.run(spec, on_line=on_line, timeout=timeout)
    try:
        return json.loads(result_file.read_text())
    except (OSError, ValueError) as e:
        raise DebDockerError(
            f'the rosdep pre-check wrote no result: {e}') from None


def check_rosdep_keys(session, planned, *, dependencies=None):
    """Resolve the keys of the planned packages in one container.

    :param dependencies: {name: path} of workspace packages the planned
      ones build against that are not built in this run (their keys go
      into :attr:`RosdepCheck.dependencies`)
    """
    keys = {
        p.name: package_rosdep_keys(
            package_xml=p.path / 'package.xml',
            ros_distro=session.ros_distro)
        for p in planned}
    count = len({k for v in keys.values() for k in v})
    print(f'Checking {count} rosdep key(s) of {len(keys)} package(s)',
          flush=True)
    dependencies = {n: p for n, p in (dependencies or {}).items()
                    if n not in keys}
    for name, path in dependencies.items():
        try:
            keys[name] = package_rosdep_keys(
                package_xml=Path(path) / 'package.xml',
                ros_distro=session.ros_distro)
        except Exception as e:  # noqa: B902 (catkin_pkg raises many)
            # only its builds' dependency sets miss its run keys
            logger.debug(f"'{name}': keys not checked: {e}")
    try:
        return run_rosdep_check(
            session=session, keys_by_package=keys,
            on_line=log_lines(logger, 'rosdep check'),
            dependencies=set(dependencies) & set(keys))
    except ContainerFailed as e:
        raise DebDockerError(
            explain_pre_check_failure(e.log_tail) or
            f'the rosdep pre-check failed (exit code {e.exit_code}):\n'
            f'{e.log_tail}') from None


#: how rosdep reports a source it could not download (urllib's error,
#: nested once for the rosdistro index)
_UNREACHABLE_SOURCE = re.compile(
    r'<urlopen error (?:<urlopen error )?(?:\[Errno [-\d]+\] )?'
    r'([^<>]+?)>+ \((https?://[^\s)]+)\)')


def explain_pre_check_failure(log_tail):
    """Return the one error of a failed pre-check whose cause is known, or ''.

    Without --offline, rosdep reads its sources and the rosdistro index
    from the network (GitHub by default); on a machine that cannot reach
    them rosdep prints an error for every source and gives up.  The user
    needs the first of them and what to do, not twenty lines of urllib.
    """
    match = _UNREACHABLE_SOURCE.search(log_tail or '')
    if not match:
        return ''
    reason, url = match.groups()
    return (
        'the rosdep pre-check failed: rosdep update could not read its '
        f'online sources ({url}: {reason}).  Without access to them, run '
        'with --offline: rosdep then uses only the workspace, the '
        "--rosdep-source files and the builder image's Debian mappings.")

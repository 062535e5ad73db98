# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The `colcon deb` verb: a workspace to .deb files and an apt repository."""

from collections import OrderedDict
from contextlib import ExitStack
import os
from pathlib import Path
import signal
import sys
import time
import uuid

from colcon_core.event.job import JobUnselected
from colcon_core.executor import execute_jobs
from colcon_core.executor import Job
from colcon_core.executor import OnError
from colcon_core.logging import colcon_logger
from colcon_core.package_augmentation import \
    get_package_augmentation_extensions
from colcon_core.package_selection import get_packages
from colcon_core.plugin_system import satisfies_version
from colcon_core.task import get_task_extension
from colcon_core.task import TaskContext
from colcon_core.verb import check_and_mark_build_tool
from colcon_core.verb import VerbExtensionPoint
from colcon_deb_docker.apt_cache import builder_indexes
from colcon_deb_docker.apt_cache import VerifiedAptCache
from colcon_deb_docker.apt_sources import parse_apt_source
from colcon_deb_docker.apt_sources import write_apt_sources
from colcon_deb_docker.bloom_release_dependencies import \
    BloomReleaseAugmentation
from colcon_deb_docker.engines import connect_engines
from colcon_deb_docker.engines import prepare_builders
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.helpers_path import helpers_dir
from colcon_deb_docker.interrupts import install_interrupt_handlers
from colcon_deb_docker.naming import check_package_name
from colcon_deb_docker.naming import InvalidPackage
from colcon_deb_docker.package_checks import invalid_packages
from colcon_deb_docker.package_checks import search_paths
from colcon_deb_docker.plan import fingerprint_options
from colcon_deb_docker.plan import make_plan
from colcon_deb_docker.reporting import print_dry_run
from colcon_deb_docker.reporting import print_summary
from colcon_deb_docker.reporting import report_check
from colcon_deb_docker.reporting import show_host_paths
from colcon_deb_docker.reporting import write_report
from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.repository_signing import KEYRING_RECORD
from colcon_deb_docker.repository_signing import remove_stale_keyring
from colcon_deb_docker.repository_signing import RepositorySigner
from colcon_deb_docker.rosdep_check import check_rosdep_keys
from colcon_deb_docker.rosdep_source import write_rosdep_config
from colcon_deb_docker.run_lock import check_owner
from colcon_deb_docker.run_lock import exclusive_run
from colcon_deb_docker.session import allowed_host_environment
from colcon_deb_docker.session import DebSession
from colcon_deb_docker.session import PackageResult
from colcon_deb_docker.task.deb import DEB_TASK_GROUP
from colcon_deb_docker.task.deb import DebTask
from colcon_deb_docker.unidentified import find_unidentified_packages
from colcon_deb_docker.verb.arguments import add_deb_arguments
from colcon_deb_docker.verb.arguments import DEFAULT_BASE_IMAGE
from colcon_deb_docker.verify import verify_installation

logger = colcon_logger.getChild(__name__)


class DebVerb(VerbExtensionPoint):
    """Build Debian packages of the workspace in Docker containers."""

    def __init__(self):  # noqa: D107
        super().__init__()
        satisfies_version(VerbExtensionPoint.EXTENSION_POINT_VERSION, '^1.0')

    def add_arguments(self, *, parser):  # noqa: D102
        add_deb_arguments(parser)

    def main(self, *, context):  # noqa: D102
        try:
            return self._main(context.args, context)
        except DebDockerError as e:
            print(f'colcon deb: error: {e}', file=sys.stderr)
            return 1

    def _main(self, args, context):
        if not args.ros_distro:
            raise DebDockerError(
                'no ROS distribution: pass --ros-distro (e.g. humble) or set '
                'ROS_DISTRO')
        try:
            check_package_name(args.ros_distro)
        except InvalidPackage:
            raise DebDockerError(
                f'invalid --ros-distro {args.ros_distro!r}') from None

        with ExitStack() as stack:
            try:
                for path, option in ((args.build_base, '--build-base'), (
                        args.output_base, '--output-base')):
                    check_owner(os.path.abspath(path), option=option)
                build_base = _create_path(args.build_base)
                check_and_mark_build_tool(str(build_base))
                stack.enter_context(exclusive_run(
                    build_base, what='using the build base',
                    option='--build-base'))
            except OSError as e:
                raise DebDockerError(
                    f'cannot use the build base {args.build_base}: '
                    f'{e.strerror or e}') from None
            return self._run(args, context, build_base)

    def _run(self, args, context, build_base):
        augmentations = get_package_augmentation_extensions()
        augmentations['colcon_deb_bloom_release'] = \
            BloomReleaseAugmentation(ros_distro=args.ros_distro)
        decorators = get_packages(
            args, additional_argument_names=['*'],
            recursive_categories=('run', ),
            augmentation_extensions=augmentations)
        invalid = invalid_packages(decorators, args.debian_overrides)
        invalid.update(find_unidentified_packages(
            base_paths=search_paths(args),
            identified_paths=[d.descriptor.path for d in decorators]))
        for name, reason in invalid.items():
            print(f"colcon deb: error: package '{name}': {reason}",
                  file=sys.stderr)
        if invalid and not args.continue_on_error:
            return 1

        apt_sources = [parse_apt_source(line) for line in args.apt_source]
        engines, transfer = connect_engines(args)
        # every builder image first: a missing base image fails the run
        # before anything is built
        distributions = {}
        for base_image in dict.fromkeys(args.base_image or [
                DEFAULT_BASE_IMAGE]):
            builders = prepare_builders(engines, base_image)
            builder = next(iter(builders.values()))
            for other, (_, other_builders) in distributions.items():
                if next(iter(other_builders.values())).os_codename == \
                        builder.os_codename:
                    raise DebDockerError(
                        f'--base-image {base_image} and {other} are both '
                        f'{builder.os_name} {builder.os_codename}: give one '
                        'base image per distribution')
            distributions[base_image] = (base_image, builders)
        rc = 0
        for base_image, builders in distributions.values():
            builder = next(iter(builders.values()))
            if len(distributions) > 1:
                print(f'== {builder.os_name} {builder.os_codename} '
                      f'({base_image})', flush=True)
            rc_one = self._run_distribution(
                args, context, build_base, decorators=decorators,
                invalid=invalid, engines=engines, transfer=transfer,
                builders=builders, base_image=base_image,
                apt_sources=apt_sources)
            rc = rc or rc_one
            if rc_one and not args.continue_on_error:
                break
        return rc

    def _run_distribution(self, args, context, build_base, *, decorators,
                          invalid, engines, transfer, builders, base_image,
                          apt_sources):
        """Build the selected packages for one distribution.

        One base image, into its dists/<codename> of the repository.
        """
        builder = next(iter(builders.values()))
        engine = engines[builder.architecture]

        rosdep_dir = build_base / '.rosdep'
        rosdep_env = write_rosdep_config(
            path=rosdep_dir,
            package_names=[d.descriptor.name for d in decorators
                           if d.descriptor.name not in invalid],
            ros_distro=args.ros_distro, os_name=builder.os_name,
            os_codename=builder.os_codename,
            user_sources=args.rosdep_source, offline=args.offline)

        repository = AptRepository(
            path=args.output_base, codename=builder.os_codename,
            architectures=list(builders), os_name=builder.os_name,
            keep_versions=args.keep_versions)

        session = DebSession(
            engine=engine, builder=builder, builders=builders,
            engines=engines, transfer=transfer, repository=repository,
            run_id=uuid.uuid4().hex[:12], ros_distro=args.ros_distro,
            build_base=build_base, helpers_dir=helpers_dir(),
            rosdep_dir=rosdep_dir.resolve(), rosdep_env=rosdep_env,
            user_rosdep_sources=tuple(args.rosdep_source),
            host_uid=os.getuid(), host_gid=os.getgid(),
            debian_overrides=Path(args.debian_overrides).resolve()
            if args.debian_overrides else None,
            timeout=args.timeout,
            build_options='' if args.run_tests else 'nocheck',
            host_environment=allowed_host_environment(os.environ),
            isolate_network=args.isolate_network,
            version_scheme=args.version_scheme, started=time.time(),
            ccache=not args.no_ccache)
        if apt_sources:
            session.underlay_mounts = tuple(write_apt_sources(
                path=build_base / '.apt-sources', sources=apt_sources))
            repository.underlays = apt_sources
        session.rosdep_state_dir.mkdir(parents=True, exist_ok=True)
        if not args.no_apt_cache:
            session.apt_cache = _apt_cache(
                build_base / '.apt-archives', session)

        if args.dry_run:
            report_check(repository.check(repair=False), dry_run=True)
            plan = _make_plan(args, session, decorators, invalid)
            return print_dry_run(session, plan)
        removed = session.remove_leftover_containers()
        if removed:
            logger.warning(
                f'removed {removed} container(s) a killed run of this build '
                'base left behind')
        session.remove_scratch()
        if remove_stale_keyring(build_base) is not None:
            logger.warning('deleted the temporary signing keyring a killed '
                           'run left behind')
        if args.sign_key or args.sign_key_file:
            repository.signer = RepositorySigner(
                key_id=args.sign_key, key_file=args.sign_key_file,
                record=build_base / KEYRING_RECORD)
        try:
            with repository.exclusive_run():
                report_check(repository.check(repair=True), dry_run=False)
                repository.ensure_initialized()
                plan = _make_plan(args, session, decorators, invalid)
                return self._build(args, context, session, plan, decorators,
                                   invalid, base_image)
        finally:
            if repository.signer is not None:
                repository.signer.close()

    def _build(self, args, context, session, plan, decorators, invalid,
               base_image):
        to_build = [p for p in plan if p.action == 'build']
        if to_build:
            check = check_rosdep_keys(
                session, {p.name: p for p in to_build}.values())
            unresolved = check.unresolved()
            if unresolved:
                report = check.describe_unresolved(
                    os_name=session.builder.os_name,
                    os_codename=session.builder.os_codename)
                print('colcon deb: error: ' + show_host_paths(session, report),
                      file=sys.stderr)
                if not args.continue_on_error:
                    return 1
                for name, keys in unresolved.items():
                    session.blocked[name] = (
                        'unresolvable rosdep keys: ' + ', '.join(sorted(keys)))

        jobs, unselected = _jobs(args, decorators, session, invalid)

        def post_unselected(*, event_queue):
            for name in sorted(unselected):
                event_queue.put((JobUnselected(name), None))

        on_error = OnError.skip_downstream if args.continue_on_error \
            else OnError.interrupt
        handlers = install_interrupt_handlers(session)
        try:
            rc = execute_jobs(
                context, jobs, on_error=on_error,
                pre_execution_callback=post_unselected)
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            removed = session.remove_run_containers()
            if removed:
                logger.warning(f'removed {removed} container(s) left running')
            if session.interrupted.is_set():
                # their containers are gone, so their calls end quickly;
                # then nothing recreates the scratch we remove
                session.wait_for_threads(timeout=60)
                session.remove_scratch()
            session.threads.shutdown(wait=False, cancel_futures=True)

        for name, reason in invalid.items():
            session.results[name] = PackageResult(
                name=name, status='invalid', reason=reason)
        if args.verify and not rc:
            rc = verify_installation(session, base_image) or rc
        print_summary(session)
        write_report(session)
        if invalid and not rc:
            rc = 1
        return rc


def _make_plan(args, session, decorators, invalid):
    """Plan the run against the checked repository (versions, skips)."""
    selected = {
        d.descriptor.name for d in decorators
        if d.selected and d.descriptor.name not in invalid}
    plan = make_plan(
        decorators=decorators, session=session,
        options_by_arch=fingerprint_options(
            session=session, user_sources=args.rosdep_source,
            offline=args.offline,
            apt_sources=[parse_apt_source(a) for a in args.apt_source]),
        selected=selected, force=args.force)
    for planned in plan:
        session.plan.setdefault(planned.name, []).append(planned)
    return plan


def _apt_cache(path, session):
    """Return the verified apt cache of the architectures built here."""
    path.mkdir(parents=True, exist_ok=True)
    local = [arch for arch in session.builders if arch not in session.transfer]

    def read_indexes():
        return b'\n'.join(
            builder_indexes(session.engine_for(arch),
                            session.builders[arch].tag, labels=session.labels)
            for arch in local)

    return VerifiedAptCache(path=path, read_indexes=read_indexes)


def _create_path(path):
    path = Path(os.path.abspath(path))
    path.mkdir(parents=True, exist_ok=True)
    marker = path / 'COLCON_IGNORE'
    if not marker.exists():
        marker.touch()
    return path


def _jobs(args, decorators, session, invalid):
    jobs = OrderedDict()
    unselected = set()
    descriptors = {d.descriptor for d in decorators}
    for decorator in decorators:
        # what `apt-get build-dep` would pull from the workspace: build and
        # test dependencies, and everything those need at run time
        session.build_closure[decorator.descriptor.name] = {
            str(d) for d in decorator.descriptor.get_recursive_dependencies(
                descriptors, direct_categories=('build', 'test'),
                recursive_categories=('run', ))}
        pkg = decorator.descriptor
        if not decorator.selected:
            unselected.add(pkg.name)
            continue
        if pkg.name in invalid:
            continue
        session.results[pkg.name] = PackageResult(name=pkg.name)
        dependencies = set(decorator.recursive_dependencies)
        # the extension registered for its type; a package of another type
        # got here only with its own debian/ (see package_checks.py)
        task = get_task_extension(DEB_TASK_GROUP, pkg.type) or DebTask()
        task.session = session
        jobs[pkg.name] = Job(
            identifier=pkg.name, dependencies=dependencies, task=task,
            task_context=TaskContext(
                pkg=pkg, args=args, dependencies=dependencies))
    return jobs, unselected

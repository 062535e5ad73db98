# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The `colcon deb` verb: a workspace to .deb files and an apt repository."""

import argparse
from collections import OrderedDict
from contextlib import ExitStack
import json
import os
from pathlib import Path
import signal
import sys
import threading
import time
import uuid

from catkin_pkg.package import parse_package
from colcon_core.event.job import JobUnselected
from colcon_core.event_handler import add_event_handler_arguments
from colcon_core.executor import add_executor_arguments
from colcon_core.executor import execute_jobs
from colcon_core.executor import Job
from colcon_core.executor import OnError
from colcon_core.location import get_log_path
from colcon_core.logging import colcon_logger
from colcon_core.package_selection import add_arguments \
    as add_packages_arguments
from colcon_core.package_selection import get_packages
from colcon_core.plugin_system import satisfies_version
from colcon_core.task import TaskContext
from colcon_core.verb import check_and_mark_build_tool
from colcon_core.verb import VerbExtensionPoint
from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.repository.apt_repository import \
    DEFAULT_KEEP_VERSIONS
from colcon_deb_docker.apt_cache import builder_indexes
from colcon_deb_docker.apt_cache import VerifiedAptCache
from colcon_deb_docker.builder_image import prepare_builder_image
from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import ContainerFailed
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.helpers_path import helpers_dir
from colcon_deb_docker.naming import check_package_name
from colcon_deb_docker.naming import check_version
from colcon_deb_docker.naming import InvalidPackage
from colcon_deb_docker.progress import parse_progress_line
from colcon_deb_docker.rosdep_source import write_rosdep_config
from colcon_deb_docker.plan import expected_deb_name
from colcon_deb_docker.platforms import check_emulation
from colcon_deb_docker.platforms import docker_platform
from colcon_deb_docker.platforms import native_architecture
from colcon_deb_docker.plan import fingerprint_options
from colcon_deb_docker.plan import make_plan
from colcon_deb_docker.repository_signing import KEYRING_RECORD
from colcon_deb_docker.repository_signing import remove_stale_keyring
from colcon_deb_docker.repository_signing import RepositorySigner
from colcon_deb_docker.rosdep_check import package_rosdep_keys
from colcon_deb_docker.rosdep_check import run_rosdep_check
from colcon_deb_docker.rosdep_source import host_paths
from colcon_deb_docker.run_lock import check_owner
from colcon_deb_docker.run_lock import exclusive_run
from colcon_deb_docker.session import allowed_host_environment
from colcon_deb_docker.session import DebSession
from colcon_deb_docker.session import PackageResult
from colcon_deb_docker.task.deb import DebTask
from colcon_deb_docker.unidentified import find_unidentified_packages
from colcon_deb_docker.versioning import DEFAULT_SCHEME
from colcon_deb_docker.versioning import SCHEMES

logger = colcon_logger.getChild(__name__)

DEFAULT_BASE_IMAGE = 'local/debian:bookworm'


class DebVerb(VerbExtensionPoint):
    """Build Debian packages of the workspace in Docker containers."""

    def __init__(self):  # noqa: D107
        super().__init__()
        satisfies_version(VerbExtensionPoint.EXTENSION_POINT_VERSION, '^1.0')

    def add_arguments(self, *, parser):  # noqa: D102
        parser.add_argument(
            '--ros-distro', default=os.environ.get('ROS_DISTRO'),
            help='The ROS distribution the packages are named for '
                 '(ros-<distro>-<name>), default: $ROS_DISTRO')
        parser.add_argument(
            '--base-image', default=DEFAULT_BASE_IMAGE,
            help='Debian or Ubuntu image the builder image is made from '
                 '(default: %(default)s; make it with colcon-deb-base-image)')
        parser.add_argument(
            '--output-base', default='deb',
            help='The apt repository to write (default: %(default)s)')
        parser.add_argument(
            '--build-base', default='build_deb',
            help='Scratch directory for per-package outputs and the rosdep '
                 'sources (default: %(default)s)')
        parser.add_argument(
            '--offline', action='store_true',
            help='Touch no network for rosdep and bloom: use a generated '
                 'rosdistro index, the workspace, --rosdep-source files and '
                 "the image's local rosdep mappings only")
        parser.add_argument(
            '--rosdep-source', metavar='FILE', action='append', default=[],
            help='An extra rosdep YAML file, consulted after the workspace '
                 'and before the image sources (repeatable)')
        parser.add_argument(
            '--debian-overrides', metavar='DIR',
            help='A directory holding DIR/<package>/debian/ to use instead '
                 'of bloom for those packages')
        parser.add_argument(
            '--verify', action='store_true',
            help='After building, install every built package from the '
                 'repository in a fresh container of the base image')
        parser.add_argument(
            '--timeout', type=float, metavar='SECONDS',
            help='Kill a package build that runs longer than this')
        parser.add_argument(
            '--run-tests', action='store_true',
            help="Run the packages' tests during dpkg-buildpackage "
                 '(default: DEB_BUILD_OPTIONS=nocheck)')
        parser.add_argument(
            '--docker-host', metavar='[ARCH=]URL', action='append',
            default=[],
            help='The Docker engine to use (default: $DOCKER_HOST or the '
                 'local socket).  ARCH=URL (repeatable) sends the containers '
                 'of one architecture to another engine, e.g. a native arm64 '
                 'machine (ssh://user@host, tcp://host:2376); sources and '
                 'results travel through the Docker API, no shared '
                 'filesystem is needed')
        parser.add_argument(
            '--arch', action='append', metavar='ARCH',
            help='Debian architecture to build for (repeatable: --arch amd64 '
                 "--arch arm64; default: the engine's).  A foreign one runs "
                 'under QEMU emulation and uses the base image '
                 '<--base-image>-<ARCH>')
        parser.add_argument(
            '--sign-key', metavar='KEYID',
            help='Sign the repository (Release.gpg, InRelease) with this '
                 "secret key of the user's GnuPG keyring, named exactly by "
                 'its fingerprint, key id, user id or e-mail address; the '
                 'public key is written to <output-base>/key.gpg and key.asc')
        parser.add_argument(
            '--sign-key-file', metavar='FILE',
            help='Sign with the secret key in FILE (imported into a '
                 'temporary keyring that is deleted afterwards)')
        parser.add_argument(
            '--force', action='store_true',
            help='Build every selected package, even those whose '
                 'fingerprint (sources, dependencies, image, options) is '
                 'unchanged since their last good build')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Print the plan (build order, .deb names, what is up to '
                 'date, where each rosdep key resolves) and build nothing')
        parser.add_argument(
            '--isolate-network', action='store_true',
            help='Disconnect each container from the network once its build '
                 'dependencies are installed, so the compile step has none '
                 '(default: the network stays, for builds that fetch)')
        parser.add_argument(
            '--no-apt-cache', action='store_true',
            help='Do not share downloaded .debs between containers '
                 '(default: cached in <build-base>/.apt-archives, read-only '
                 'to containers; the host admits a download only if its '
                 "SHA256 matches the builder image's signed apt indexes)")
        parser.add_argument(
            '--no-ccache', action='store_true',
            help='Do not use ccache for C/C++ compiles (default: each '
                 'package keeps its own ccache in a volume of the engine, '
                 'colcon-deb-ccache-*)')
        parser.add_argument(
            '--version-scheme', choices=SCHEMES, default=DEFAULT_SCHEME,
            help='How a changed package gets a higher Debian version: '
                 'timestamp (<version>-0<codename>.YYYYMMDD.HHMMSS, as '
                 'ros_buildfarm), counter (<version>-0<codename>.N) or none '
                 '(package.xml only: bump it yourself) (default: '
                 '%(default)s)')
        parser.add_argument(
            '--keep-versions', type=_positive_int, metavar='N',
            default=DEFAULT_KEEP_VERSIONS,
            help='Versions of each package the repository keeps (older ones '
                 'are pruned; default: %(default)s)')
        parser.add_argument(
            '--continue-on-error', action='store_true',
            help='Continue other packages when a package fails; packages '
                 'depending on the failed one are skipped')
        add_executor_arguments(parser)
        add_event_handler_arguments(parser)
        add_packages_arguments(parser)

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
        decorators = get_packages(
            args, additional_argument_names=['*'],
            recursive_categories=('run', ))
        invalid = _invalid_packages(decorators, args.debian_overrides)
        invalid.update(find_unidentified_packages(
            base_paths=_search_paths(args),
            identified_paths=[d.descriptor.path for d in decorators]))
        for name, reason in invalid.items():
            print(f"colcon deb: error: package '{name}': {reason}",
                  file=sys.stderr)
        if invalid and not args.continue_on_error:
            return 1

        engines, transfer = _connect_engines(args)
        builders = _prepare_builders(engines, args)
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
        session.rosdep_state_dir.mkdir(parents=True, exist_ok=True)
        if not args.no_apt_cache:
            session.apt_cache = _apt_cache(
                build_base / '.apt-archives', engines, builders, transfer)

        if args.dry_run:
            _report_check(repository.check(repair=False), dry_run=True)
            plan = _make_plan(args, session, decorators, invalid)
            return _dry_run(session, plan)
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
                _report_check(repository.check(repair=True), dry_run=False)
                repository.ensure_initialized()
                plan = _make_plan(args, session, decorators, invalid)
                return self._build(args, context, session, plan, decorators,
                                   invalid)
        finally:
            if repository.signer is not None:
                repository.signer.close()

    def _build(self, args, context, session, plan, decorators, invalid):
        to_build = [p for p in plan if p.action == 'build']
        if to_build:
            check = _check_rosdep_keys(
                session, {p.name: p for p in to_build}.values())
            unresolved = check.unresolved()
            if unresolved:
                report = check.describe_unresolved(
                    os_name=session.builder.os_name,
                    os_codename=session.builder.os_codename)
                print('colcon deb: error: ' + _host_paths(session, report),
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
        handlers = _install_interrupt_handlers(session)
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
            rc = _verify(session, args.base_image) or rc
        _print_summary(session)
        _write_report(session)
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
            offline=args.offline),
        selected=selected, force=args.force)
    for planned in plan:
        session.plan.setdefault(planned.name, []).append(planned)
    return plan


def _report_check(report, *, dry_run):
    """Say what the repository's self-check repaired and left alone."""
    for repair in report.repairs:
        logger.warning(('would repair: ' if dry_run else 'repaired: ')
                       + repair)
    for relative in report.foreign:
        logger.warning(
            f'{relative} is not listed by the repository (not written by '
            'colcon deb): left alone and not indexed')


def _apt_cache(path, engines, builders, transfer):
    """The verified apt cache of the architectures built on this host."""
    path.mkdir(parents=True, exist_ok=True)
    local = [arch for arch in builders if arch not in transfer]

    def read_indexes():
        return b'\n'.join(
            builder_indexes(engines[arch], builders[arch].tag)
            for arch in local)

    return VerifiedAptCache(path=path, read_indexes=read_indexes)


def _connect_engines(args):
    """Return ({arch: DockerEngine}, architectures using transfers).

    ``--docker-host URL`` names the default engine, ``ARCH=URL`` the engine
    of one architecture.  Engines given per architecture, and a default
    engine reached over tcp:// or ssh://, do not share the host's
    filesystem: their containers get inputs and return outputs as archives.
    """
    default_url = None
    per_arch = {}
    for value in args.docker_host:
        arch, sep, url = value.partition('=')
        if sep and '://' not in arch:
            docker_platform(arch)  # validates the architecture
            per_arch[arch] = url
        else:
            default_url = value
    requested = list(dict.fromkeys(args.arch or []))
    default = None
    if not requested or any(a not in per_arch for a in requested):
        default = DockerEngine(base_url=default_url)
    if not requested:
        requested = [native_architecture(default)]
    remote_default = (default.base_url if default else '').startswith(
        ('tcp://', 'ssh://', 'http://', 'https://'))
    connected = {}
    engines = {}
    transfer = set()
    for arch in requested:
        if arch in per_arch:
            url = per_arch[arch]
            if url not in connected:
                connected[url] = DockerEngine(base_url=url)
            engines[arch] = connected[url]
            transfer.add(arch)
        else:
            engines[arch] = default
            if remote_default:
                transfer.add(arch)
    return engines, transfer


def _prepare_builders(engines, args):
    """Return {arch: BuilderImage}, the primary architecture first.

    A foreign architecture uses ``<base image>-<arch>`` (made by
    ``colcon-deb-base-image --arch ARCH``); before its builder image is made,
    a trivial container proves the engine can run it.
    """
    builders = {}
    warned = False
    for arch, engine in engines.items():
        native = native_architecture(engine)
        platform = None
        base_image = args.base_image
        if arch != native:
            platform = docker_platform(arch)
            base_image = f'{args.base_image}-{arch}'
            engine.image_id(base_image, hint=(
                f'make it with `colcon-deb-base-image --arch {arch} --tag '
                f'{base_image}` (debootstrap under emulation)'))
            check_emulation(engine=engine, image=base_image, arch=arch)
            if not warned:
                logger.warning(
                    f'{arch} runs under QEMU emulation on this {native} '
                    'engine: expect builds several times slower')
                warned = True
        with _BuildLog(arch) as build_log:
            builder = prepare_builder_image(
                engine=engine, base_image=base_image, platform=platform,
                on_line=build_log.write)
        if builder.architecture != arch:
            raise DebDockerError(
                f"image '{base_image}' is {builder.architecture}, not {arch}")
        first = next(iter(builders.values()), None)
        if first and (first.os_name, first.os_codename) != (
                builder.os_name, builder.os_codename):
            raise DebDockerError(
                f'all architectures need the same OS release: '
                f"'{base_image}' is {builder.os_name} {builder.os_codename}")
        logger.info(
            f"builder image '{builder.tag}' for {builder.os_name} "
            f'{builder.os_codename} ({builder.architecture})')
        builders[arch] = builder
    return builders


class _BuildLog:
    """The log of a builder image build: a file under colcon's log
    directory, and one line on the console when a build starts."""

    def __init__(self, arch):  # noqa: D107
        self.arch = arch
        self.file = None

    def __enter__(self):  # noqa: D105
        return self

    def write(self, line):
        """Take one line of `docker build` output."""
        if self.file is None:
            log_path = get_log_path()  # None with --log-base /dev/null
            path = Path(log_path) / f'builder-image-{self.arch}.log' \
                if log_path else Path(os.devnull)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, 'w')
            print(f'Building the {self.arch} builder image (once per base '
                  f'image; a few minutes, log: {path})', flush=True)
        self.file.write(line + '\n')

    def __exit__(self, *exc_info):  # noqa: D105
        if self.file is not None:
            self.file.close()


def _check_rosdep_keys(session, planned):
    """Resolve the keys of the planned packages in one container."""
    keys = {
        p.name: package_rosdep_keys(
            package_xml=p.path / 'package.xml',
            ros_distro=session.ros_distro)
        for p in planned}
    count = len({k for v in keys.values() for k in v})
    print(f'Checking {count} rosdep key(s) of {len(keys)} package(s)',
          flush=True)

    def on_line(line, is_stderr):
        event = parse_progress_line(line)
        if event is not None:
            logger.info(f'[rosdep check] {event.describe()}')
        else:
            logger.debug(f'[rosdep check] {line}')

    try:
        return run_rosdep_check(
            session=session, keys_by_package=keys, on_line=on_line)
    except ContainerFailed as e:
        raise DebDockerError(
            f'the rosdep pre-check failed (exit code {e.exit_code}):\n'
            f'{e.log_tail}') from None


def _host_paths(session, text):
    """Show rosdep files by their host paths, not their container paths."""
    return host_paths(text, rosdep_dir=session.rosdep_dir,
                      user_sources=session.user_rosdep_sources)


def _dry_run(session, plan):
    builder = session.builder
    print(f'colcon deb --dry-run: {len(session.plan)} package(s) for '
          f'{builder.os_name} {builder.os_codename} '
          f"({', '.join(session.architectures)}), builder image(s) "
          + ', '.join(b.tag for b in session.builders.values())
          + '; nothing is built')
    width = max((len(p.name) for p in plan), default=0)
    for index, planned in enumerate(plan, 1):
        deb = expected_deb_name(session=session, planned=planned) \
            if planned.version else '(no version: ' + \
            session.blocked.get(planned.name, '?') + ')'
        verb = 'build' if planned.action == 'build' else 'skip '
        print(f'  {index:3}. {planned.name:<{width}}  {planned.arch:<7} '
              f'{verb} ({planned.reason})  {deb}')
    if plan:
        check = _check_rosdep_keys(
            session, {p.name: p for p in plan}.values())
        print('rosdep keys:')
        for name in session.plan:
            for key, entry in sorted(check.packages.get(name, {}).items()):
                if 'error' in entry:
                    where = 'UNRESOLVED: ' + entry['error']
                else:
                    where = (' '.join(entry['resolved']) or '(nothing)') + \
                        f"  [{_host_paths(session, entry['origin'])}]"
                print(f'  {name}: {key} -> {where}')
        if check.unresolved():
            print(_host_paths(session, check.describe_unresolved(
                os_name=builder.os_name, os_codename=builder.os_codename)),
                file=sys.stderr)
            return 1
    return 0


def _write_report(session):
    """Write per-package timings as JSON next to colcon's logs."""
    log_path = get_log_path()
    if log_path is None:
        return
    report = {
        name: {'status': r.status, 'seconds': round(r.seconds, 3),
               'steps': r.steps, 'debs': r.debs, 'reason': r.reason}
        for name, r in session.results.items()}
    path = Path(log_path) / 'colcon-deb-report.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, sort_keys=True))


def _install_interrupt_handlers(session):
    """Make Ctrl-C and SIGTERM stop the run's containers, then interrupt.

    colcon's executors expect a job's subprocess to get the terminal's
    SIGINT too and wait for it; a container does not, so the handler removes
    every container of the run (in a thread: a signal handler must return
    quickly) and then raises KeyboardInterrupt as Python's default would.
    SIGTERM (a CI job cancelled, `kill`) takes the same path.

    :returns: the previous handlers, to restore
    """
    def interrupt(signum, frame):
        if not session.interrupted.is_set():
            session.interrupted.set()
            threading.Thread(
                target=session.remove_run_containers, daemon=True).start()
        raise KeyboardInterrupt

    return {
        signum: signal.signal(signum, interrupt)
        for signum in (signal.SIGINT, signal.SIGTERM)}


def _search_paths(args):
    """Return where colcon looked for packages: --paths if given (each a
    package directory), else the --base-paths."""
    return getattr(args, 'paths', None) or \
        getattr(args, 'base_paths', None) or ['.']


def _positive_int(text):
    """Parse a whole number of at least 1 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected a number >= 1: {text!r}')
    return value


def _create_path(path):
    path = Path(os.path.abspath(path))
    path.mkdir(parents=True, exist_ok=True)
    marker = path / 'COLCON_IGNORE'
    if not marker.exists():
        marker.touch()
    return path


#: the build types bloom's rosdebian templates know
BLOOM_BUILD_TYPES = ('ament_cmake', 'ament_python', 'catkin', 'cmake')


def _invalid_packages(decorators, debian_overrides=None):
    """Return {name: reason} of selected packages that cannot become .debs."""
    invalid = {}
    for decorator in decorators:
        pkg = decorator.descriptor
        if not decorator.selected:
            continue
        manifest = Path(pkg.path) / 'package.xml'
        if not manifest.is_file():
            invalid[str(pkg.name)] = (
                f'{pkg.path}: not supported: colcon found a {pkg.type} '
                'package without a package.xml, and bloom needs one (add a '
                'package.xml)')
            continue
        try:
            check_package_name(pkg.name)
            package = parse_package(str(manifest))
            check_version(package.version)
        except InvalidPackage as e:
            invalid[str(pkg.name)] = f'{manifest}: {e}'
            continue
        except Exception as e:  # noqa: B902 (any catkin_pkg parse failure)
            invalid[str(pkg.name)] = f'{manifest}: {e}'
            continue
        build_type = package.get_build_type()
        own_debian = (Path(pkg.path) / 'debian').is_dir() or (
            debian_overrides is not None and
            (Path(debian_overrides) / pkg.name / 'debian').is_dir())
        if build_type not in BLOOM_BUILD_TYPES and not own_debian:
            invalid[str(pkg.name)] = (
                f'{manifest}: not supported: build type {build_type!r} '
                f"(bloom knows {', '.join(BLOOM_BUILD_TYPES)}; give the "
                'package a debian/ directory or --debian-overrides)')
    return invalid


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
        task = DebTask(session=session)
        jobs[pkg.name] = Job(
            identifier=pkg.name, dependencies=dependencies, task=task,
            task_context=TaskContext(
                pkg=pkg, args=args, dependencies=dependencies))
    return jobs, unselected


def _verify(session, base_image):
    """Install every selected package (built now or up to date) in a fresh
    container of the base image of the run's primary architecture."""
    names = [r.name for r in session.results.values()
             if r.status in ('built', 'up to date')]
    if not names:
        return 0
    arch = session.architectures[0]
    engine = session.engine_for(arch)
    platform = None
    if arch != native_architecture(engine):
        base_image, platform = f'{base_image}-{arch}', docker_platform(arch)
    print(f'Verifying: installing {len(names)} package(s) in a fresh '
          f"'{base_image}' container ({arch})", flush=True)
    failed = []

    def on_line(line, _is_stderr):
        event = parse_progress_line(line)
        if event and event.step == 'verify':
            print(f'  {event.describe()}', flush=True)
            if event.status == 'failed':
                failed.append(event.message)

    try:
        engine.run(
            session.verify_container_spec(
                base_image=base_image, platform=platform,
                package_names=names),
            on_line=on_line)
    except ContainerFailed as e:
        if not failed:
            print(e.log_tail, file=sys.stderr)
            print(f'colcon deb: verification failed: {e}', file=sys.stderr)
            return 1
    for deb_name in failed:
        print(f'colcon deb: verification: {deb_name} does not install',
              file=sys.stderr)
    return 1 if failed else 0


def _print_summary(session):
    results = session.results
    if not results:
        return
    width = max(len(name) for name in results)
    print('\ncolcon deb summary:')
    for name in sorted(results):
        result = results[name]
        line = f'  {name:<{width}}  {result.status:<11}'
        if result.seconds:
            line += f' {result.seconds:7.1f}s'
        if result.debs:
            line += '  ' + ', '.join(result.debs)
        elif result.status == 'pending':
            line += '  skipped (a dependency failed or the run stopped)'
        elif result.reason:
            line += '  ' + result.reason
        print(line)
    print(f'\napt repository: {session.repository.path}\n'
          f'  {session.repository.apt_source_line()}')

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The `colcon deb` verb: a workspace to .deb files and an apt repository."""

from contextlib import ExitStack
import os
import shutil
import sys

from colcon_core.logging import colcon_logger
from colcon_core.package_augmentation import \
    get_package_augmentation_extensions
from colcon_core.plugin_system import satisfies_version
from colcon_core.verb import check_and_mark_build_tool
from colcon_core.verb import VerbExtensionPoint
from colcon_deb_docker.apt_sources import parse_apt_source
from colcon_deb_docker.apt_sources import underlays_sharing_label
from colcon_deb_docker.apt_sources import with_release
from colcon_deb_docker.bloom_release_dependencies import \
    BloomReleaseAugmentation
from colcon_deb_docker.build_layout import check_apart
from colcon_deb_docker.build_layout import create_build_base
from colcon_deb_docker.engines import connect_engines
from colcon_deb_docker.engines import prepare_distributions
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.interrupts import terminate_as_interrupt
from colcon_deb_docker.job_runner import check_siblings
from colcon_deb_docker.job_runner import run_jobs
from colcon_deb_docker.job_runner import set_build_closures
from colcon_deb_docker.naming import check_package_name
from colcon_deb_docker.naming import InvalidPackage
from colcon_deb_docker.package_checks import debian_name_problems
from colcon_deb_docker.package_checks import invalid_packages
from colcon_deb_docker.package_checks import search_paths
from colcon_deb_docker.package_checks import unused_overrides
from colcon_deb_docker.package_checks import workspace_debian_names
from colcon_deb_docker.plan import plan_run
from colcon_deb_docker.reporting import print_dry_run
from colcon_deb_docker.reporting import report_check
from colcon_deb_docker.reporting import write_report
from colcon_deb_docker.repository_signing import KEYRING_RECORD
from colcon_deb_docker.repository_signing import remove_stale_keyring
from colcon_deb_docker.repository_signing import RepositorySigner
from colcon_deb_docker.run_lock import check_owner
from colcon_deb_docker.run_lock import exclusive_run
from colcon_deb_docker.session import PackageResult
from colcon_deb_docker.session_setup import make_session
from colcon_deb_docker.unidentified import find_unidentified_packages
from colcon_deb_docker.verb.arguments import add_deb_arguments
from colcon_deb_docker.verb.arguments import DEFAULT_BASE_IMAGE
from colcon_deb_docker.verify import verify_installation
from colcon_deb_docker.workspace_dependencies import \
    get_workspace_packages

logger = colcon_logger.getChild(__name__)


class NoPackagesFound(DebDockerError):
    """The search paths hold no package: most likely the wrong directory."""


class DebVerb(VerbExtensionPoint):
    """Build Debian packages of the workspace in Docker containers."""

    def __init__(self):  # noqa: D107
        super().__init__()
        satisfies_version(VerbExtensionPoint.EXTENSION_POINT_VERSION, '^1.0')

    def add_arguments(self, *, parser):  # noqa: D102
        add_deb_arguments(parser)

    def main(self, *, context):  # noqa: D102
        try:
            with terminate_as_interrupt():
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

        if args.valid_for and not (args.sign_key or args.sign_key_file):
            raise DebDockerError(
                '--valid-for needs a signed repository (--sign-key or '
                '--sign-key-file): without a signature, whoever serves the '
                'repository can write any Valid-Until')
        check_apart(
            build_base=args.build_base, output_base=args.output_base)
        new_build_base = not os.path.lexists(args.build_base)
        try:
            return self._in_build_base(args, context)
        except NoPackagesFound:
            # nothing of this run stays in a directory that was the wrong one
            if new_build_base:
                shutil.rmtree(args.build_base, ignore_errors=True)
            raise

    def _in_build_base(self, args, context):
        with ExitStack() as stack:
            try:
                for path, option in ((args.build_base, '--build-base'), (
                        args.output_base, '--output-base')):
                    check_owner(os.path.abspath(path), option=option)
                build_base = create_build_base(args.build_base)
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
        decorators = get_workspace_packages(
            args, with_tests=bool(args.run_tests),
            additional_argument_names=['*'],
            augmentation_extensions=augmentations)
        invalid = invalid_packages(decorators, args.debian_overrides)
        for name, reason in debian_name_problems(
                decorators, ros_distro=args.ros_distro,
                debian_overrides=args.debian_overrides).items():
            invalid.setdefault(name, reason)
        invalid.update(find_unidentified_packages(
            base_paths=search_paths(args),
            identified_paths=[d.descriptor.path for d in decorators]))
        if not decorators and not invalid:
            # most likely the wrong directory: no empty repository there
            raise NoPackagesFound(
                'no packages found in ' + ', '.join(
                    os.path.abspath(p) for p in search_paths(args)) +
                ': run colcon deb in the root of a ROS workspace (the '
                'directory that holds src/), or pass --base-paths')
        for name, reason in invalid.items():
            print(f"colcon deb: error: package '{name}': {reason}",
                  file=sys.stderr)
        for name in unused_overrides(decorators, args.debian_overrides):
            print('colcon deb: warning: --debian-overrides '
                  f'{args.debian_overrides}: no package of the workspace is '
                  f"named '{name}', so its debian/ is not used",
                  file=sys.stderr)
        if invalid and not args.continue_on_error:
            return 1

        # checked before the images are made (that can take minutes),
        # then again for each distribution with its codename put in
        for line in args.apt_source:
            parse_apt_source(line)
        engines, transfer = connect_engines(args)
        distributions = prepare_distributions(
            engines, args.base_image or [DEFAULT_BASE_IMAGE],
            transfer=transfer)
        # each underlay's Release is read once, here: the run sees one
        # state of it (and an unreachable one is an error before a build)
        apt_sources_of = {
            base_image: [
                with_release(parse_apt_source(
                    line, codename=next(iter(builders.values())).os_codename))
                for line in args.apt_source]
            for base_image, builders in distributions.items()}
        rc = 0
        for base_image, builders in distributions.items():
            builder = next(iter(builders.values()))
            if len(distributions) > 1:
                print(f'== {builder.os_name} {builder.os_codename} '
                      f'({base_image})', flush=True)
            rc_one = self._run_distribution(
                args, context, build_base, decorators=decorators,
                invalid=invalid, engines=engines, transfer=transfer,
                builders=builders, base_image=base_image,
                apt_sources=apt_sources_of[base_image])
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
        session = make_session(
            args, build_base=build_base, package_names=[
                d.descriptor.name for d in decorators
                if d.descriptor.name not in invalid],
            engines=engines, transfer=transfer, builders=builders,
            apt_sources=apt_sources)
        session.workspace_debian_names = workspace_debian_names(
            decorators, ros_distro=args.ros_distro,
            debian_overrides=args.debian_overrides)
        repository = session.repository

        if args.dry_run:
            report_check(repository.check(repair=False), dry_run=True)
            warn_shared_label(repository, apt_sources)
            plan = plan_run(
                args, session=session, decorators=decorators,
                invalid=invalid)
            rc = print_dry_run(session, plan)
            set_build_closures(
                session, decorators, with_tests=bool(args.run_tests))
            if check_siblings(session, plan, decorators, invalid=invalid):
                rc = 1
            return rc
        removed = session.remove_leftover_containers()
        if removed:
            logger.warning(
                f'removed {removed} container(s) a killed run of this build '
                'base left behind')
        session.layout.remove_scratch()
        if remove_stale_keyring(build_base) is not None:
            logger.warning('deleted the temporary signing keyring a killed '
                           'run left behind')
        if args.sign_key or args.sign_key_file:
            repository.signer = RepositorySigner(
                key_id=args.sign_key, key_file=args.sign_key_file,
                record=build_base / KEYRING_RECORD)
            if any(c.isspace() for c in str(repository.public_key_path)):
                # the URI is percent-encoded, apt's options are not
                logger.warning(
                    f'{repository.public_key_path}: apt cannot take a '
                    'signed-by path with blanks: copy key.gpg to a path '
                    'without (e.g. /etc/apt/keyrings/) and name that in '
                    'the sources line')
        try:
            with repository.exclusive_run():
                report_check(repository.check(repair=True), dry_run=False)
                repository.ensure_initialized()
                warn_shared_label(repository, apt_sources)
                plan = plan_run(
                    args, session=session, decorators=decorators,
                    invalid=invalid)
                return self._build(args, context, session, plan, decorators,
                                   invalid, base_image)
        finally:
            if repository.signer is not None:
                repository.signer.close()

    def _build(self, args, context, session, plan, decorators, invalid,
               base_image):
        rc = run_jobs(args, context, session=session, plan=plan,
                      decorators=decorators, invalid=invalid)
        for name, reason in invalid.items():
            session.results[name] = PackageResult(
                name=name, status='invalid', reason=reason)
        if args.verify and not rc:
            rc = verify_installation(session, base_image) or rc
        write_report(session)
        if invalid and not rc:
            rc = 1
        return rc


def warn_shared_label(repository, apt_sources):
    """Warn of an underlay that has the repository's Label.

    The pin the repository ships would raise the underlay's packages too
    (see apt_sources.underlays_sharing_label).
    """
    for source in underlays_sharing_label(repository.label, apt_sources):
        logger.warning(
            f"the underlay '{source.text}' has this repository's Label, "
            f'{repository.label}: the pin that makes its packages win over '
            "the underlay's matches both; give this repository another "
            '--label')

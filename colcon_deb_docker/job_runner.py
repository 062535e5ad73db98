# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Run the package jobs of one distribution on colcon's executor.

First the rosdep pre-check (one container resolves every key), then one
colcon job per selected package, each a `deb` task extension of its
package type; Ctrl-C and SIGTERM end every container of the run.
"""

from collections import OrderedDict
import signal
import sys

from colcon_core.event.job import JobUnselected
from colcon_core.executor import execute_jobs
from colcon_core.executor import Job
from colcon_core.executor import OnError
from colcon_core.logging import colcon_logger
from colcon_core.task import get_task_extension
from colcon_core.task import TaskContext
from colcon_deb_docker.cpu_priority import CpuPriority
from colcon_deb_docker.events import DebPackageResult
from colcon_deb_docker.events import DebRunStarted
from colcon_deb_docker.fingerprint import read_stamp
from colcon_deb_docker.interrupts import install_interrupt_handlers
from colcon_deb_docker.job_order import critical_path_order
from colcon_deb_docker.job_order import ready_first_order
from colcon_deb_docker.job_order import remaining_chains
from colcon_deb_docker.reporting import show_host_paths
from colcon_deb_docker.repository.consumer_files import PIN_FILE
from colcon_deb_docker.repository.consumer_files import sources_file_name
from colcon_deb_docker.rosdep_check import check_rosdep_keys
from colcon_deb_docker.rosdep_check import published_keys
from colcon_deb_docker.session import PackageResult
from colcon_deb_docker.siblings import describe_missing_siblings
from colcon_deb_docker.siblings import describe_uninstallable
from colcon_deb_docker.siblings import missing_siblings
from colcon_deb_docker.task.deb import DEB_TASK_GROUP
from colcon_deb_docker.task.deb import DebTask
from colcon_deb_docker.workspace_dependencies import build_categories
from colcon_deb_docker.workspace_dependencies import \
    workspace_dependencies

logger = colcon_logger.getChild(__name__)


def run_jobs(args, context, *, session, plan, decorators, invalid):
    """Check the rosdep keys, then run one colcon job per package.

    Ctrl-C and SIGTERM remove every container of the run from the first
    one on (the rosdep pre-check's, bloom's ahead of the builds), not only
    the builds'.

    :returns: colcon's return code of the jobs (1 when keys are missing)
    """
    handlers = install_interrupt_handlers(session)
    try:
        return _check_and_run_jobs(
            args, context, session=session, plan=plan,
            decorators=decorators, invalid=invalid)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        if session.dependency_images is not None:
            # the ahead pass's step under way (often listing what the
            # builder image has, a second's container) may end first
            session.dependency_images.stop(
                wait=0 if session.interrupted.is_set() else 10)
        if session.bloom_ahead is not None:
            # its container ends by itself within seconds (or was removed
            # by an interrupt); the run's last check wants no container left
            session.bloom_ahead.wait(timeout=60)
        if session.network_namespaces is not None:
            # the builds have ended: their holders go, beside the last
            # builds' containers
            session.network_namespaces.close(
                remove_later=session.remove_later)
        session.wait_for_removals()
        if not session.interrupted.is_set():
            session.bound_kept_volumes()
        removed = session.remove_run_containers()
        if removed and session.interrupted.is_set():
            # the interrupt's own removal, still under way when the jobs
            # ended (or a container started meanwhile): expected, not a
            # fault worth a warning after the summary
            logger.info(f'removed {removed} container(s) of the interrupted '
                        'run')
        elif removed:
            logger.warning(f'removed {removed} container(s) left running')
        if session.interrupted.is_set():
            # their containers are gone, so their calls end quickly;
            # then nothing recreates the scratch we remove
            session.wait_for_threads(timeout=60)
            # and a container one of them created after the removals
            # above (its build was cancelled before it could start it)
            session.remove_run_containers()
            session.layout.remove_scratch()
        session.threads.shutdown(wait=False, cancel_futures=True)


def _check_and_run_jobs(args, context, *, session, plan, decorators,
                        invalid):
    # one planned entry per package (a package has one per architecture)
    to_build = list({
        p.name: p for p in plan if p.action == 'build'}.values())
    descriptors = {d.descriptor.name: d.descriptor for d in decorators}
    set_build_closures(
        session, decorators, with_tests=bool(args.run_tests))
    check = None
    if to_build:
        names = {p.name for p in to_build}
        # before the pre-check's container: nothing to wait for
        if check_siblings(session, plan, decorators, invalid=invalid) and \
                not args.continue_on_error:
            return 1
        check = check_rosdep_keys(session, to_build, dependencies={
            name: descriptors[name].path
            for built in names
            for name in session.build_closure.get(built, ())
            if name not in names and name in descriptors and
            name not in invalid})
        unresolved = check.unresolved()
        if unresolved:
            report = check.describe_unresolved(
                os_name=session.builder.os_name,
                os_codename=session.builder.os_codename,
                published=published_keys(session, unresolved))
            print('colcon deb: error: ' + show_host_paths(session, report),
                  file=sys.stderr)
            if not args.continue_on_error:
                return 1
            for name, keys in unresolved.items():
                session.blocked[name] = (
                    'unresolvable rosdep keys: ' + ', '.join(sorted(keys)))

    jobs, unselected = _jobs(args, decorators, session, invalid)
    if check is not None and session.bloom_ahead is not None:
        session.bloom_ahead.prepare(check=check, planned=[
            p for p in to_build if p.name not in session.blocked],
            descriptors=descriptors, order=ready_first_order(
                {name: job.dependencies for name, job in jobs.items()},
                list(jobs)))
    if check is not None and session.dependency_images is not None:
        session.dependency_images.plan(
            check=check, descriptors=descriptors,
            with_tests=bool(args.run_tests))
        session.dependency_images.start_ahead(order=list(jobs))

    def before_jobs(*, event_queue):
        for name in sorted(unselected):
            event_queue.put((JobUnselected(name), None))
        # what the summary (event_handler/deb_summary.py) reports on
        event_queue.put((run_started_event(session, invalid), None))
        for name, reason in sorted(invalid.items()):
            event_queue.put((DebPackageResult(
                name=name, status='invalid', reason=reason), None))

    on_error = OnError.skip_downstream if args.continue_on_error \
        else OnError.interrupt
    return execute_jobs(
        context, jobs, on_error=on_error, pre_execution_callback=before_jobs)


def run_started_event(session, invalid):
    """Return the event that starts the summary of a distribution."""
    repository = session.repository
    pin = repository.path / PIN_FILE
    with_pin = bool(repository.underlays) and pin.is_file()
    served_signed = repository.public_url and repository.signer
    return DebRunStarted(
        package_names=tuple(sorted({*session.results, *invalid})),
        repository_path=str(repository.path),
        source_line=repository.apt_source_line(),
        codename=repository.codename,
        pin_file=str(pin) if with_pin else '',
        sources_file=str(
            repository.path / sources_file_name(repository.codename))
        if with_pin else '',
        valid_for=repository.valid_for or 0,
        public_line=repository.consumer_source_line()
        if repository.public_url else '',
        public_key_path=repository.consumer_key_path
        if served_signed else '',
        public_key_fingerprint=repository.signer.fingerprint
        if served_signed else '')


def set_build_closures(session, decorators, *, with_tests):
    """Record the workspace packages each package's build installs.

    What `apt-get build-dep` would pull from the workspace (see
    workspace_dependencies.py): its build dependencies (and its test
    dependencies when the tests run), and what those need at run time.
    """
    descriptors = {d.descriptor for d in decorators}
    categories = build_categories(with_tests=with_tests)
    for decorator in decorators:
        session.build_closure[decorator.descriptor.name] = \
            workspace_dependencies(
                decorator.descriptor, descriptors, categories=categories)


def check_siblings(session, plan, decorators, *, invalid):
    """Say which builds lack workspace packages; return those that do.

    A build dependency that neither the run nor the repository provides is
    an error (the build could not install it: the package is blocked with
    the reason, for --continue-on-error); a run dependency is a warning (the
    package builds, but apt cannot install it from the repository yet).
    Needs the build closures (:func:`set_build_closures`).

    :returns: {package: the workspace packages its build lacks}
    """
    builds = [p for p in plan if p.action == 'build']
    names = {p.name for p in builds}
    missing = missing_siblings(session, builds, building=names)
    if missing:
        print('colcon deb: error: ' + describe_missing_siblings(
            missing, invalid=invalid), file=sys.stderr)
        for name, needed in missing.items():
            session.blocked.setdefault(name, (
                f"needs {', '.join(needed)}, neither in this run nor in the "
                'repository'))
    uninstallable = missing_siblings(
        session, [p for p in builds if p.name not in missing],
        building=names, closures=run_closures(decorators, names))
    if uninstallable:
        # a package that builds, in a repository that cannot install it:
        # said, not refused (the rest may come in a later run)
        print('colcon deb: warning: ' + describe_uninstallable(
            uninstallable), file=sys.stderr)
    return missing


def run_closures(decorators, names):
    """Return {package: workspace packages its .deb needs at run time}.

    For the packages `names`: their run dependencies, recursively.
    """
    descriptors = {d.descriptor for d in decorators}
    return {
        decorator.descriptor.name: workspace_dependencies(
            decorator.descriptor, descriptors, categories=('run', ))
        for decorator in decorators if decorator.descriptor.name in names}


def _jobs(args, decorators, session, invalid):
    jobs = OrderedDict()
    unselected = set()
    for decorator in decorators:
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
    dependencies = {name: job.dependencies for name, job in jobs.items()}
    durations = {name: _expected_seconds(session, name) for name in jobs}
    chains = remaining_chains(dependencies, durations)
    order = critical_path_order(dependencies, durations, chains=chains)
    session.cpu_priority = CpuPriority(chains)
    return OrderedDict((name, jobs[name]) for name in order), unselected


def _expected_seconds(session, name):
    """Return how long a job is expected to take (None: unknown).

    Up to date: nothing to build.  Otherwise the time of the package's last
    good build (per architecture, from its stamps) when known.
    """
    planned = session.plan.get(name, [])
    if planned and all(p.action == 'skip' for p in planned):
        return 0.0
    seconds = [
        (read_stamp(session.layout.stamp_path(name, p.arch)) or {}).get(
            'seconds')
        for p in planned if p.action == 'build']
    if not seconds or any(s is None for s in seconds):
        return None
    return float(sum(seconds))

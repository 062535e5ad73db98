# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Make the :class:`DebSession` of one distribution from the arguments.

Writes what its containers read (the rosdep configuration, the underlays'
sources) and opens its repository; nothing is built here.
"""

import os
from pathlib import Path
import time
import uuid

from colcon_core.logging import colcon_logger
from colcon_deb_docker.apt_cache import builder_indexes
from colcon_deb_docker.apt_cache import underlay_indexes
from colcon_deb_docker.apt_cache import VerifiedAptCache
from colcon_deb_docker.apt_sources import write_apt_sources
from colcon_deb_docker.bloom_ahead import BloomAhead
from colcon_deb_docker.dependency_images import DependencyImages
from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.helpers_path import helpers_dir
from colcon_deb_docker.memory_budget import MemoryBudget
from colcon_deb_docker.memory_budget import MINIMUM
from colcon_deb_docker.network_namespaces import NetworkNamespaces
from colcon_deb_docker.repository.apt_repository import AptRepository
from colcon_deb_docker.rosdep_source import write_rosdep_config
from colcon_deb_docker.session import allowed_host_environment
from colcon_deb_docker.session import DebSession

logger = colcon_logger.getChild(__name__)


def make_session(args, *, build_base, package_names, engines, transfer,
                 builders, apt_sources):
    """Return the session of the distribution `builders` build for.

    :param package_names: the workspace packages rosdep maps to .debs
    """
    builder = next(iter(builders.values()))
    engine = engines[builder.architecture]

    rosdep_dir = build_base / '.rosdep'
    rosdep_env = write_rosdep_config(
        path=rosdep_dir,
        package_names=package_names,
        ros_distro=args.ros_distro, os_name=builder.os_name,
        os_codename=builder.os_codename,
        user_sources=args.rosdep_source, offline=args.offline)

    repository = AptRepository(
        path=args.output_base, codename=builder.os_codename,
        architectures=list(builders), os_name=builder.os_name,
        keep_versions=args.keep_versions, valid_for=args.valid_for,
        label=args.label, public_url=args.public_url)

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
        build_options=' '.join(filter(None, [
            '' if args.run_tests else 'nocheck',
            'noddebs' if args.debug_symbols == 'none' else ''])),
        debug_symbols=args.debug_symbols,
        build_jobs=args.build_jobs or os.cpu_count() or 1,
        host_environment=allowed_host_environment(os.environ),
        isolate_network=args.isolate_network,
        version_scheme=args.version_scheme, started=time.time(),
        max_output=args.max_output, max_disk=args.max_disk,
        ccache=not args.no_ccache)
    session.memory = memory_budget(args, engine)
    if not args.no_dependency_images:
        session.dependency_images = DependencyImages(session)
    if not args.no_bloom_ahead:
        session.bloom_ahead = BloomAhead(session)
    if not args.isolate_network:
        session.network_namespaces = NetworkNamespaces(session)
    if apt_sources:
        session.apt_sources = tuple(apt_sources)
        session.underlay_mounts = tuple(write_apt_sources(
            path=build_base / '.apt-sources', sources=apt_sources))
        repository.underlays = apt_sources
    session.layout.rosdep_state_dir.mkdir(parents=True, exist_ok=True)
    if not args.no_apt_cache:
        session.apt_cache = _apt_cache(
            build_base / '.apt-archives', session)
    return session


def memory_budget(args, engine):
    """Return the run's :class:`MemoryBudget` (--memory, --job-memory).

    The budget defaults to the engine's memory, each build's limit to the
    budget shared by the parallel workers.

    :raises DebDockerError: if one build's limit exceeds the budget
    """
    total = args.memory or engine.memory_total()
    workers = getattr(args, 'parallel_workers', None) or 1
    if getattr(args, 'executor', None) == 'sequential':
        workers = 1
    per_job = args.job_memory or max(total // workers, MINIMUM)
    try:
        return MemoryBudget(total=total, per_job=per_job)
    except ValueError as e:
        raise DebDockerError(str(e)) from None


def _apt_cache(path, session):
    """Return the verified apt cache of the architectures built here."""
    path.mkdir(parents=True, exist_ok=True)
    local = [arch for arch in session.builders if arch not in session.transfer]

    def read_indexes():
        indexes = {}
        for arch in local:
            indexes.update(builder_indexes(
                session.engine_for(arch), session.builders[arch].tag,
                labels=session.labels))
        if session.apt_sources:
            # the underlays' packages are cached too: without, every build
            # downloaded its underlay dependencies again
            try:
                for arch in local:
                    lists = underlay_indexes(
                        session.engine_for(arch),
                        session.specs.dependency_set(
                            arch=arch, packages=(), name=f'colcon-deb-'
                            f'{session.run_id}-underlay-indexes-{arch}'),
                        timeout=session.timeout)
                    # the builder's own lists are in there again (50 MB of
                    # Debian's, a second each to read): the others
                    indexes.update({
                        name: text for name, text in lists.items()
                        if name not in indexes})
            except Exception as e:  # noqa: B902 (a cache, never the build)
                tail = (getattr(e, 'log_tail', '') or '').strip()
                logger.warning(
                    "the underlays' packages are not cached: their indexes "
                    f'could not be read ({e}'
                    + (f': {tail.splitlines()[-1].strip()})' if tail else ')'))
        return b'\n'.join(indexes.values())

    return VerifiedAptCache(path=path, read_indexes=read_indexes)

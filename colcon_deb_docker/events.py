# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The colcon events of a `colcon deb` run, besides colcon's own.

Jobs and the job runner put them into colcon's event queue; event handlers
(:mod:`colcon_deb_docker.event_handler.deb_summary`) turn them into what
the user sees, so that ``--event-handlers deb_summary-`` silences the
summary like any other colcon output.
"""

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class DebRunStarted:
    """The packages of one distribution's run and where they go."""

    #: every package of the run (built, up to date or invalid), by name
    package_names: tuple
    #: the repository's directory
    repository_path: str
    #: the sources.list line a consumer adds
    source_line: str
    #: the distribution (dists/<codename>)
    codename: str = ''
    #: the pin and sources files a consumer adds (when it has underlays)
    pin_file: str = ''
    sources_file: str = ''
    #: seconds each Release stays valid (--valid-for), 0 for ever
    valid_for: float = 0
    #: with --public-url: the sources line of the machines fetching it
    #: from there, where they keep its key and the key's fingerprint, to
    #: check what they fetched against ('' when unsigned)
    public_line: str = ''
    public_key_path: str = ''
    public_key_fingerprint: str = ''


@dataclass(frozen=True)
class DebPackageResult:
    """What became of one package: its .debs, or why it has none."""

    name: str
    status: str
    seconds: float = 0.0
    debs: tuple = field(default_factory=tuple)
    reason: str = ''
    #: ((step, start, end), ...), seconds since the epoch
    timeline: tuple = field(default_factory=tuple)

    @classmethod
    def of(cls, result):
        """Return the event of a :class:`PackageResult`."""
        return cls(name=result.name, status=result.status,
                   seconds=result.seconds, debs=tuple(result.debs),
                   reason=result.reason,
                   timeline=tuple(tuple(t) for t in result.timeline))

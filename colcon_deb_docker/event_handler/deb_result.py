# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Each package's result of a `colcon deb` run, kept for the next run.

colcon's ``--packages-select-build-failed`` and
``--packages-skip-build-finished`` (colcon-package-selection) read
``<build base>/<package>/colcon_build.rc``, which colcon writes for the
jobs of `colcon build` only: after a failed `colcon deb` they selected
nothing.  This writes the same file for `colcon deb`'s jobs, in its own
build base, so that `colcon deb --packages-select-build-failed` picks up
where the last run failed (or was interrupted).  With several
distributions (--base-image more than once) a package's jobs of one run
end one per distribution: one failure among them is its result.
"""

import os

from colcon_core.event.job import JobEnded
from colcon_core.event_handler import EventHandlerExtensionPoint
from colcon_core.plugin_system import satisfies_version
from colcon_deb_docker.task.deb import DebTask
from colcon_package_selection.package_selection.previous import set_result

#: the attribute of the verb's arguments that holds the packages whose job
#: failed in a distribution of this run
FAILED_IN_THIS_RUN = '_colcon_deb_failed_in_this_run'


class DebResultEventHandler(EventHandlerExtensionPoint):
    """Persist the result of each `colcon deb` job in its build base.

    The extension handles events of the following types:
    - :py:class:`colcon_core.event.job.JobEnded`
    """

    def __init__(self):  # noqa: D107
        super().__init__()
        satisfies_version(
            EventHandlerExtensionPoint.EXTENSION_POINT_VERSION, '^1.0')

    def __call__(self, event):  # noqa: D102
        data, job = event
        if not isinstance(data, JobEnded) or \
                not isinstance(getattr(job, 'task', None), DebTask):
            return
        context = job.task_context
        name = context.pkg.name
        # colcon makes new event handlers for each distribution's jobs;
        # the verb's arguments are the one thing they share
        failed = vars(context.args).setdefault(FAILED_IN_THIS_RUN, set())
        if data.rc:
            failed.add(name)
        elif name in failed:
            return  # built for this distribution, failed for another
        try:
            set_result(
                os.path.join(context.args.build_base, name),
                'build', data.rc)
        except OSError:
            pass  # a run whose build base went away has nothing to keep

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Which workspace packages a job waits for, and which its build installs.

What a package's build gets is what `apt-get build-dep` would give it:
its Build-Depends (build and buildtool dependencies; its test
dependencies only when the tests run, bloom marks them ``<!nocheck>``)
and, recursively, what those depend on at run time (exec,
build_export and buildtool_export dependencies: colcon's 'run'
category).  Never the test dependencies of a dependency: its tests do
not run here.

colcon-core's ``get_recursive_dependencies`` recurses into *every*
category of a dependency when given a plain list of recursive categories
(a feature flag, ``restore_build_isolation``, turns that off), so a
package would wait for, and be given, the test dependencies of its
dependencies: a longer critical path (rclcpp waited for test_msgs, 48 s
on ROS 2's) and a dirtier clean room.  A mapping of every category to
'run' recurses into run dependencies only, whatever the flag.
"""

from collections.abc import Mapping

from colcon_core.package_selection import get_packages


class _RunDependenciesOnly(Mapping):
    """Map every dependency category to its run dependencies.

    colcon-ros knows 'build', 'run' and 'test'; any other category an
    extension may add maps to 'run' as well.
    """

    _KNOWN = ('build', 'run', 'test')

    def __getitem__(self, category):
        return ('run', )

    def __iter__(self):
        return iter(self._KNOWN)

    def __len__(self):
        return len(self._KNOWN)


#: recursive categories for colcon: the run dependencies, whatever the
#: category a dependency was reached through
RUN_DEPENDENCIES_ONLY = _RunDependenciesOnly()


def build_categories(*, with_tests):
    """Return the direct categories a package's build installs."""
    return ('build', 'test') if with_tests else ('build', )


def job_categories(*, with_tests):
    """Return the direct categories a package's job waits for.

    Its build's, and its run dependencies: its .deb requires at least
    their versions of this run, and the repository gets them first.
    """
    return build_categories(with_tests=with_tests) + ('run', )


def workspace_dependencies(descriptor, descriptors, *, categories):
    """Return the names of the workspace packages `descriptor` needs.

    :param descriptors: the package descriptors of the workspace
    :param categories: the direct categories (see above); the run
      dependencies of those, recursively
    """
    return {
        str(d) for d in descriptor.get_recursive_dependencies(
            descriptors, direct_categories=categories,
            recursive_categories=RUN_DEPENDENCIES_ONLY)}


def get_workspace_packages(args, *, with_tests, **kwargs):
    """Return colcon's package decorators with the jobs' dependencies.

    The selection is colcon's, as `colcon build` selects (its
    ``--packages-up-to`` counts every category of every dependency, test
    dependencies included: a ROS user gets the packages that command
    would build).  Each decorator's ``recursive_dependencies`` is then
    what its job waits for (see above): the jobs, their order and the
    fingerprints of the incremental plan read it.  colcon's topological
    order stays valid: it counted these edges and more.

    :param kwargs: more arguments of colcon's ``get_packages``
    """
    decorators = get_packages(args, recursive_categories=('run', ), **kwargs)
    descriptors = {d.descriptor for d in decorators}
    categories = job_categories(with_tests=with_tests)
    for decorator in decorators:
        decorator.recursive_dependencies = workspace_dependencies(
            decorator.descriptor, descriptors, categories=categories)
    return decorators

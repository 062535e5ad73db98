# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Everything the host and the container-side helpers share.

The helpers (``helpers/``) never spell a path: the host puts every mount
point into the container's environment under the names below, and a test
(``tests/test_contract.py``) checks that no helper uses a literal path or a
variable this module does not define.  The progress lines the helpers print
follow :data:`PROGRESS_PREFIX` and :data:`PROGRESS_FIELDS`, parsed on the
host by :mod:`colcon_deb_docker.progress`.
"""

#: Mount points and directories in a build container, by the environment
#: variable that names each one for the helpers.
PATHS = {
    # the helper scripts (read-only)
    'COLCON_DEB_HELPERS': '/colcon-deb/helpers',
    # the package's source (read-only)
    'COLCON_DEB_SOURCE': '/colcon-deb/src',
    # the apt repository built so far (read-only)
    'COLCON_DEB_REPO': '/colcon-deb/repo',
    # where a container leaves what the host copies out (not a mount: the
    # entry script makes it, owned by the build user)
    'COLCON_DEB_OUT': '/colcon-deb/out',
    # a debian/ directory given with --debian-overrides (read-only)
    'COLCON_DEB_DEBIAN_OVERRIDE': '/colcon-deb/debian-override',
    # the debian/ bloom generated ahead of the build (read-only; see
    # bloom_ahead.py)
    'COLCON_DEB_DEBIAN_GENERATED': '/colcon-deb/debian-generated',
    # the files bloom reads of each package (package.xml, CHANGELOG.rst
    # ...), copied by the host, and the list of what to generate
    # (read-only; the bloom-ahead container only)
    'COLCON_DEB_BLOOM_INPUTS': '/colcon-deb/bloom-inputs',
    # the rosdep sources the host generated (read-only)
    'COLCON_DEB_ROSDEP_CONFIG': '/colcon-deb/rosdep',
    # the rosdep cache of the run's pre-check (read-only)
    'COLCON_DEB_ROSDEP_STATE': '/colcon-deb/rosdep-state',
    # --apt-source underlays: a sources list and keys (read-only; only
    # mounted when there are underlays)
    'COLCON_DEB_APT_SOURCES': '/colcon-deb/apt-sources',
}

HELPERS = PATHS['COLCON_DEB_HELPERS']
SOURCE = PATHS['COLCON_DEB_SOURCE']
REPO = PATHS['COLCON_DEB_REPO']
OUT = PATHS['COLCON_DEB_OUT']
DEBIAN_OVERRIDE = PATHS['COLCON_DEB_DEBIAN_OVERRIDE']
DEBIAN_GENERATED = PATHS['COLCON_DEB_DEBIAN_GENERATED']
BLOOM_INPUTS = PATHS['COLCON_DEB_BLOOM_INPUTS']
ROSDEP_CONFIG = PATHS['COLCON_DEB_ROSDEP_CONFIG']
ROSDEP_STATE = PATHS['COLCON_DEB_ROSDEP_STATE']
APT_SOURCES = PATHS['COLCON_DEB_APT_SOURCES']
#: where the file: underlays are mounted (read-only), one directory each;
#: the sources list names them, the helpers never do
UNDERLAYS = '/colcon-deb/underlays'
#: the proxy settings of a dependency-set container, a file of shell
#: assignments in an engine volume of that container, which a commit does
#: not keep (see dependency_images.py); passed as an argument, since that
#: container gets no environment
PROXY_SETTINGS = '/colcon-deb/proxy'
#: the verified apt cache (read-only; named by COLCON_DEB_APT_CACHE when on)
APT_CACHE = '/colcon-deb/apt-archives'
#: the package's ccache volume (named by CCACHE_DIR when on)
CCACHE = '/colcon-deb/ccache'
#: where apt keeps its downloads in any Debian image
APT_ARCHIVES = '/var/cache/apt/archives'
#: where bloom's packages install (/opt/ros/<distro>): the sibling .debs a
#: build installs land here
ROS_ROOT = '/opt/ros'
#: the build user's copy of the package, BUILD_SOURCES/<package>, where
#: dpkg-buildpackage runs (scratch in the container, not a mount); the
#: compiler's messages name files under it
BUILD_SOURCES = '/build/src'

#: The other variables the host sets for the helpers (besides rosdep's and
#: dpkg's own: ROS_HOME, ROSDEP_SOURCE_PATH, DEB_BUILD_OPTIONS ...).
VARIABLES = (
    'PACKAGE_NAME', 'BUILD_UID', 'BUILD_GID',
    'COLCON_DEB_ROS_DISTRO', 'COLCON_DEB_OS_NAME', 'COLCON_DEB_OS_CODENAME',
    'COLCON_DEB_OFFLINE', 'COLCON_DEB_APT_CACHE', 'COLCON_DEB_ARCH_ALL',
    'COLCON_DEB_VERSION', 'COLCON_DEB_VCS', 'COLCON_DEB_SIBLING_VERSIONS',
    'COLCON_DEB_SIBLING_DEBS', 'COLCON_DEB_ISOLATE_NETWORK',
    # words name:build[+run]:workspace|apt, what bloom-release adds for
    # ROS 2 (see bloom_release_dependencies.py)
    'COLCON_DEB_BLOOM_RELEASE_DEPENDS',
)

#: The network files of a borrowed network namespace (see
#: network_namespaces.py): each file, by the variable that carries its
#: content as the engine wrote it for the namespace's holder.  The files are
#: the holder's, shared by every build that borrows it, so the entry script
#: writes them back before anything else (restore-network-files.sh).
NETWORK_FILES = {
    'COLCON_DEB_ETC_HOSTS': '/etc/hosts',
    'COLCON_DEB_ETC_RESOLV_CONF': '/etc/resolv.conf',
    'COLCON_DEB_ETC_HOSTNAME': '/etc/hostname',
}
VARIABLES += tuple(NETWORK_FILES)

#: A helper's structured progress: this prefix, then a JSON object with
#: these fields, on a line of its own (see helpers/progress.sh and .py).
PROGRESS_PREFIX = '::colcon-deb:: '
PROGRESS_FIELDS = ('step', 'status', 'message')


def path_environment():
    """Return the environment that names every mount point."""
    return dict(PATHS)

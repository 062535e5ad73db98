"""Known noise of healthy builds stays out of the console's stderr."""

from colcon_deb_docker.console_noise import StderrNoiseFilter


def _sort(lines):
    noise = StderrNoiseFilter()
    result = []
    for line in lines:
        result += noise.feed(line)
    return result + noise.flush()


def test_healthy_build_noise_is_recognised():
    lines = [
        'dh_strip: warning: Compatibility levels before 10 are deprecated '
        '(level 9 in use)',
        "useradd warning: colcon-deb's uid 1001 outside of the UID_MIN 1000 "
        'and UID_MAX 60000 range.',
        ' fakeroot debian/rules binary',
        ' dpkg-source --before-build .',
        'debconf: delaying package configuration, since apt-utils is not '
        'installed',
        'dpkg-gencontrol: warning: Depends field of package ros-humble-x: '
        'substitution variable ${shlibs:Depends} used, but is not defined',
        "'build/scripts-3.11' does not exist -- can't clean it",
        '/usr/lib/python3/dist-packages/setuptools/command/install.py:34: '
        'SetuptoolsDeprecationWarning: setup.py install is deprecated. Use '
        'build and pip and other standards-based tools.',
        '  warnings.warn(',
        "dpkg-shlibdeps: warning: can't extract name and version from "
        "library name 'librcutils.so'",
        'D: dh_python3 dh_python3:182: supported Python versions: 3.11',
        'CMake Warning:',
        '  Manually-specified variables were not used by the project:',
        '',
        '    BUILD_TESTING',
        '    CMAKE_INSTALL_LIBDIR',
        '',
        '',
    ]
    assert [noise for _, noise in _sort(lines)] == [True] * len(lines)


def test_real_errors_stay_stderr():
    lines = [
        "geometry.cpp:3:1: error: 'THIS_DOES_NOT_COMPILE' does not name a "
        'type',
        'CMake Warning:',
        '  Something the package author should see.',
        'make[2]: *** [CMakeFiles/x.dir/build.make:76] Error 1',
        'CMake Warning:',
    ]
    assert _sort(lines) == [(line, False) for line in lines]


def test_unused_variables_block_ends_at_the_next_real_line():
    lines = ['CMake Warning:',
             '  Manually-specified variables were not used by the project:',
             '    BUILD_TESTING', 'dpkg-buildpackage: error: failed']
    assert [noise for _, noise in _sort(lines)] == [True, True, True, False]

"""An image per exact set of system build dependencies; the clean room stays.

Two packages that need the same Debian library share one dependency image,
made once and reused in the next run; a package that needs that library
and one more starts from the shared image and installs only the one more;
a package that uses the library without declaring it still fails,
although an image with the library exists; and so does a package that
uses a workspace library only one of its dependencies' tests need.  With
--run-tests a package gets its own test dependencies, and its tests run.
"""

import re

from e2e_support import cmake_package_xml
from e2e_support import report


def _fmt_package(name, *, declared, zlib=False):
    return {
        'package.xml': cmake_package_xml(
            name, description=f'Uses libfmt ({name}).',
            depends=(['fmt'] if declared else []) +
            (['zlib'] if zlib else [])),
        'CMakeLists.txt': f"""cmake_minimum_required(VERSION 3.10)
project({name} CXX)
add_executable({name} main.cpp)
install(TARGETS {name} DESTINATION bin)
""",
        # header-only use: no library to link, only the header to find
        'main.cpp': """#define FMT_HEADER_ONLY
#include <fmt/core.h>
""" + ("""#include <zlib.h>
int main() { fmt::print("{}\\n", ZLIB_VERSION); return 0; }
""" if zlib else """int main() { fmt::print("{}\\n", 42); return 0; }
"""),
    }


def _images_used(workspace, name):
    """Return (the package's output, its progress, the images it used)."""
    log_dir = workspace.root / 'log' / 'latest_deb'
    text = (log_dir / name / 'stdout_stderr.log').read_text()
    progress = '\n'.join(
        line for line in (log_dir / 'events.log').read_text().splitlines()
        if f'({name}) JobProgress' in line)
    return text, progress, re.findall(
        r'dependency-image: (colcon-deb-deps:\w+)', progress)


def test_one_image_per_dependency_set_and_the_clean_room_stays(
    make_workspace, engine, base_image
):
    workspace = make_workspace([])
    workspace.add_package('fmt_a', _fmt_package('fmt_a', declared=True))
    workspace.add_package('fmt_b', _fmt_package('fmt_b', declared=True))
    workspace.add_package(
        'fmt_undeclared', _fmt_package('fmt_undeclared', declared=False))
    workspace.add_package(
        'fmt_zlib', _fmt_package('fmt_zlib', declared=True, zlib=True))
    result = workspace.colcon_deb(
        '--continue-on-error', '--event-handlers', 'console_cohesion+',
        check=False)
    assert result.returncode != 0
    # the package that did not declare the library cannot use it
    assert re.search(r'fmt/core\.h: No such file or directory',
                     result.stdout), result.stdout[-3000:]
    assert re.search(r"colcon deb: 'fmt_undeclared' failed", result.stdout)
    debs = workspace.debs()
    assert any(d.startswith('ros-humble-fmt-a_') for d in debs), debs
    assert any(d.startswith('ros-humble-fmt-b_') for d in debs), debs
    _, _, used_a = _images_used(workspace, 'fmt_a')
    _, _, used_b = _images_used(workspace, 'fmt_b')
    assert used_a and used_a == used_b, (used_a, used_b)
    tag = used_a[0]
    image = engine.client.images.get(tag)
    assert image.labels['io.colcon-deb-docker.dependency-set'] == \
        'libfmt-dev'
    # a set only fmt_zlib needs: no image of its own on a first run, but
    # the shared one, and only zlib1g-dev installed in its container
    assert any(d.startswith('ros-humble-fmt-zlib_') for d in debs), debs
    text, progress, used_zlib = _images_used(workspace, 'fmt_zlib')
    assert used_zlib == [tag], used_zlib
    assert 'build-deps: done (apt-get build-dep)' in progress, progress
    assert re.search(r'Unpacking zlib1g-dev', text), text[-3000:]
    assert not re.search(r'Unpacking libfmt-dev', text), text[-3000:]
    # zlib1g-dev's version has an epoch (1:1.2.13...): apt stores it as
    # zlib1g-dev_1%3a..., and the verified cache keeps it under that name
    cached = [p.name for p in
              (workspace.root / 'build_deb' / '.apt-archives').iterdir()]
    assert any(n.startswith('zlib1g-dev_1%3a') for n in cached), cached

    # made again when it is gone, once (by one of the two builds, or ahead
    # of them), with the same name
    engine.client.images.remove(tag, force=True)
    workspace.colcon_deb('--force', '--packages-select', 'fmt_a', 'fmt_b')
    built = [name for name in ('fmt_a', 'fmt_b')
             if 'RUN DEBIAN_FRONTEND=noninteractive apt-get install' in
             _images_used(workspace, name)[0]]
    assert len(built) <= 1, built
    assert engine.client.images.get(tag).id != image.id
    assert _images_used(workspace, 'fmt_a')[2] == [tag]
    assert _images_used(workspace, 'fmt_b')[2] == [tag]
    # and reused by the next run: nobody installs libfmt-dev again
    workspace.colcon_deb('--force', '--packages-select', 'fmt_a', 'fmt_b')
    for name in ('fmt_a', 'fmt_b'):
        text, progress, used = _images_used(workspace, name)
        assert used == [tag]
        assert 'RUN DEBIAN_FRONTEND' not in text
        assert 'build-deps: done (already satisfied)' in progress, name
        assert report(workspace)[name]['steps']['build-deps'] < 1.0


def test_without_dependency_images_the_build_installs_them(
    make_workspace, engine, base_image
):
    workspace = make_workspace([])
    workspace.add_package('fmt_a', _fmt_package('fmt_a', declared=True))
    workspace.colcon_deb('--no-dependency-images')
    _, progress, used = _images_used(workspace, 'fmt_a')
    assert not used
    assert 'build-deps: done (apt-get build-dep)' in progress, progress


def _header_package(name, *, depends=(), test_depends=(), includes=None):
    """Return a package that installs a header, or one that includes one."""
    files = {'package.xml': cmake_package_xml(
        name, description=f'Header test ({name}).', depends=depends,
        test_depends=test_depends)}
    if includes is None:
        files['CMakeLists.txt'] = f"""cmake_minimum_required(VERSION 3.10)
project({name} NONE)
install(FILES {name}.hpp DESTINATION include/{name})
"""
        files[f'{name}.hpp'] = 'inline int answer() { return 42; }\n'
        return files
    files['CMakeLists.txt'] = f"""cmake_minimum_required(VERSION 3.10)
project({name} CXX)
add_executable({name} main.cpp)
target_include_directories({name} PRIVATE /opt/ros/humble/include)
install(TARGETS {name} DESTINATION bin)
"""
    files['main.cpp'] = f"""#include <{includes}/{includes}.hpp>
int main() {{ return answer() == 42 ? 0 : 1; }}
"""
    return files


def test_the_test_dependencies_of_a_dependency_stay_out(
    make_workspace, engine, base_image
):
    # `base` needs `answers` for its tests only (not run: nocheck); `app`
    # needs `base` to build and uses `answers` without declaring it
    workspace = make_workspace([])
    workspace.add_package('answers', _header_package('answers'))
    workspace.add_package(
        'base', _header_package('base', test_depends=['answers']))
    workspace.add_package('app', _header_package(
        'app', depends=['base'], includes='answers'))
    workspace.add_package('app_declared', _header_package(
        'app_declared', depends=['answers'], includes='answers'))
    result = workspace.colcon_deb(
        '--continue-on-error', '--event-handlers', 'console_cohesion+',
        check=False)
    assert result.returncode != 0
    debs = workspace.debs()
    # the header is where a build that declares it finds it
    assert any(d.startswith('ros-humble-app-declared_') for d in debs), debs
    assert re.search(r'answers/answers\.hpp: No such file or directory',
                     result.stdout), result.stdout[-3000:]
    assert re.search(r"colcon deb: 'app' failed", result.stdout)
    assert not any(d.startswith('ros-humble-app_') for d in debs), debs
    # nor does `app` wait for it
    events = (workspace.root / 'log' / 'latest_deb' / 'events.log') \
        .read_text()
    queued = re.search(r'\(app\) JobQueued: (\{.*\})', events)
    assert queued, events[-3000:]
    assert "'answers'" not in queued.group(1), queued.group(1)
    assert "'base'" in queued.group(1), queued.group(1)


def test_with_run_tests_a_package_gets_its_test_dependencies(
    make_workspace, engine, base_image
):
    # `tested` needs `answers` for its test alone: with --run-tests its
    # job waits for it, its build installs it and the test runs
    workspace = make_workspace([])
    workspace.add_package('answers', _header_package('answers'))
    files = _header_package('tested', test_depends=['answers'])
    files['CMakeLists.txt'] += """include(CTest)
if(BUILD_TESTING)
  enable_language(CXX)
  add_executable(test_tested test.cpp)
  target_include_directories(test_tested PRIVATE /opt/ros/humble/include)
  add_test(NAME answer_is_42 COMMAND test_tested)
endif()
"""
    files['test.cpp'] = """#include <answers/answers.hpp>
#include <cstdio>
int main() { std::printf("answer %d\\n", answer()); return answer() - 42; }
"""
    workspace.add_package('tested', files)
    workspace.colcon_deb('--run-tests')
    debs = workspace.debs()
    assert any(d.startswith('ros-humble-tested_') for d in debs), debs
    log_dir = workspace.root / 'log' / 'latest_deb'
    text = (log_dir / 'tested' / 'stdout_stderr.log').read_text()
    assert re.search(r'Test +#1: answer_is_42 .*Passed', text), text[-3000:]
    queued = re.search(r'\(tested\) JobQueued: (\{.*\})',
                       (log_dir / 'events.log').read_text())
    assert "'answers'" in queued.group(1), queued.group(1)

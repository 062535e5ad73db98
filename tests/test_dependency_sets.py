# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Which system packages go into a build's dependency image."""

from types import SimpleNamespace

from colcon_deb_docker.dependency_images import DependencyImages
from colcon_deb_docker.dependency_images import dockerfile
from colcon_deb_docker.rosdep_check import RosdepCheck


def _package(tmp_path, name, body, build_type='ros.cmake'):
    path = tmp_path / name
    path.mkdir()
    (path / 'package.xml').write_text(f"""<?xml version="1.0"?>
<package format="3">
  <name>{name}</name><version>1.0.0</version><description>x</description>
  <maintainer email="dev@example.com">A</maintainer><license>MIT</license>
  {body}
</package>
""")
    return SimpleNamespace(name=name, path=path, type=build_type)


def _resolved(**keys):
    return {k: {'resolved': v, 'origin': 'x'} for k, v in keys.items()}


def test_a_set_is_the_builds_system_packages_and_its_siblings_run_needs(
    tmp_path
):
    lib = _package(tmp_path, 'lib', """
  <buildtool_depend>cmake</buildtool_depend>
  <build_depend>fmt</build_depend>
  <exec_depend>yaml</exec_depend>
  <test_depend>gtest</test_depend>""")
    app = _package(tmp_path, 'app', """
  <buildtool_depend>cmake</buildtool_depend>
  <depend>lib</depend>
  <exec_depend>curl</exec_depend>""", build_type='ros.ament_python')
    build = [SimpleNamespace(arch='amd64', action='build')]
    session = SimpleNamespace(
        ros_distro='humble', build_closure={'app': {'lib'}, 'lib': set()},
        plan={'lib': build, 'app': build})
    check = RosdepCheck(sources=[], packages={
        'lib': _resolved(cmake=['cmake'], fmt=['libfmt-dev'],
                         yaml=['libyaml-dev'], gtest=['libgtest-dev']),
        'app': _resolved(cmake=['cmake'], lib=['ros-humble-lib'],
                         curl=['curl'])})
    images = DependencyImages(session)
    images.plan(check=check, descriptors={'lib': lib, 'app': app})
    # its own build keys; not its run-only keys; no test keys by default
    assert images.sets['lib'] == ['cmake', 'libfmt-dev']
    # a sibling's run needs, never the sibling itself (a workspace .deb);
    # what bloom's ament_python template adds; not the package's own run
    # dependency
    assert images.sets['app'] == [
        'cmake', 'dh-python', 'libyaml-dev', 'python3-all',
        'python3-setuptools']
    images.plan(check=check, descriptors={'lib': lib, 'app': app},
                with_tests=True)
    assert 'libgtest-dev' in images.sets['lib']


def test_a_dependency_image_is_the_builder_plus_one_apt_install():
    text = dockerfile(builder='colcon-deb-builder:abc',
                      packages=['cmake', 'libfmt-dev'])
    lines = text.splitlines()
    assert lines[0] == 'FROM colcon-deb-builder:abc'
    assert 'io.colcon-deb-docker.dependency-set="cmake libfmt-dev"' in \
        lines[1]
    assert lines[2].startswith('RUN ') and 'cmake libfmt-dev' in lines[2]
    assert len(lines) == 3


def test_names_that_are_not_debian_packages_get_no_image(tmp_path):
    builder = SimpleNamespace(tag='colcon-deb-builder:abc')
    session = SimpleNamespace(
        builders={'amd64': builder}, apt_sources=(),
        engine_for=lambda arch: None)
    images = DependencyImages(session)
    images.sets['evil'] = ['cmake; rm -rf /']
    assert images.image_for(package_name='evil', arch='amd64') == \
        builder.tag


def test_an_image_is_made_only_for_a_set_several_builds_share(tmp_path):
    made = []
    builder = SimpleNamespace(tag='colcon-deb-builder:abc')
    engine = SimpleNamespace(has_image=lambda tag: tag in made)
    build = [SimpleNamespace(arch='amd64', action='build')]
    session = SimpleNamespace(
        builders={'amd64': builder}, apt_sources=(),
        engine_for=lambda arch: engine, ros_distro='humble',
        build_closure={}, plan={'a': build, 'b': build, 'c': build},
        timeout=None, layout=SimpleNamespace(build_base=tmp_path),
        host_environment={'http_proxy': 'http://proxy:3128'})
    images = DependencyImages(session)
    images._installed['amd64'] = {'cmake'}
    images.sets = {'a': ['cmake', 'libfmt-dev'], 'b': ['cmake', 'libfmt-dev'],
                   'c': ['libyaml-dev']}
    images._shared = {('amd64', ('cmake', 'libfmt-dev')): 2,
                      ('amd64', ('libyaml-dev',)): 1}
    import colcon_deb_docker.dependency_images as module
    built = []
    original = module.build_image
    module.build_image = lambda **kwargs: (
        built.append((kwargs['tag'], kwargs['build_arguments'])),
        made.append(kwargs['tag']))
    try:
        shared = images.image_for(package_name='a', arch='amd64')
        assert images.image_for(package_name='b', arch='amd64') == shared
        # a set one build needs, for the first time: its own apt install
        # beats making an image
        assert images.image_for(package_name='c', arch='amd64') == \
            builder.tag
    finally:
        module.build_image = original
    # the image build gets the proxy (docker's predefined build arguments)
    assert built == [(shared, {'http_proxy': 'http://proxy:3128'})]
    assert shared.startswith('colcon-deb-deps:')


def test_nothing_is_made_ahead_once_the_jobs_ended():
    import threading
    asked = []
    build = [SimpleNamespace(arch='amd64', action='build')]
    session = SimpleNamespace(
        plan={'a': build, 'b': build}, interrupted=threading.Event())
    images = DependencyImages(session)
    images.image_for = lambda **kwargs: asked.append(kwargs['package_name'])
    images.prepare_ahead(order=['a', 'b'])
    assert asked == ['a', 'b']
    images.stop()  # a job failed: the run is ending
    images.prepare_ahead(order=['a', 'b'])
    assert asked == ['a', 'b']


def test_the_builder_listing_is_made_once_per_image_id(tmp_path, monkeypatch):
    import colcon_deb_docker.dependency_images as module
    listed = []

    def fake_listing(*, engine, image, labels):
        listed.append(image)
        return {'cmake', 'dpkg-dev'}

    monkeypatch.setattr(module, 'installed_packages', fake_listing)
    ids = {'colcon-deb-builder:x': 'sha256:aaa'}
    engine = SimpleNamespace(image_id=lambda image: ids[image])

    def session():
        return SimpleNamespace(
            layout=SimpleNamespace(build_base=tmp_path), labels={})

    first = DependencyImages(session())
    assert first._installed_packages(
        engine=engine, image='colcon-deb-builder:x') == {'cmake', 'dpkg-dev'}
    # the next run reads what the first one listed: no container
    again = DependencyImages(session())
    assert again._installed_packages(
        engine=engine, image='colcon-deb-builder:x') == {'cmake', 'dpkg-dev'}
    assert listed == ['colcon-deb-builder:x']
    # another image under the same tag is listed anew
    ids['colcon-deb-builder:x'] = 'sha256:bbb'
    DependencyImages(session())._installed_packages(
        engine=engine, image='colcon-deb-builder:x')
    assert len(listed) == 2


def _solo_runs(tmp_path, monkeypatch, *, ahead):
    """Return (run, made): run() is one run of a build whose set is its own.

    A run returns the image the build starts from; `made` lists the images
    made so far.  `ahead`: the run's ahead pass asks first, as job_runner's
    does.
    """
    import colcon_deb_docker.dependency_images as module
    made = []
    monkeypatch.setattr(module, 'build_image',
                        lambda *, tag, **kwargs: made.append(tag))
    monkeypatch.setattr(module, 'installed_packages',
                        lambda **kwargs: {'cmake'})
    engine = SimpleNamespace(image_id=lambda image: 'sha256:ccc',
                             has_image=lambda tag: tag in made)
    build = [SimpleNamespace(arch='amd64', action='build')]

    def run():
        session = SimpleNamespace(
            layout=SimpleNamespace(build_base=tmp_path), labels={},
            builders={'amd64': SimpleNamespace(tag='colcon-deb-builder:x')},
            apt_sources=(), engine_for=lambda arch: engine,
            host_environment={}, plan={'solo': build},
            interrupted=SimpleNamespace(is_set=lambda: False))
        images = DependencyImages(session)
        images.sets = {'solo': ['libfmt-dev']}
        images._shared = {('amd64', ('libfmt-dev',)): 1}
        if ahead:
            images.prepare_ahead(order=['solo'])
        return images.image_for(package_name='solo', arch='amd64')

    return run, made


def test_a_set_one_build_needs_gets_its_image_the_second_run(
    tmp_path, monkeypatch
):
    run, made = _solo_runs(tmp_path, monkeypatch, ahead=False)
    # the first run installs the set in the build's own container
    assert run() == 'colcon-deb-builder:x' and made == []
    # the second makes the image, every later one reuses it
    assert run().startswith('colcon-deb-deps:') and len(made) == 1
    assert run() == made[0] and len(made) == 1


def test_the_ahead_pass_does_not_count_as_an_earlier_run(
    tmp_path, monkeypatch
):
    # prepare_ahead asks for every build's image before the build does: a
    # set one build needs must not look "needed before" to that build then
    run, made = _solo_runs(tmp_path, monkeypatch, ahead=True)
    # the first run: the build installs the set in its own container
    assert run() == 'colcon-deb-builder:x' and made == []
    # the second run makes the image (ahead), the build starts from it
    assert run().startswith('colcon-deb-deps:') and len(made) == 1


def test_a_dependency_not_built_in_this_run_still_brings_its_run_needs(
    tmp_path
):
    # `--packages-select app`: lib is not rebuilt, yet app's build installs
    # lib's .deb and with it lib's run dependencies, so they belong to
    # app's set (the same set, the same image, as in a full run)
    lib = _package(tmp_path, 'lib', """
  <buildtool_depend>cmake</buildtool_depend>
  <exec_depend>yaml</exec_depend>""")
    app = _package(tmp_path, 'app', """
  <buildtool_depend>cmake</buildtool_depend>
  <depend>lib</depend>""")
    build = [SimpleNamespace(arch='amd64', action='build')]
    session = SimpleNamespace(
        ros_distro='humble', build_closure={'app': {'lib'}, 'lib': set()},
        plan={'app': build})
    check = RosdepCheck(
        sources=[],
        packages={'app': _resolved(cmake=['cmake'], lib=['ros-humble-lib'])},
        dependencies={'lib': _resolved(cmake=['cmake'],
                                       yaml=['libyaml-dev'])})
    images = DependencyImages(session)
    images.plan(check=check, descriptors={'lib': lib, 'app': app})
    assert images.sets == {'app': ['cmake', 'libyaml-dev']}
    # and the dependency's own errors are no concern of this run
    check.dependencies['lib']['gone'] = {'error': 'no rosdep rule'}
    assert check.unresolved() == {}


def test_a_set_one_build_needs_starts_from_the_largest_shared_part(
    tmp_path, monkeypatch
):
    # ROS 2's tracetools needs the set its siblings share plus
    # libgmock-dev: it starts from their image and installs only that
    import colcon_deb_docker.dependency_images as module
    made = []
    monkeypatch.setattr(module, 'build_image',
                        lambda *, tag, files, **kwargs: made.append(
                            (tag, files['Dockerfile'].decode())))
    engine = SimpleNamespace(has_image=lambda tag: tag in dict(made))
    session = SimpleNamespace(
        builders={'amd64': SimpleNamespace(tag='colcon-deb-builder:x')},
        apt_sources=(), engine_for=lambda arch: engine, labels={},
        host_environment={}, plan={},
        layout=SimpleNamespace(build_base=tmp_path))
    images = DependencyImages(session)
    images._installed['amd64'] = {'cmake'}
    images.sets = {
        'solo': ['cmake', 'libfmt-dev', 'libgmock-dev', 'libyaml-dev'],
        'other': ['libtinyxml2-dev', 'libyaml-dev'],
        'small': ['libyaml-dev'],
        'unrelated': ['libeigen3-dev'],
        # differs from a shared set only by what the builder image has
        'same': ['cmake', 'libtinyxml2-dev', 'libyaml-dev']}
    images._shared = {
        # shared sets: the largest part of solo's, a smaller one, one
        # with a package solo does not declare, one in another arch
        ('amd64', ('cmake', 'libfmt-dev', 'libyaml-dev')): 3,
        ('amd64', ('libyaml-dev',)): 2,
        ('amd64', ('libtinyxml2-dev', 'libyaml-dev')): 2,
        ('arm64', ('libfmt-dev', 'libgmock-dev', 'libyaml-dev')): 2,
        ('amd64', tuple(images.sets['solo'])): 1,
        ('amd64', tuple(images.sets['unrelated'])): 1,
        ('amd64', tuple(images.sets['same'])): 1}
    tag = images.image_for(package_name='solo', arch='amd64')
    assert tag == images.tag(arch='amd64',
                             packages=['libfmt-dev', 'libyaml-dev'])
    assert [t for t, _ in made] == [tag]
    assert 'unsafe-io libfmt-dev libyaml-dev &&' in made[0][1]
    assert 'libgmock-dev' not in made[0][1]
    # made once: the next build with that part reuses it
    assert images.image_for(package_name='solo', arch='amd64') == tag
    assert len(made) == 1
    # a set with no shared part: the builder, nothing made
    assert images.image_for(package_name='unrelated', arch='amd64') == \
        'colcon-deb-builder:x'
    assert len(made) == 1
    # the shared set's image is its whole set: nothing left to install
    assert images.image_for(package_name='same', arch='amd64') == \
        images.tag(arch='amd64', packages=['libtinyxml2-dev', 'libyaml-dev'])
    assert len(made) == 2


def test_a_set_that_does_not_install_is_tried_and_said_once(
    tmp_path, monkeypatch, caplog
):
    # its image build failed; the ahead pass and each build of the set
    # tried it again, each with a warning holding the whole build output
    import colcon_deb_docker.dependency_images as module
    from colcon_deb_docker.errors import ImageBuildFailed
    tried = []

    def failing_build(*, tag, **kwargs):
        tried.append(tag)
        raise ImageBuildFailed(tag=tag, log_tail=(
            'Step 3/3 : RUN apt-get install\n'
            '\x1b[91mE: Unable to locate package libyaml-devv\n\x1b[0m'))

    monkeypatch.setattr(module, 'build_image', failing_build)
    engine = SimpleNamespace(has_image=lambda tag: False)
    session = SimpleNamespace(apt_sources=(), host_environment={})
    images = DependencyImages(session)
    for package in ('a', 'b'):
        assert images._made(
            engine=engine, arch='amd64', tag='colcon-deb-deps:x',
            packages=['libyaml-devv'], builder='colcon-deb-builder:x',
            package_name=package, on_line=None) == 'colcon-deb-builder:x'
    assert tried == ['colcon-deb-deps:x']
    warnings = [r.getMessage() for r in caplog.records
                if r.levelname == 'WARNING']
    assert warnings == [
        "'a': no dependency image for libyaml-devv (apt knows no package "
        'libyaml-devv): building from the builder image']

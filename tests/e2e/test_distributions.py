"""Several distributions in one run and one repository.

``--base-image`` once per distribution (bookworm and trixie, both Debian
images made with colcon-deb-base-image) builds every package for each, as
ros_buildfarm does per job: ``dists/bookworm`` and ``dists/trixie`` share
one pool, with distinct versions.
"""

from e2e_support import created_containers
from e2e_support import data_package


def _install_and_cat(engine, image, repo, suite):
    return engine.client.containers.run(
        image, remove=True, command=['sh', '-ec', f"""
            echo "deb [trusted=yes] file:/repo {suite} main" \
                > /etc/apt/sources.list.d/colcon-deb.list
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                ros-humble-two-app > /dev/null
            dpkg-query -W -f '${{Version}}\\n' ros-humble-two-lib
            cat /opt/ros/humble/share/two_app/data.txt"""],
        volumes={str(repo): {'bind': '/repo', 'mode': 'ro'}}).decode()


def test_two_distributions_in_one_repository(
        make_workspace, engine, base_image, second_base_image):
    workspace = make_workspace(packages=[])
    workspace.add_package('two_lib', data_package('two_lib'))
    workspace.add_package('two_app', data_package(
        'two_app', depends=['two_lib']))
    result = workspace.colcon_deb(
        '--base-image', second_base_image, '--verify')
    assert '== debian bookworm' in result.stdout
    assert '== debian trixie' in result.stdout
    # a report per distribution
    log = workspace.root / 'log' / 'latest_deb'
    for suite in ('bookworm', 'trixie'):
        report = (log / f'colcon-deb-report-{suite}.json').read_text()
        assert f'-0{suite}.' in report
    repo = workspace.repo
    for suite in ('bookworm', 'trixie'):
        assert (repo / 'dists' / suite).is_symlink()
        release = (repo / 'dists' / suite / 'Release').read_text()
        assert f'Codename: {suite}' in release
    debs = workspace.debs()
    # one pool, a version per distribution, never the same file name
    for suite in ('bookworm', 'trixie'):
        assert [d for d in debs if f'-0{suite}.' in d and 'two-app' in d]
        assert [d for d in debs if f'-0{suite}.' in d and 'two-lib' in d]
    assert len(debs) == len(set(debs)) == 4
    # each distribution's consumer gets its own build
    for image, suite in ((base_image, 'bookworm'),
                         (second_base_image, 'trixie')):
        lines = _install_and_cat(engine, image, repo, suite).splitlines()
        assert f'-0{suite}.' in lines[0], lines
        assert lines[1] == 'two_app 1'

    # nothing changed: up to date for both, not one container built
    import time
    since = time.time()
    again = workspace.colcon_deb('--base-image', second_base_image)
    assert again.stdout.count('up to date') >= 4, again.stdout
    assert not [c for c in created_containers(engine, since, workspace)
                if 'io.colcon-deb-docker.package' in c]
    assert workspace.debs() == debs
    # and both indexes survived the other's publications
    for suite in ('bookworm', 'trixie'):
        packages = (repo / 'dists' / suite / 'main/binary-amd64/Packages')
        assert packages.read_text().count('Package: ') == 2

    # a package that fails for bookworm only: its result is a failure, so
    # --packages-select-build-failed (colcon-package-selection) picks it;
    # the last distribution's success was kept before
    workspace.add_package('picky', data_package(
        'picky', cmake_extra='execute_process(COMMAND sh -c '
        '"! grep -q ^12 /etc/debian_version" COMMAND_ERROR_IS_FATAL ANY)'))
    result = workspace.colcon_deb(
        '--base-image', second_base_image, '--continue-on-error',
        check=False)
    assert result.returncode != 0
    assert [d for d in workspace.debs() if 'picky' in d and '-0trixie.' in d]
    assert not [d for d in workspace.debs() if 'picky' in d and
                '-0bookworm.' in d]
    rc = workspace.root / 'build_deb' / 'picky' / 'colcon_build.rc'
    assert rc.read_text().strip() not in ('', '0')
    assert (workspace.root / 'build_deb/two_app/colcon_build.rc') \
        .read_text() == '0\n'


def test_one_base_image_per_distribution(
        make_workspace, engine, base_image):
    workspace = make_workspace(packages=[])
    workspace.add_package('solo', data_package('solo'))
    copy = 'local/debian:same-bookworm'
    engine.client.images.get(base_image).tag(copy)
    try:
        result = workspace.colcon_deb('--base-image', copy, check=False)
    finally:
        engine.client.images.remove(copy)
    assert result.returncode == 1
    assert (f'--base-image {copy} and {base_image} are both debian '
            'bookworm: give one base image per distribution') \
        in result.stdout, result.stdout
    assert 'Traceback' not in result.stdout
    assert not workspace.repo.exists() or workspace.debs() == []


def test_an_underlay_line_with_codename_serves_each_distribution(
        make_workspace, engine, base_image, second_base_image):
    underlay = make_workspace(packages=[])
    underlay.add_package('cn_base', data_package('cn_base'))
    underlay.colcon_deb('--base-image', second_base_image)
    overlay = make_workspace(packages=[])
    overlay.add_package('cn_app', data_package(
        'cn_app', depends=['cn_base']))
    line = f'deb [trusted=yes] file:{underlay.repo} {{codename}} main'
    overlay.colcon_deb(
        '--base-image', second_base_image, '--apt-source', line,
        '--rosdep-source', str(underlay.repo / 'rosdep.yaml'), '--verify')

    repo = overlay.repo
    pin = (repo / 'colcon-deb.pref').read_text()
    for image, suite in ((base_image, 'bookworm'),
                         (second_base_image, 'trixie')):
        assert f'n={suite}\n' in pin
        sources = (repo / f'colcon-deb-{suite}.list').read_text()
        assert sources.splitlines() == [
            f'deb [trusted=yes] file:{underlay.repo} {suite} main',
            f'deb [trusted=yes] file:{repo} {suite} main']
        # a consumer of each distribution, with that distribution's
        # sources file and the one pin file, gets that distribution's
        # builds of both the package and its underlay dependency
        versions = engine.client.containers.run(
            image, remove=True, command=['sh', '-ec', f"""
                cp {repo}/colcon-deb-{suite}.list /etc/apt/sources.list.d/
                cp {repo}/colcon-deb.pref /etc/apt/preferences.d/
                apt-get update -qq
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                    ros-humble-cn-app > /dev/null
                dpkg-query -W -f '${{Version}}\\n' ros-humble-cn-app \
                    ros-humble-cn-base"""],
            volumes={str(repo): {'bind': str(repo), 'mode': 'ro'},
                     str(underlay.repo): {'bind': str(underlay.repo),
                                          'mode': 'ro'}},
        ).decode().splitlines()
        assert len(versions) == 2 and all(
            f'-0{suite}.' in v for v in versions), versions

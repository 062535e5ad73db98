"""Workspace dependencies that neither the run nor the repository has."""

import json
from types import SimpleNamespace

from colcon_deb_docker.siblings import describe_missing_siblings
from colcon_deb_docker.siblings import describe_uninstallable
from colcon_deb_docker.siblings import missing_siblings


def _debian_name(name):
    return 'ros-humble-' + name.replace('_', '-')


def _session(tmp_path, *, built, closures, published=()):
    def stamp_path(name, arch):
        return tmp_path / name / arch / 'stamp.json'
    for name in built:
        path = stamp_path(name, 'amd64')
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({
            'version': '1.0.0-0bookworm',
            'files': [f'pool/main/{name}/{name}_1.0.0_amd64.deb']}))
    debs = {
        f'pool/main/{name}/{_debian_name(name)}_1.0.0_{arch}.deb': {
            'package': _debian_name(name), 'architecture': arch,
            'version': '1.0.0'}
        for name, arch in published}
    return SimpleNamespace(
        layout=SimpleNamespace(stamp_path=stamp_path),
        architectures=['amd64'], build_closure=closures,
        debian_name=_debian_name,
        repository=SimpleNamespace(manifest=SimpleNamespace(debs=debs)))


def _planned(*names, arch='amd64'):
    return [SimpleNamespace(name=name, arch=arch) for name in names]


def test_a_dependency_neither_built_nor_in_the_run_is_missing(tmp_path):
    # --packages-select tools, geometry never built: the build used to fail
    # in its container, with apt's "you have held broken packages"
    session = _session(tmp_path, built=['core'], closures={
        'tools': {'geometry', 'core'}, 'robot': {'tools', 'core'}})
    assert missing_siblings(
        session, _planned('tools'), building={'tools'}) == {
            'tools': ['geometry']}
    # built in the same run, or in the repository: nothing is missing
    assert missing_siblings(
        session, _planned('tools', 'geometry'),
        building={'tools', 'geometry'}) == {}
    assert missing_siblings(
        session, _planned('robot'), building={'robot'}) == {
            'robot': ['tools']}


def test_other_closures_are_checked_the_same_way(tmp_path):
    session = _session(tmp_path, built=[], closures={})
    assert missing_siblings(
        session, _planned('robot'), building={'robot'},
        closures={'robot': {'tools', 'robot_msgs'}}) == {
            'robot': ['robot_msgs', 'tools']}


def test_each_package_is_named_once_across_architectures(tmp_path):
    session = _session(tmp_path, built=[], closures={'tools': {'geometry'}})
    assert missing_siblings(
        session, _planned('tools') + _planned('tools', arch='arm64'),
        building={'tools'}) == {'tools': ['geometry']}


def test_the_reports_say_what_to_do():
    missing = {'tools': ['geometry'], 'robot': ['nav', 'tools']}
    assert describe_missing_siblings(missing) == (
        'workspace packages needed to build, but neither in this run nor '
        'built into the repository:\n'
        '  robot needs nav, tools\n'
        '  tools needs geometry\n'
        'Build them in the same run (--packages-up-to robot tools) or '
        'before it.')
    assert 'cannot be packaged' in describe_missing_siblings(
        missing, invalid={'nav': 'bad version'})
    assert describe_uninstallable({'robot': ['tools']}).splitlines() == [
        'packages whose .deb depends on workspace packages neither in this '
        'run nor in the repository (apt cannot install them until those '
        'are):',
        '  robot needs tools',
        'Build those too (--packages-up-to robot), in this run or a later '
        'one.']


def test_a_sibling_the_repository_holds_is_there_without_its_stamp(tmp_path):
    # a build base removed since (rm -rf build_deb): the build gets it
    # through apt from the repository, as it did before this check
    session = _session(
        tmp_path, built=[], closures={'tools': {'geometry', 'shapes'}},
        published=[('geometry', 'all'), ('shapes', 'arm64')])
    assert missing_siblings(
        session, _planned('tools'), building={'tools'}) == {
            'tools': ['shapes']}
    assert missing_siblings(
        session, _planned('tools', arch='arm64'), building={'tools'}) == {}

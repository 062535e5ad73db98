"""The kept rosdep pre-check answers only in the context it was made in."""

from pathlib import Path

from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.kept_rosdep_check import check_context
from colcon_deb_docker.kept_rosdep_check import CHECK_HELPERS
from colcon_deb_docker.kept_rosdep_check import KeptRosdepCheck
import pytest

RESULT = {
    'sources': ['file:///colcon-deb/rosdep/workspace.yaml'],
    'packages': {
        'app': {'lib': {'resolved': ['ros-humble-lib'], 'origin': 'w'},
                'cmake': {'resolved': ['cmake'], 'origin': 'b'}},
        'tool': {'nope': {'error': 'no rosdep rule'}},
    },
}


@pytest.fixture
def context_inputs(tmp_path):
    helpers = tmp_path / 'helpers'
    helpers.mkdir()
    for name in CHECK_HELPERS:
        (helpers / name).write_text(f'# {name}\n')
    rosdep = tmp_path / 'rosdep'
    (rosdep / 'sources.list.d').mkdir(parents=True)
    (rosdep / 'sources.list.d' / '10-workspace.list').write_text(
        'yaml file:///colcon-deb/rosdep/workspace.yaml\n')
    (rosdep / 'workspace.yaml').write_text('lib: {debian: [ros-humble-lib]}')
    (rosdep / 'keys.json').write_text('{"app": ["lib"]}')
    return helpers, rosdep


def _context(helpers, rosdep, *, image_id='sha256:1', environment=None):
    spec = ContainerSpec(
        image='builder:1', command=['sh', 'check-rosdep.sh'],
        environment=environment or {'COLCON_DEB_OFFLINE': '1'})
    return check_context(image='builder:1', image_id=image_id, spec=spec,
                         rosdep_dir=rosdep, helpers_dir=helpers)


def test_the_context_is_everything_the_container_reads_but_the_keys(
    context_inputs,
):
    helpers, rosdep = context_inputs
    before = _context(helpers, rosdep)
    # the keys asked are not context: a key resolves on its own
    (rosdep / 'keys.json').write_text('{"app": ["lib", "cmake"]}')
    assert _context(helpers, rosdep) == before
    assert _context(helpers, rosdep, image_id='sha256:2') != before
    assert _context(helpers, rosdep, environment={
        'COLCON_DEB_OFFLINE': '1', 'BUILD_UID': '7'}) != before
    (helpers / 'configure-rosdep.sh').write_text('# changed\n')
    changed_helper = _context(helpers, rosdep)
    assert changed_helper != before
    (rosdep / 'workspace.yaml').write_text('lib: {debian: [other]}')
    changed_rules = _context(helpers, rosdep)
    assert changed_rules != changed_helper
    (rosdep / 'user-00.yaml').write_text('x: {debian: [x]}')
    assert _context(helpers, rosdep) != changed_rules


def _kept(tmp_path, context='c1'):
    (tmp_path / 'ros-home').mkdir(exist_ok=True)
    return KeptRosdepCheck(state_dir=tmp_path, context=context)


def test_kept_resolutions_answer_any_subset_of_their_keys(tmp_path):
    kept = _kept(tmp_path)
    assert kept.read() is None
    kept.keep(RESULT)
    data = kept.read()
    assert kept.answer(data, {'tool': ['nope'], 'new': ['lib']}) == {
        'sources': RESULT['sources'],
        'packages': {'tool': {'nope': {'error': 'no rosdep rule'}},
                     'new': {'lib': RESULT['packages']['app']['lib']}}}
    # a key never resolved: the container has to run
    assert kept.answer(data, {'app': ['lib', 'boost']}) is None


def test_nothing_is_answered_in_another_context_or_without_the_cache(
    tmp_path,
):
    _kept(tmp_path).keep(RESULT)
    other = _kept(tmp_path, context='c2')
    assert other.read() is None
    assert other.answer(other.read(), {'app': ['lib']}) is None
    (tmp_path / 'ros-home').rmdir()
    assert KeptRosdepCheck(state_dir=tmp_path, context='c1').read() is None


@pytest.mark.parametrize('text', [
    '', 'not json', '[]', '{"context": "c1"}',
    '{"context": "c1", "keys": [], "sources": []}'])
def test_a_damaged_kept_file_answers_nothing(tmp_path, text):
    kept = _kept(tmp_path)
    kept.path.write_text(text)
    assert kept.read() is None


def test_a_new_check_adds_to_the_kept_keys_and_forget_drops_them(tmp_path):
    kept = _kept(tmp_path)
    kept.keep(RESULT)
    earlier = kept.read()
    kept.forget()
    assert kept.read() is None
    kept.forget()  # nothing to drop: no error
    kept.keep({'sources': ['s2'], 'packages': {
        'more': {'boost': {'resolved': ['libboost-dev'], 'origin': 'b'}}}},
        earlier=earlier)
    data = kept.read()
    assert data['sources'] == ['s2']
    assert set(data['keys']) == {'lib', 'cmake', 'nope', 'boost'}
    assert not list(Path(tmp_path).glob('.*.tmp'))

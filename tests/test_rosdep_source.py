"""The generated rosdep configuration."""

from colcon_deb_docker.errors import DebDockerError
from colcon_deb_docker.rosdep_source import CONTAINER_PATH
from colcon_deb_docker.rosdep_source import write_rosdep_config
import pytest
import yaml


def test_workspace_first_then_user_files(tmp_path):
    user = tmp_path / 'mine.yaml'
    user.write_text('foo: {debian: [libfoo-dev]}\n')
    out = tmp_path / 'rosdep'
    env = write_rosdep_config(
        path=out, package_names=['ament_cmake', 'my_pkg'],
        ros_distro='humble', os_name='debian', os_codename='bookworm',
        user_sources=[user])
    mapping = yaml.safe_load((out / 'workspace.yaml').read_text())
    # a workspace package shadows the system package of the same name
    assert mapping['ament_cmake'] == {
        'debian': {'bookworm': ['ros-humble-ament-cmake']}}
    assert mapping['my_pkg'] == {
        'debian': {'bookworm': ['ros-humble-my-pkg']}}
    lists = sorted(p.name for p in (out / 'sources.list.d').iterdir())
    assert lists == ['10-workspace.list']
    lines = (out / 'sources.list.d' / '10-workspace.list').read_text() \
        .splitlines()
    assert lines == [
        f'yaml file://{CONTAINER_PATH}/workspace.yaml',
        f'yaml file://{CONTAINER_PATH}/user-00.yaml']
    assert (out / 'user-00.yaml').read_text() == user.read_text()
    assert 'ROSDISTRO_INDEX_URL' not in env


def test_offline_writes_an_index_and_base_keys_last(tmp_path):
    out = tmp_path / 'rosdep'
    env = write_rosdep_config(
        path=out, package_names=['a'], ros_distro='noetic',
        os_name='ubuntu', os_codename='focal', offline=True)
    assert env['ROSDISTRO_INDEX_URL'] == \
        f'file://{CONTAINER_PATH}/index-v4.yaml'
    index = yaml.safe_load((out / 'index-v4.yaml').read_text())
    assert index['distributions']['noetic']['distribution_type'] == 'ros1'
    distribution = yaml.safe_load(
        (out / 'noetic' / 'distribution.yaml').read_text())
    assert distribution['release_platforms'] == {'ubuntu': ['focal']}
    lists = sorted(p.name for p in (out / 'sources.list.d').iterdir())
    assert lists == ['10-workspace.list', '90-base-keys.list']
    base = yaml.safe_load((out / 'base-keys.yaml').read_text())
    assert base['cmake'] == {'debian': ['cmake'], 'ubuntu': ['cmake']}


def test_broken_user_file_fails_on_the_host(tmp_path):
    bad = tmp_path / 'bad.yaml'
    bad.write_text('a: [unclosed\n')
    with pytest.raises(DebDockerError, match='bad.yaml'):
        write_rosdep_config(
            path=tmp_path / 'r', package_names=[], ros_distro='humble',
            os_name='debian', os_codename='bookworm', user_sources=[bad])


def test_hints_fit_the_cause_and_user_files_keep_their_paths(tmp_path):
    from colcon_deb_docker.rosdep_check import RosdepCheck
    from colcon_deb_docker.rosdep_source import CONTAINER_PATH
    from colcon_deb_docker.rosdep_source import host_paths
    check = RosdepCheck(
        sources=[f'file://{CONTAINER_PATH}/workspace.yaml',
                 f'file://{CONTAINER_PATH}/user-00.yaml'],
        packages={
            'talker': {'rclcpp_components': {'error': 'no rosdep rule'},
                       'std_msgs': {'error': 'no rosdep rule'},
                       'libfoo': {'error': 'no rosdep rule'}},
            'ok': {'cmake': {'resolved': ['cmake'], 'origin': 'x'}}})
    text = check.describe_unresolved(os_name='debian', os_codename='bookworm')
    assert 'Not in this workspace: rclcpp_components, std_msgs. Add their ' \
        'sources to the workspace' in text
    assert 'Map each system dependency to a Debian package' in text
    # the rule's shape to fill in, for each system key
    assert '\n  libfoo:\n    debian: [<debian package>]' in text
    only_ros = RosdepCheck(sources=[], packages={
        'talker': {'rclcpp': {'error': 'no rosdep rule'}}})
    assert 'system dependency' not in only_ros.describe_unresolved(
        os_name='debian', os_codename='bookworm')
    # the user's file appears under the path the user gave
    mine = tmp_path / 'my-rules.yaml'
    shown = host_paths(text, rosdep_dir=tmp_path / 'build_deb/.rosdep',
                       user_sources=[str(mine)])
    assert f'  {mine}\n' in shown
    assert f'  {tmp_path}/build_deb/.rosdep/workspace.yaml' in shown
    assert 'user-00.yaml' not in shown


@pytest.mark.parametrize('text, said', [
    ('- a\n- b\n', 'the top level must map rosdep keys to their rules, '
     'e.g. "my_key: {debian: [libfoo-dev]}" (it is a list)'),
    ('my_key: [libfoo-dev]\n', "'my_key' must map operating systems to "
     'its rules, e.g. "my_key: {debian: [libfoo-dev]}" (it is a list)'),
])
def test_a_file_of_another_shape_fails_on_the_host(tmp_path, text, said):
    # a list used to pass here and fail in the pre-check's container, in
    # rosdep's words ("is not a YAML dictionary") after its setup lines
    bad = tmp_path / 'bad.yaml'
    bad.write_text(text)
    with pytest.raises(DebDockerError) as error:
        write_rosdep_config(
            path=tmp_path / 'r', package_names=[], ros_distro='humble',
            os_name='debian', os_codename='bookworm', user_sources=[bad])
    assert str(error.value) == \
        f'--rosdep-source {bad}: not a rosdep rules file: {said}'


def test_the_shapes_rosdep_reads_pass(tmp_path):
    good = tmp_path / 'good.yaml'
    good.write_text(
        'a: {debian: [liba-dev]}\n'
        'b: {debian: {bookworm: [libb-dev]}, ubuntu: [libb-dev]}\n'
        'c: {debian: {pip: {packages: [c]}}}\n')
    empty = tmp_path / 'empty.yaml'
    empty.write_text('# nothing yet\n')
    write_rosdep_config(
        path=tmp_path / 'r', package_names=[], ros_distro='humble',
        os_name='debian', os_codename='bookworm', user_sources=[good, empty])


def test_a_key_of_a_package_gone_from_the_workspace_says_so():
    # a package removed from the workspace keeps its .debs in the
    # repository; its dependents' key resolved nowhere and was taken for a
    # system dependency ("Map each system dependency ...")
    from types import SimpleNamespace

    from colcon_deb_docker.naming import debian_package_name
    from colcon_deb_docker.rosdep_check import published_keys
    from colcon_deb_docker.rosdep_check import RosdepCheck
    check = RosdepCheck(sources=[], packages={'demo_robot': {
        'demo_tools': {'error': 'no rosdep rule'},
        'Not-A-Name': {'error': 'no rosdep rule'}}})
    session = SimpleNamespace(
        repository=SimpleNamespace(manifest=SimpleNamespace(debs={
            'a.deb': {'package': 'ros-humble-demo-tools'},
            'b.deb': {'package': 'ros-humble-other'}})),
        debian_name=lambda name: debian_package_name(
            ros_distro='humble', package_name=name))
    published = published_keys(session, check.unresolved())
    assert published == {'demo_tools': 'ros-humble-demo-tools'}
    text = check.describe_unresolved(
        os_name='debian', os_codename='bookworm', published=published)
    assert 'Built into the repository before, but no longer in this ' \
        'workspace: demo_tools (ros-humble-demo-tools). Put the sources ' \
        'back into the workspace, or drop the dependency.' in text
    assert '  demo_tools:\n' not in text
    assert '  Not-A-Name:\n    debian: [<debian package>]' in text

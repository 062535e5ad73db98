"""No workspace package may make .debs under another package's name."""

from types import SimpleNamespace

from colcon_deb_docker.package_checks import debian_name_problems
from colcon_deb_docker.package_checks import declared_binary_packages
from colcon_deb_docker.package_checks import workspace_debian_names


def _package(root, name, *, control=None, selected=True):
    """Return the decorator of a package, with its own debian/control."""
    path = root / name
    path.mkdir()
    if control is not None:
        (path / 'debian').mkdir()
        (path / 'debian' / 'control').write_text(control)
    return SimpleNamespace(
        descriptor=SimpleNamespace(name=name, path=path), selected=selected)


def _control(*packages):
    return 'Source: x\nMaintainer: A <a@example.com>\n' + ''.join(
        f'\nPackage: {p}\nArchitecture: all\n' for p in packages)


def _conflicts(decorators, debian_overrides=None):
    return debian_name_problems(
        decorators, ros_distro='humble', debian_overrides=debian_overrides)


def test_distinct_names_and_their_own_suffixes_pass(tmp_path):
    decorators = [
        _package(tmp_path, 'foo'),
        _package(tmp_path, 'foo_bar'),
        _package(tmp_path, 'tools', control=_control(
            'ros-humble-tools', 'ros-humble-tools-dev')),
    ]
    assert _conflicts(decorators) == {}


def test_names_bloom_makes_the_same_clash_both_ways(tmp_path):
    decorators = [_package(tmp_path, 'foo_bar'), _package(tmp_path, 'foo-bar')]
    conflicts = _conflicts(decorators)
    assert set(conflicts) == {'foo_bar', 'foo-bar'}
    assert conflicts['foo_bar'].startswith(
        "'foo_bar' and 'foo-bar' both make the Debian package "
        'ros-humble-foo-bar')
    assert conflicts['foo_bar'].endswith(
        "(bloom's names turn `_` into `-`); rename one of them")


def test_a_package_named_as_a_debug_package_clashes(tmp_path):
    decorators = [
        _package(tmp_path, 'foo'), _package(tmp_path, 'foo_dbgsym')]
    conflicts = _conflicts(decorators)
    assert set(conflicts) == {'foo', 'foo_dbgsym'}
    assert 'ros-humble-foo-dbgsym' in conflicts['foo']


def test_a_control_claiming_a_siblings_name_clashes(tmp_path):
    # 'core' may name packages ros-humble-core-*, but not the one its
    # sibling 'core_lib' makes: 'core' is at fault, 'core_lib' builds
    decorators = [
        _package(tmp_path, 'core_lib'),
        _package(tmp_path, 'core', control=_control(
            'ros-humble-core', 'ros-humble-core-lib')),
    ]
    conflicts = _conflicts(decorators)
    assert set(conflicts) == {'core'}
    assert conflicts['core'] == (
        "'core' and 'core_lib' both make the Debian package "
        'ros-humble-core-lib: the repository would hold one of them under '
        "the other's name; rename one of them")


def test_a_control_naming_outside_its_namespace_is_refused(tmp_path):
    for name, claimed in (('evil', 'ros-humble-core-lib'),
                          ('evil2', 'libc6'),
                          ('evil3', 'ros-humble-evil3x'),
                          ('evil4', 'ros-noetic-evil4')):
        decorators = [_package(tmp_path, name, control=_control(claimed))]
        conflicts = _conflicts(decorators)
        assert set(conflicts) == {name}
        assert conflicts[name].startswith(
            f"its debian/control declares {claimed}: a package's .debs "
            f'are named ros-humble-{name} or ros-humble-{name}-<suffix>')


def test_the_package_whose_name_is_claimed_still_builds(tmp_path):
    decorators = [
        _package(tmp_path, 'core_lib'),
        _package(tmp_path, 'evil', control=_control('ros-humble-core-lib'))]
    assert set(_conflicts(decorators)) == {'evil'}


def test_a_control_must_declare_the_packages_own_name(tmp_path):
    # rosdep.yaml, the dependents and --verify ask for ros-humble-tooly,
    # which a control declaring only ros-humble-tooly-tools never made
    decorators = [_package(tmp_path, 'tooly', control=_control(
        'ros-humble-tooly-tools'))]
    assert _conflicts(decorators) == {'tooly': (
        'its debian/control declares no package ros-humble-tooly: that is '
        'the name its dependents, rosdep and apt ask for (add a stanza '
        'for it)')}


def test_unselected_packages_are_not_reported(tmp_path):
    decorators = [
        _package(tmp_path, 'foo_bar', selected=False),
        _package(tmp_path, 'foo-bar', selected=False)]
    assert _conflicts(decorators) == {}


def test_an_override_replaces_the_packages_own_control(tmp_path):
    overrides = tmp_path / 'overrides'
    (overrides / 'evil' / 'debian').mkdir(parents=True)
    (overrides / 'evil' / 'debian' / 'control').write_text(
        _control('libc6'))
    (tmp_path / 'ws').mkdir()
    decorators = [_package(tmp_path / 'ws', 'evil', control=_control(
        'ros-humble-evil'))]
    assert _conflicts(decorators) == {}
    assert set(_conflicts(decorators, str(overrides))) == {'evil'}


def test_declared_names_read_as_dpkg_does(tmp_path):
    (tmp_path / 'debian').mkdir()
    (tmp_path / 'debian' / 'control').write_text(
        '# a comment\nSource: x\n\npackage: ros-humble-a\n'
        'Architecture: all\n\n# the second\nPackage: ros-humble-a-dev\n')
    assert declared_binary_packages(
        package_path=tmp_path, package_name='a') == {
            'ros-humble-a', 'ros-humble-a-dev'}
    # no debian/: bloom's one package
    assert declared_binary_packages(
        package_path=tmp_path / 'none', package_name='a') is None


def _with_manifest(decorator, *, replaces=()):
    """Give a package a package.xml (format 2) with <replace> tags."""
    name = decorator.descriptor.name
    (decorator.descriptor.path / 'package.xml').write_text(
        '<?xml version="1.0"?>\n<package format="2">\n'
        f'  <name>{name}</name>\n  <version>1.0.0</version>\n'
        '  <description>d</description>\n'
        '  <maintainer email="a@example.com">A</maintainer>\n'
        '  <license>MIT</license>\n' +
        ''.join(f'  <replace>{r}</replace>\n' for r in replaces) +
        '</package>\n')
    return decorator


def test_a_control_may_not_provide_or_replace_a_siblings_package(tmp_path):
    # Replaces: dpkg lets it overwrite core_lib's files without a word;
    # Provides: apt may take it for core_lib
    core_lib = _package(tmp_path, 'core_lib')
    fields = {
        'provides': 'Provides: ros-humble-tools-legacy, ros-humble-core-lib',
        'replaces': 'Replaces: python3-old | ros-humble-core-lib-dbgsym '
                    '(<< 2)',
    }
    for index, field in enumerate(fields.values()):
        tools = _package(tmp_path, f'tools{index}', control=(
            'Source: x\n\n'
            f'Package: ros-humble-tools{index}\nArchitecture: all\n'
            f'{field}\n'))
        conflicts = _conflicts([core_lib, tools])
        assert set(conflicts) == {f'tools{index}'}, field
        assert conflicts[f'tools{index}'].startswith(
            'its debian/control provides or replaces ros-humble-core-lib'
            if index == 0 else
            'its debian/control provides or replaces '
            'ros-humble-core-lib-dbgsym')
        assert "which 'core_lib' makes" in conflicts[f'tools{index}']


def test_provides_and_replaces_of_names_no_sibling_makes_pass(tmp_path):
    decorators = [
        _package(tmp_path, 'core_lib'),
        _package(tmp_path, 'tools', control=(
            'Source: x\n\nPackage: ros-humble-tools\nArchitecture: all\n'
            'Provides: ros-humble-tools-legacy, python3-tools\n'
            'Replaces: ros-humble-old-tools (<< 2.0)\n')),
    ]
    assert _conflicts(decorators) == {}


def test_a_package_xml_may_not_replace_a_sibling(tmp_path):
    # bloom writes <replace> into Replaces, a workspace package's key as
    # its Debian name
    core_lib = _with_manifest(_package(tmp_path, 'core_lib'))
    app = _with_manifest(
        _package(tmp_path, 'app'), replaces=['old_app', 'core_lib'])
    conflicts = _conflicts([core_lib, app])
    assert conflicts == {'app': (
        'its package.xml replaces ros-humble-core-lib, which '
        "'core_lib' makes: installed, it could overwrite that package's "
        'files or stand in for it (remove its <replace>)')}
    # a package that left the workspace may be replaced
    assert _conflicts([core_lib, _with_manifest(
        _package(tmp_path, 'app2'), replaces=['old_app'])]) == {}


def test_the_workspace_names_are_those_of_every_package(tmp_path):
    # selected or not, with their -dbgsym: what the repository refuses a
    # built .deb to replace or provide
    decorators = [
        _package(tmp_path, 'foo_bar', selected=False),
        _package(tmp_path, 'tools', control=_control(
            'ros-humble-tools', 'ros-humble-tools-dev')),
    ]
    assert workspace_debian_names(decorators, ros_distro='humble') == {
        'ros-humble-foo-bar': {'foo_bar'},
        'ros-humble-foo-bar-dbgsym': {'foo_bar'},
        'ros-humble-tools': {'tools'},
        'ros-humble-tools-dbgsym': {'tools'},
        'ros-humble-tools-dev': {'tools'},
        'ros-humble-tools-dev-dbgsym': {'tools'},
    }

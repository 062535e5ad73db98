"""The fixes bloom-rosdebian.py makes to bloom's output.

`dh $@ --parallel` (bloom writes compat 9, where dh ignores
DEB_BUILD_OPTIONS=parallel=N otherwise), `Architecture: all` for an
architecture-independent package, `Rules-Requires-Root: no` (no
fakeroot for `debian/rules binary`), and the cmake template's
DEB_HOST_MULTIARCH taken from dpkg-buildpackage's environment (no
dpkg-architecture each time make reads the rules).  bloom itself lives
in the builder image: stand-ins for the names the helper imports are
enough here.
"""

import importlib
import subprocess
import sys
import types

from colcon_deb_docker.helpers_path import helpers_dir


def _helper(monkeypatch):
    for name, attrs in {
        'bloom': {}, 'bloom.generators': {}, 'bloom.generators.debian': {},
        'bloom.generators.debian.generate_cmd': {
            'main': None, 'prepare_arguments': None},
        'bloom.generators.rosdebian': {
            'get_subs': None, 'rosify_package_name': None},
    }.items():
        module = types.ModuleType(name)
        module.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.syspath_prepend(str(helpers_dir()))
    monkeypatch.delitem(sys.modules, 'bloom-rosdebian', raising=False)
    return importlib.import_module('bloom-rosdebian')


RULES = """#!/usr/bin/make -f
%:
\tdh $@ -v --buildsystem=cmake --builddirectory=.obj-$(DEB_HOST_GNU_TYPE)

override_dh_auto_build:
\tdh_auto_build
"""


def test_dh_gets_parallel_and_all_gets_architecture_all(
    tmp_path, monkeypatch
):
    helper = _helper(monkeypatch)
    (tmp_path / 'rules').write_text(RULES)
    (tmp_path / 'control').write_text(
        'Source: x\n\nPackage: x\nArchitecture: any\n')
    helper.fix_output(str(tmp_path), arch_all=False)
    rules = (tmp_path / 'rules').read_text()
    assert '\tdh $@ --parallel -v --buildsystem=cmake' in rules
    assert '\tdh_auto_build\n' in rules  # other lines untouched
    assert 'Architecture: any' in (tmp_path / 'control').read_text()
    # applied twice, the same
    helper.fix_output(str(tmp_path), arch_all=True)
    assert (tmp_path / 'rules').read_text() == rules
    assert 'Architecture: all\n' in (tmp_path / 'control').read_text()


CONTROL = """Source: ros-humble-x
Section: misc
Build-Depends: debhelper (>= 9.0.0)

Package: ros-humble-x
Architecture: any
Description: x
"""


def test_the_source_stanza_declares_no_root_once(tmp_path, monkeypatch):
    helper = _helper(monkeypatch)
    (tmp_path / 'rules').write_text(RULES)
    (tmp_path / 'control').write_text(CONTROL)
    helper.fix_output(str(tmp_path), arch_all=False)
    control = (tmp_path / 'control').read_text()
    source, binary = control.split('\n\n')
    assert source.splitlines()[:2] == [
        'Source: ros-humble-x', 'Rules-Requires-Root: no']
    assert 'Rules-Requires-Root' not in binary
    assert control.replace('Rules-Requires-Root: no\n', '') == CONTROL
    helper.fix_output(str(tmp_path), arch_all=False)
    assert (tmp_path / 'control').read_text() == control


def test_a_declared_rules_requires_root_is_kept(monkeypatch):
    helper = _helper(monkeypatch)
    declared = CONTROL.replace(
        'Section: misc\n',
        'Section: misc\nrules-requires-root: binary-targets\n')
    assert helper.without_root(declared) == declared
    # a binary stanza cannot declare it for the source
    in_binary = CONTROL + 'Rules-Requires-Root: binary-targets\n'
    assert helper.without_root(in_binary).startswith(
        'Source: ros-humble-x\nRules-Requires-Root: no\n')


CMAKE_RULES = """#!/usr/bin/make -f
export DH_VERBOSE=1
export DEB_HOST_MULTIARCH := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH)

DEB_HOST_GNU_TYPE ?= $(shell dpkg-architecture -qDEB_HOST_GNU_TYPE)

show:
\t@echo "make:$(DEB_HOST_MULTIARCH) shell:$${DEB_HOST_MULTIARCH}"
"""


def _make_show(rules, tmp_path, **environment):
    """Run the rules' `show` target with a dpkg-architecture that counts."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / 'calls'
    calls.write_text('')
    fake = bin_dir / 'dpkg-architecture'
    fake.write_text(f'#!/bin/sh\necho "$*" >> {calls}\necho from-dpkg-arch\n')
    fake.chmod(0o755)
    env = {'PATH': f'{bin_dir}:/usr/bin:/bin', **environment}
    result = subprocess.run(
        ['make', '--no-print-directory', '-f', str(rules), 'show'],
        env=env, stdout=subprocess.PIPE, check=True, text=True)
    return result.stdout.strip(), calls.read_text().splitlines()


def test_the_multiarch_comes_from_the_environment_when_it_has_it(
    tmp_path, monkeypatch
):
    helper = _helper(monkeypatch)
    debian = tmp_path / 'debian'
    debian.mkdir()
    (debian / 'rules').write_text(CMAKE_RULES)
    (debian / 'control').write_text(CONTROL)
    rules = debian / 'rules'
    # bloom's line asks dpkg-architecture even when the value is given
    assert _make_show(rules, tmp_path, DEB_HOST_MULTIARCH='given') == (
        'make:from-dpkg-arch shell:from-dpkg-arch',
        ['-qDEB_HOST_MULTIARCH'])
    helper.fix_output(str(debian), arch_all=False)
    fixed = rules.read_text()
    assert fixed.count('dpkg-architecture -qDEB_HOST_MULTIARCH') == 1
    # dpkg-buildpackage's value is kept, dpkg-architecture not run
    assert _make_show(rules, tmp_path, DEB_HOST_MULTIARCH='given') == (
        'make:given shell:given', [])
    # without it (debian/rules run by hand), asked once, exported as before
    assert _make_show(rules, tmp_path) == (
        'make:from-dpkg-arch shell:from-dpkg-arch', ['-qDEB_HOST_MULTIARCH'])
    # the rest untouched; applied twice, the same
    assert fixed.replace(
        'ifeq ($(origin DEB_HOST_MULTIARCH),undefined)\n', '').replace(
        '-qDEB_HOST_MULTIARCH)\nendif\n', '-qDEB_HOST_MULTIARCH)\n') == \
        CMAKE_RULES
    helper.fix_output(str(debian), arch_all=False)
    assert rules.read_text() == fixed

"""What bloom reads of a package, its key, and what the host accepts back."""

import os

from colcon_deb_docker.bloom_ahead import admit_debian_dir
from colcon_deb_docker.bloom_ahead import bloom_inputs
from colcon_deb_docker.bloom_ahead import BloomJob
from colcon_deb_docker.bloom_ahead import cache_key


def _package_xml(build_type='cmake', license_file=None):
    license_attr = f' file="{license_file}"' if license_file else ''
    return f"""<?xml version="1.0"?>
<package format="3">
  <name>pkg</name>
  <version>0.1.0</version>
  <description>d</description>
  <maintainer email="m@example.com">m</maintainer>
  <license{license_attr}>Apache-2.0</license>
  <export><build_type>{build_type}</build_type></export>
</package>
"""


def _package(tmp_path, **kwargs):
    root = tmp_path / 'pkg'
    root.mkdir()
    (root / 'package.xml').write_text(_package_xml(**kwargs))
    (root / 'CMakeLists.txt').write_text('not read by bloom\n')
    return root


def test_only_the_files_bloom_reads(tmp_path):
    root = _package(tmp_path, build_type='ament_python',
                    license_file='LICENSE')
    (root / 'CHANGELOG.rst').write_text('changes\n')
    (root / 'setup.cfg').write_text('[install]\n')
    (root / 'LICENSE').write_text('license text\n')
    assert sorted(bloom_inputs(root)) == [
        'CHANGELOG.rst', 'LICENSE', 'package.xml', 'setup.cfg']
    # optional files may be missing; setup.cfg counts for ament_python only
    (root / 'CHANGELOG.rst').unlink()
    (root / 'package.xml').write_text(_package_xml(license_file='LICENSE'))
    assert sorted(bloom_inputs(root)) == ['LICENSE', 'package.xml']


def test_nothing_from_outside_the_package(tmp_path):
    outside = tmp_path / 'secret'
    outside.write_text('secret\n')
    root = _package(tmp_path)
    os.symlink(outside, root / 'CHANGELOG.rst')
    assert bloom_inputs(root) is None
    (root / 'CHANGELOG.rst').unlink()
    (root / 'package.xml').write_text(_package_xml(license_file='../secret'))
    assert bloom_inputs(root) is None
    (root / 'package.xml').write_text(_package_xml(
        license_file=str(outside)))
    assert bloom_inputs(root) is None


def test_no_fifo_no_missing_license_no_unknown_build_type(tmp_path):
    root = _package(tmp_path, license_file='LICENSE')
    os.mkfifo(root / 'LICENSE')
    assert bloom_inputs(root) is None  # never opened
    (root / 'LICENSE').unlink()
    assert bloom_inputs(root) is None  # bloom fails in the build, with why
    (root / 'package.xml').write_text(_package_xml(build_type='ament_cargo'))
    assert bloom_inputs(root) is None


def test_the_key_sees_every_input():
    context = {'builder': 'colcon-deb-builder:1', 'helpers': 'h'}
    job = BloomJob(name='pkg', inputs={'package.xml': b'a'},
                   release_depends='', arch_all=False)
    resolutions = {'cmake': {'resolved': ['cmake'], 'origin': 'x'}}
    key = cache_key(job=job, resolutions=resolutions, context=context)
    assert key == cache_key(job=BloomJob(
        name='pkg', inputs={'package.xml': b'a'}, release_depends='',
        arch_all=False), resolutions=dict(resolutions), context=context)
    others = [
        cache_key(job=BloomJob(name='pkg', inputs={'package.xml': b'b'},
                               release_depends='', arch_all=False),
                  resolutions=resolutions, context=context),
        cache_key(job=job, resolutions={
            'cmake': {'resolved': ['cmake-data'], 'origin': 'x'}},
            context=context),
        cache_key(job=BloomJob(name='pkg', inputs={'package.xml': b'a'},
                               release_depends='ros_workspace:build:apt',
                               arch_all=False),
                  resolutions=resolutions, context=context),
        cache_key(job=BloomJob(name='pkg', inputs={'package.xml': b'a'},
                               release_depends='', arch_all=True),
                  resolutions=resolutions, context=context),
        cache_key(job=job, resolutions=resolutions,
                  context={**context, 'builder': 'colcon-deb-builder:2'}),
    ]
    assert len({key, *others}) == 6


def _debian(tmp_path):
    source = tmp_path / 'out' / 'debian'
    (source / 'source').mkdir(parents=True)
    (source / 'control').write_text('Source: x\n')
    (source / 'rules').write_text('#!/usr/bin/make -f\n')
    (source / 'rules').chmod(0o755)
    (source / 'source' / 'format').write_text('3.0 (quilt)\n')
    return source


def test_the_host_accepts_plain_files_only(tmp_path):
    source = _debian(tmp_path)
    target = tmp_path / 'kept' / 'debian'
    target.parent.mkdir()
    umask = os.umask(0o077)  # a CI job's: still readable by the build user
    try:
        assert admit_debian_dir(source, target)
    finally:
        os.umask(umask)
    for directory in (target, target / 'source'):
        assert os.stat(directory).st_mode & 0o777 == 0o755
    assert (target / 'source' / 'format').read_text() == '3.0 (quilt)\n'
    assert os.stat(target / 'rules').st_mode & 0o777 == 0o755
    assert os.stat(target / 'control').st_mode & 0o777 == 0o644

    for planted in ('link', 'deep', 'name', 'many', 'no-rules'):
        source = _debian(tmp_path / planted)
        if planted == 'link':
            os.symlink('/etc/passwd', source / 'copyright')
        elif planted == 'deep':
            (source / 'a' / 'b').mkdir(parents=True)
            (source / 'a' / 'b' / 'c').write_text('x')
        elif planted == 'name':
            (source / '.hidden').write_text('x')
        elif planted == 'many':
            for i in range(70):
                (source / f'f{i}').write_text('x')
        else:
            (source / 'rules').unlink()
        target = tmp_path / planted / 'kept'
        assert not admit_debian_dir(source, target), planted
        assert not target.exists(), planted

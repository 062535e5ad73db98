"""A build's outputs are accepted, not collected."""

import os
from pathlib import Path
import re
import shutil
import subprocess
import tarfile

from colcon_deb_docker.repository import publish_rules
from colcon_deb_docker.repository.indexes import package_stanza
from colcon_deb_docker.repository.publish_rules import ExpectedOutputs
from colcon_deb_docker.repository.publish_rules import read_deb
from colcon_deb_docker.repository.publish_rules import RejectedOutput
from debs import make_deb
from debs import with_data_members
import pytest

EXPECTED = ExpectedOutputs(
    packages=frozenset({'ros-humble-foo'}), version='1.0.0-0bookworm.1',
    architecture='amd64')


def _expected_deb(tmp_path, **kwargs):
    """Build a .deb of the package EXPECTED names, at its version."""
    return make_deb(tmp_path, name='ros-humble-foo',
                    version=EXPECTED.version, **kwargs)


def _refused(deb, reason, *, expected=EXPECTED):
    """Check that the pool refuses a built .deb, naming it and why."""
    with pytest.raises(RejectedOutput, match=re.escape(
            f'refusing {deb.name}: {reason}')):
        read_deb(deb, expected=expected)


def test_the_expected_packages_are_accepted(tmp_path):
    for name, arch in (('ros-humble-foo', 'amd64'),
                       ('ros-humble-foo-dbgsym', 'amd64'),
                       ('ros-humble-foo', 'all')):
        deb = make_deb(tmp_path / name / arch, name=name,
                       version='1.0.0-0bookworm.1', arch=arch)
        entry = read_deb(deb, expected=EXPECTED)
        assert entry['package'] == name
    # Ubuntu's debug symbols come as .ddeb
    deb = make_deb(tmp_path / 'ddeb', name='ros-humble-foo-dbgsym',
                   version='1.0.0-0bookworm.1')
    ddeb = deb.with_suffix('.ddeb')
    deb.rename(ddeb)
    assert read_deb(ddeb, expected=EXPECTED)['filename'].endswith('.ddeb')


@pytest.mark.parametrize('name,version,arch', [
    ('ros-humble-bar', '1.0.0-0bookworm.1', 'amd64'),   # a sibling's name
    ('ros-humble-foo', '9.9.9-0bookworm', 'amd64'),     # another version
    ('ros-humble-foo', '1.0.0-0bookworm.1', 'arm64'),   # another arch
])
def test_anything_else_is_refused_by_name(tmp_path, name, version, arch):
    deb = make_deb(tmp_path, name=name, version=version, arch=arch)
    with pytest.raises(RejectedOutput, match='not a package this build may '
                                             'produce'):
        read_deb(deb, expected=EXPECTED)


def test_a_file_whose_control_data_lies_is_refused(tmp_path):
    deb = make_deb(tmp_path, name='ros-humble-bar',
                   version='1.0.0-0bookworm.1')
    disguised = tmp_path / 'ros-humble-foo_1.0.0-0bookworm.1_amd64.deb'
    shutil.copyfile(deb, disguised)
    with pytest.raises(RejectedOutput, match='its control data says '
                                             'ros-humble-bar_'):
        read_deb(disguised, expected=EXPECTED)


@pytest.mark.parametrize(
    'version', ['99:1.0.0-0bookworm.1', '0:1.0.0-0bookworm.1'])
def test_a_control_giving_its_own_epoch_is_refused(tmp_path, version):
    # dpkg-deb leaves the epoch out of the file name: 99: passed the name
    # check and stood above every version the host could give the package
    deb = make_deb(tmp_path, name='ros-humble-foo', version=version)
    named = tmp_path / 'ros-humble-foo_1.0.0-0bookworm.1_amd64.deb'
    deb.rename(named)
    _refused(named, f'its control data gives the version {version}, not '
                    '1.0.0-0bookworm.1, which the host assigned')


@pytest.mark.parametrize('field,source', [
    ('Source', 's' * 300), ('Source', 'Upper'), ('Source', 'a'),
    ('Source', '-x'), ('Source', 'a_b'),
    # field names in any letter case, as apt reads the index's
    ('source', 's' * 300)])
def test_a_control_giving_no_debian_source_name_is_refused(
        tmp_path, field, source):
    # the source names the package's directory in the pool: 300 characters
    # failed the publication as "cannot write the repository"
    deb = _expected_deb(
        tmp_path, extra_control=f'{field}: {source} (1.0)\n')
    _refused(deb, 'its control data gives the source name '
                  f'{source[:100]!r}, which is not a Debian source name')


def test_a_debian_source_name_is_accepted(tmp_path):
    deb = _expected_deb(
        tmp_path, extra_control='Source: ros-humble-foo+tools.2 (1.0)\n')
    assert read_deb(deb, expected=EXPECTED)['filename'] == (
        'pool/main/ros-humble-foo+tools.2/'
        'ros-humble-foo_1.0.0-0bookworm.1_amd64.deb')


@pytest.mark.parametrize('field', ['filename', 'Size', 'SHA256', 'MD5sum'])
def test_a_control_giving_index_fields_is_refused(tmp_path, field):
    # a control's 'filename' stood in the index beside the index's own
    # Filename: a field twice in one stanza, which Debian's policy forbids
    # (field names are read in any letter case; apt and python-debian
    # take the later, a stricter reader refuses the index or takes the
    # first, the other package's file)
    deb = _expected_deb(
        tmp_path, extra_control=f'{field}: pool/main/x/other.deb\n')
    with pytest.raises(RejectedOutput, match=(
            f'refusing ros-humble-foo_1.0.0-0bookworm.1_amd64.deb: its '
            f'control data has {field}, which only the repository')):
        read_deb(deb, expected=EXPECTED)


SIBLINGS = ExpectedOutputs(
    packages=frozenset({'ros-humble-foo'}), version='1.0.0-0bookworm.1',
    architecture='amd64', siblings={
        'ros-humble-core': 'core', 'ros-humble-core-dbgsym': 'core'})


@pytest.mark.parametrize('extra,reason', [
    ('Replaces: ros-humble-core\n', 'replaces ros-humble-core'),
    # dpkg reads field names in any letter case, and package names too
    ('replaces: libc6, ROS-HUMBLE-CORE (<< 2)\n', 'replaces ros-humble-core'),
    ('Provides: ros-humble-core (= 99)\n', 'provides ros-humble-core'),
    ('Provides: x, ros-humble-core-dbgsym:any\n',
     'provides ros-humble-core-dbgsym'),
])
def test_a_built_control_taking_a_siblings_place_is_refused(
        tmp_path, extra, reason):
    # dh_gencontrol -- -DReplaces=... wrote it at build time, after the
    # source's debian/control had been checked
    deb = _expected_deb(tmp_path, extra_control=extra)
    _refused(deb, f"its control data {reason}, which the package 'core' "
                  "makes: installed, it could overwrite that package's files",
             expected=SIBLINGS)


def test_relationships_that_take_no_siblings_place_are_accepted(tmp_path):
    # Conflicts and Breaks only keep two packages apart; a name no other
    # workspace package makes (one that has left it, a Debian package's)
    # may be replaced or provided
    deb = _expected_deb(
        tmp_path, depends='ros-humble-core',
        extra_control='Conflicts: ros-humble-core\n'
                      'Breaks: ros-humble-core (<< 1)\n'
                      'Replaces: ros-humble-old-foo, ros-humble-cor\n'
                      'Provides: ros-humble-core-extra\n')
    assert read_deb(deb, expected=SIBLINGS)['package'] == 'ros-humble-foo'


def test_the_index_writes_its_own_fields_only(tmp_path):
    # an entry already trusted (published by an earlier version) keeps
    # the index's fields, not its control's
    deb = make_deb(tmp_path, name='p', extra_control='filename: x.deb\n')
    stanza = package_stanza(read_deb(deb))
    assert [k for k in stanza if k.lower() == 'filename'] == ['Filename']
    assert stanza['Filename'] == 'pool/main/p/p_1.0.0_amd64.deb'


def _deb_of_tree(tmp_path, path, *, text, mode=0o644, options=()):
    """Build ros-humble-foo with dpkg-deb from a tree of one file."""
    root = tmp_path / 'root'
    (root / 'DEBIAN').mkdir(parents=True)
    (root / 'DEBIAN' / 'control').write_text(
        'Package: ros-humble-foo\nVersion: 1.0.0-0bookworm.1\n'
        'Architecture: amd64\nMaintainer: T <t@example.com>\n'
        'Description: x\n')
    file = root / path
    file.parent.mkdir(parents=True)
    file.write_text(text)
    os.chmod(file, mode)
    deb = tmp_path / 'ros-humble-foo_1.0.0-0bookworm.1_amd64.deb'
    subprocess.run(['dpkg-deb', *options, '--root-owner-group', '--build',
                    str(root), str(deb)], check=True,
                   stdout=subprocess.DEVNULL)
    return deb


def test_a_setuid_file_inside_is_refused(tmp_path):
    deb = _deb_of_tree(tmp_path, 'opt/ros/humble/bin/tool',
                       text='#!/bin/sh\n', mode=0o4755)
    with pytest.raises(RejectedOutput, match='bin/tool is setuid/setgid'):
        read_deb(deb, expected=EXPECTED)


def test_links_and_garbage_are_refused(tmp_path):
    target = make_deb(tmp_path / 'real', name='ros-humble-foo',
                      version='1.0.0-0bookworm.1')
    link = tmp_path / target.name
    link.symlink_to(target)
    with pytest.raises(RejectedOutput, match='not a regular file'):
        read_deb(link, expected=EXPECTED)
    junk = Path(tmp_path / 'junk') / target.name
    junk.parent.mkdir()
    junk.write_bytes(b'not a deb')
    with pytest.raises(RejectedOutput, match='not a readable .deb'):
        read_deb(junk, expected=EXPECTED)


def _member(name, *, kind=tarfile.REGTYPE, mode=0o644, uid=0, gid=0,
            uname='root', gname='root', linkname='', device=(0, 0)):
    member = tarfile.TarInfo(name)
    member.type, member.mode, member.linkname = kind, mode, linkname
    member.uid, member.gid, member.uname, member.gname = \
        uid, gid, uname, gname
    member.devmajor, member.devminor = device
    return member


@pytest.mark.parametrize('member,problem', [
    # installed as root, each hands a local user what only root has
    (_member('./opt/ros/humble/share/foo/disk', kind=tarfile.BLKTYPE,
             mode=0o666, device=(8, 0)), 'is a device node'),
    (_member('./opt/ros/humble/share/foo/mem', kind=tarfile.CHRTYPE,
             mode=0o666, device=(1, 1)), 'is a device node'),
    (_member('./opt/ros/humble/share/foo/pipe', kind=tarfile.FIFOTYPE),
     'is not a file, directory or link'),
    (_member('./opt/ros/humble/lib/libfoo.so', uid=1000, uname=''),
     'is owned by 1000, not root'),
    # uid 0, but dpkg takes the name when the machine knows it
    (_member('./opt/ros/humble/lib/libfoo.so', uname='pi'),
     'is owned by pi, not root'),
    (_member('./opt/ros/humble/lib/libfoo.so', mode=0o664, gid=27,
             gname='sudo'), 'is writable by the group sudo'),
    (_member('./opt/ros/humble/lib/python3/dist-packages',
             kind=tarfile.DIRTYPE, mode=0o777), 'is writable by every user'),
    (_member('./opt/ros/humble/bin/tool', mode=0o4755), 'is setuid/setgid'),
    (_member('./opt/../../etc/cron.d/foo'), 'names a path out of'),
    (_member('./opt/ros/humble/lib/shadow', kind=tarfile.LNKTYPE,
             linkname='/etc/shadow'), 'names a path out of'),
])
def test_data_that_gives_a_local_user_more_is_refused(
        tmp_path, member, problem):
    deb = _expected_deb(tmp_path)
    with_data_members(deb, [(member, b'x' if member.isreg() else None)])
    with pytest.raises(RejectedOutput, match=(
            f'refusing {deb.name}: {re.escape(member.name)} {problem}')):
        read_deb(deb, expected=EXPECTED)


def test_what_a_package_may_hold_is_accepted(tmp_path):
    # root's files, directories, links anywhere, a group that cannot write
    deb = _expected_deb(tmp_path)
    with_data_members(deb, [
        (_member('./opt/ros/humble/lib', kind=tarfile.DIRTYPE, mode=0o755),
         None),
        (_member('./opt/ros/humble/lib/libfoo.so.1', mode=0o644), b'elf'),
        (_member('./opt/ros/humble/lib/libfoo.so', kind=tarfile.SYMTYPE,
                 mode=0o777, linkname='/usr/lib/libfoo.so.1'), None),
        (_member('./opt/ros/humble/lib/libfoo.so.2', kind=tarfile.LNKTYPE,
                 linkname='./opt/ros/humble/lib/libfoo.so.1'), None),
        (_member('./opt/ros/humble/share/foo.log', mode=0o640, gid=4,
                 gname='adm'), b'log'),
    ])
    entry = read_deb(deb, expected=EXPECTED)
    assert entry['package'] == 'ros-humble-foo'


def _zeros(name, size):
    return _member(name), bytes(size)


@pytest.mark.parametrize('compression', [None, 'xz', 'zst'])
def test_a_data_part_over_its_bound_is_refused_at_its_header(
        tmp_path, monkeypatch, compression):
    # 4 GiB of zeros are 625 KB of xz and less of zstd: python-debian
    # decompressed a zstd part whole into memory, tarfile skipped an xz
    # one by decompressing it (8 s for those 4 GiB); the bound stops at
    # the header of the member that crosses it
    monkeypatch.setattr(publish_rules, 'MAX_DATA_SIZE', 2 ** 20)
    deb = _expected_deb(tmp_path)
    with_data_members(deb, [_zeros('./opt/ros/humble/share/foo/zeros',
                                   32 * 2 ** 20)], compression=compression)
    if compression:
        assert deb.stat().st_size < 2 ** 20
    with pytest.raises(RejectedOutput, match=(
            f'refusing {deb.name}: its data.tar\\S* unpacks to more than '
            '1 MiB or 500000 files')):
        read_deb(deb, expected=EXPECTED)


def test_a_data_part_of_too_many_files_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(publish_rules, 'MAX_MEMBERS', 10)
    deb = _expected_deb(tmp_path)
    with_data_members(deb, [
        (_member(f'./opt/ros/humble/share/foo/{i}'), b'')
        for i in range(20)], compression='xz')
    with pytest.raises(RejectedOutput, match='or 10 files'):
        read_deb(deb, expected=EXPECTED)


def test_a_control_part_over_its_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(publish_rules, 'MAX_CONTROL_SIZE', 2 ** 20)
    deb = _expected_deb(
        tmp_path, extra_control='X-Padding: ' + 'x' * 2 ** 21 + '\n')
    with pytest.raises(RejectedOutput, match=(
            'its control.tar.xz unpacks to more than 1 MiB')):
        read_deb(deb, expected=EXPECTED)


def test_zstd_packages_within_their_bounds_are_read(tmp_path):
    # Ubuntu's dpkg-deb compresses with zstd
    deb = _deb_of_tree(tmp_path, 'opt/ros/humble/data', text='data\n',
                       options=['-Zzstd'])
    entry = read_deb(deb, expected=EXPECTED)
    assert entry['control']['Package'] == 'ros-humble-foo'
    with_data_members(deb, [(_member('./opt/ros/humble/dev', mode=0o666,
                                     kind=tarfile.CHRTYPE), None)],
                      compression='zst')
    with pytest.raises(RejectedOutput, match='is a device node'):
        read_deb(deb, expected=EXPECTED)

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The verified apt cache admits exactly the files Debian's indexes name."""

import hashlib

from colcon_deb_docker.apt_cache import archive_name
from colcon_deb_docker.apt_cache import index_digests
from colcon_deb_docker.apt_cache import VerifiedAptCache


def _stanza(package, version, arch, filename, content):
    return (f'Package: {package}\nVersion: {version}\n'
            f'Installed-Size: 1\nArchitecture: {arch}\n'
            f'Filename: {filename}\nSize: {len(content)}\n'
            f'SHA256: {hashlib.sha256(content).hexdigest()}\n\n').encode()


def test_a_version_with_an_epoch_is_admitted_under_apt_naming(tmp_path):
    # apt stores libspdlog-dev 1:1.10.0+ds-0.4 as
    # libspdlog-dev_1%3a1.10.0+ds-0.4_amd64.deb, while the pool file has
    # no epoch: such downloads were never cached
    spdlog, catkin, other = b'spdlog deb', b'catkin deb', b'other deb'
    index = (
        _stanza('libspdlog-dev', '1:1.10.0+ds-0.4', 'amd64',
                'pool/main/s/spdlog/libspdlog-dev_1.10.0+ds-0.4_amd64.deb',
                spdlog) +
        _stanza('catkin', '0.8.10-9', 'all',
                'pool/main/c/catkin/catkin_0.8.10-9_all.deb', catkin) +
        _stanza('libfoo1', '2.0-1', 'amd64',
                'pool/main/f/foo/libfoo1_2.0-1_amd64.deb', other))
    staging = tmp_path / 'staging'
    staging.mkdir()
    (staging / 'libspdlog-dev_1%3a1.10.0+ds-0.4_amd64.deb').write_bytes(
        spdlog)
    (staging / 'catkin_0.8.10-9_all.deb').write_bytes(catkin)
    # a file with a real name but other content is still dropped
    (staging / 'libfoo1_2.0-1_amd64.deb').write_bytes(b'planted')
    cache = VerifiedAptCache(path=tmp_path / 'cache',
                             read_indexes=lambda: index)
    cache.path.mkdir()
    admitted, rejected = cache.admit(staging)
    assert admitted == ['catkin_0.8.10-9_all.deb',
                        'libspdlog-dev_1%3a1.10.0+ds-0.4_amd64.deb']
    assert rejected == ['libfoo1_2.0-1_amd64.deb']
    assert (cache.path / admitted[1]).read_bytes() == spdlog


def test_apt_file_names_quote_what_apt_quotes():
    assert archive_name(package='a', version='1:2.0~rc1+x_y',
                        architecture='all',
                        filename='pool/a_2.0~rc1+x_y_all.deb') == \
        'a_1%3a2.0~rc1+x%5fy_all.deb'
    digests = index_digests(
        _stanza('libspdlog1', '1:1.10.0+ds-0.4', 'amd64',
                'pool/main/s/spdlog/libspdlog1_1.10.0+ds-0.4_amd64.deb', b'x'))
    assert set(digests) == {'libspdlog1_1.10.0+ds-0.4_amd64.deb',
                            'libspdlog1_1%3a1.10.0+ds-0.4_amd64.deb'}

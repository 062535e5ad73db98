"""Defects found by reading the code, each fixed and kept fixed."""

import argparse
import logging
import os
import subprocess
import sys

from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.errors import EngineUnreachable
from colcon_deb_docker.package_checks import search_paths
from colcon_deb_docker.repository_signing import RepositorySigner
from colcon_deb_docker.repository_signing import SigningError
import pytest


def test_paths_are_where_unidentified_packages_are_searched():
    # `--paths a b` must not report every other package.xml as dropped
    args = argparse.Namespace(paths=['src/a', 'src/b'], base_paths=['.'])
    assert search_paths(args) == ['src/a', 'src/b']
    assert search_paths(argparse.Namespace(
        paths=None, base_paths=['ws'])) == ['ws']
    assert search_paths(argparse.Namespace()) == ['.']


def test_ssh_engine_without_paramiko_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'paramiko', None)  # import fails
    with pytest.raises(EngineUnreachable) as error:
        DockerEngine(base_url='ssh://builder@arm64-box')
    assert 'ssh:// engines need the paramiko module' in str(error.value)
    assert "pip install 'colcon-deb-docker[ssh]'" in str(error.value)


@pytest.fixture
def two_keys(tmp_path, monkeypatch):
    home = tmp_path / 'gnupg'
    home.mkdir(mode=0o700)
    monkeypatch.setenv('GNUPGHOME', str(home))
    for name in ('alice', 'malice'):
        subprocess.run(
            ['gpg', '--batch', '--passphrase', '', '--quick-gen-key',
             f'{name} <{name}@example.com>', 'ed25519', 'sign', 'never'],
            check=True, capture_output=True)
    yield home
    subprocess.run(['gpgconf', '--kill', 'gpg-agent'], check=False,
                   env={**os.environ, 'GNUPGHOME': str(home)})


def test_sign_key_names_one_key_exactly(two_keys):
    alice = RepositorySigner(key_id='alice@example.com')
    assert 'alice@example.com' in ' '.join(
        k['uids'][0] for k in alice.gpg.list_keys(secret=True)
        if k['fingerprint'] == alice.fingerprint)
    assert RepositorySigner(key_id=alice.fingerprint[-16:]).fingerprint \
        == alice.fingerprint
    # a substring names no key (it used to pick whichever came first)
    for partial in ('lice@example.com', 'alice', 'example.com'):
        with pytest.raises(SigningError, match='no secret key'):
            RepositorySigner(key_id=partial)


def test_key_material_given_as_sign_key_file_is_never_echoed(tmp_path):
    # CI's classic slip: --sign-key-file "$SIGNING_KEY" passes the secret
    # itself; the error used to print it into the job's log
    secret = ('-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgEawTG4hYJKwYBBAH'
              'aRw8BAQdA4oG0TPP1fXrlGZ\n-----END PGP PRIVATE KEY BLOCK-----')
    with pytest.raises(SigningError) as error:
        RepositorySigner(key_file=secret, record=tmp_path / 'record')
    assert 'lFgEawTG4hYJ' not in str(error.value)
    assert 'key material itself (not shown)' in str(error.value)
    # a missing file is still named
    with pytest.raises(SigningError, match='missing.asc: No such file'):
        RepositorySigner(key_file=tmp_path / 'missing.asc')


@pytest.mark.parametrize('url', ['nonsense://x', 'htp://builder:2376'])
def test_a_mistyped_engine_address_is_not_told_to_start_an_engine(url):
    # it used to end in "...: Invalid bind address protocol: nonsense://x;
    # start the engine (e.g. `sudo systemctl start docker` ...)"
    with pytest.raises(EngineUnreachable) as error:
        DockerEngine(base_url=url)
    assert str(error.value) == (
        f'cannot reach the Docker engine at {url}: not an engine address; '
        'give one like unix:///var/run/docker.sock, tcp://HOST:2376 or '
        'ssh://USER@HOST')


def test_a_key_file_without_a_key_is_one_error_and_no_gpg_warning(
    tmp_path, caplog,
):
    # python-gnupg's own warning ("gpg returned a non-zero error code: 2")
    # used to reach the console beside this module's error
    key_file = tmp_path / 'garbage.key'
    key_file.write_text('garbage\n')
    with caplog.at_level(logging.WARNING):
        with pytest.raises(SigningError, match='no secret key in it'):
            RepositorySigner(key_file=str(key_file))
    assert [r.getMessage() for r in caplog.records
            if r.name.startswith('gnupg')] == []

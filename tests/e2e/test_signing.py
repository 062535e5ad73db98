"""Signed repositories: apt verifies them without trusted=yes."""

import os
from pathlib import Path
import subprocess
import tempfile
import time

from colcon_deb_docker.repository.indexes import release_valid_until
from e2e_support import data_package
from e2e_support import run_script


def _make_key(home, uid, gid):
    home.mkdir(mode=0o700)
    env = {**os.environ, 'GNUPGHOME': str(home)}
    subprocess.run(
        ['gpg', '--batch', '--passphrase', '', '--quick-gen-key',
         'colcon deb test <test@example.com>', 'ed25519', 'sign', 'never'],
        env=env, check=True, capture_output=True)
    secret = subprocess.run(
        ['gpg', '--batch', '--armor', '--export-secret-keys',
         'test@example.com'], env=env, check=True,
        capture_output=True).stdout
    subprocess.run(['gpgconf', '--kill', 'gpg-agent'], env=env, check=False)
    for path in [home, *home.rglob('*')]:
        os.lchown(path, uid, gid)
    return secret


def _key_file(workspace):
    """Write a new secret key to a file only the tester reads; its path."""
    key_file = workspace.root / 'signing-key.asc'
    key_file.write_bytes(_make_key(
        workspace.root / 'gnupg', workspace.uid, workspace.gid))
    os.chown(key_file, workspace.uid, workspace.gid)
    os.chmod(key_file, 0o600)
    return key_file


def _apt_install_signed(engine, base_image, repo, package):
    """apt-get update/install with signed-by only; return (rc, output)."""
    return run_script(engine, base_image, f"""
        echo "deb [signed-by=/repo/key.gpg] file:/repo bookworm main" \
            > /etc/apt/sources.list.d/colcon-deb.list
        apt-get update 2>&1 && \
        DEBIAN_FRONTEND=noninteractive apt-get install -y {package} 2>&1
        """, volumes={str(repo): {'bind': '/repo', 'mode': 'ro'}})


def test_signed_repository_installs_without_trusted(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('signed_pkg', data_package('signed_pkg'))
    key_file = _key_file(workspace)

    # a key file: imported into a temporary keyring
    result = workspace.colcon_deb('--sign-key-file', str(key_file))
    repo = workspace.repo
    for name in ('Release', 'Release.gpg', 'InRelease'):
        assert (repo / 'dists' / 'bookworm' / name).is_file(), name
    assert (repo / 'key.gpg').is_file() and (repo / 'key.asc').is_file()
    assert f'deb [signed-by={repo}/key.gpg] file:{repo} bookworm main' \
        in result.stdout
    rc, output = _apt_install_signed(
        engine, base_image, repo, 'ros-humble-signed-pkg')
    print(output)
    assert rc == 0, output
    assert 'Setting up ros-humble-signed-pkg' in output
    assert 'NO_PUBKEY' not in output and 'not signed' not in output

    # the secret never appears in a log
    body = key_file.read_text().splitlines()[3]
    for log in (workspace.root / 'log').rglob('*'):
        if log.is_file():
            assert body not in log.read_text(errors='replace'), log
    assert not list(Path(tempfile.gettempdir()).glob('colcon-deb-gnupg-*'))

    # a key id from the user's keyring ($GNUPGHOME)
    (workspace.root / 'src' / 'signed_pkg' / 'data.txt').write_text('2\n')
    cmd_env = {'GNUPGHOME': str(workspace.root / 'gnupg')}
    result = workspace.colcon_deb(
        '--sign-key', 'test@example.com', extra_env=cmd_env)
    rc, output = _apt_install_signed(
        engine, base_image, repo, 'ros-humble-signed-pkg')
    assert rc == 0, output

    # apt refuses the repository once the Release no longer matches
    release = repo / 'dists' / 'bookworm' / 'Release'
    release_text = release.read_text()
    inrelease = repo / 'dists' / 'bookworm' / 'InRelease'
    inrelease.write_text(inrelease.read_text().replace(
        'Packages built by colcon deb', 'Packages tampered with'))
    rc, output = _apt_install_signed(
        engine, base_image, repo, 'ros-humble-signed-pkg')
    assert rc != 0
    assert 'BADSIG' in output or 'invalid' in output.lower(), output
    assert release.read_text() == release_text


def test_a_release_past_its_validity_is_refused_until_a_run_renews_it(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('valid_pkg', data_package('valid_pkg'))
    sign = ('--sign-key-file', str(_key_file(workspace)))
    repo = workspace.repo
    dists = repo / 'dists' / 'bookworm'

    # valid for a few seconds: once they are over, apt refuses it (a
    # server holding clients on an old signed state is found out)
    workspace.colcon_deb(*sign, '--valid-for', '4s')
    valid_until = release_valid_until(dists)
    assert valid_until is not None
    time.sleep(max(0, valid_until - time.time()) + 1)
    rc, output = _apt_install_signed(
        engine, base_image, repo, 'ros-humble-valid-pkg')
    assert rc != 0 and 'is expired' in output, output

    # the next run builds nothing, yet signs the Release again
    result = workspace.colcon_deb(*sign, '--valid-for', '1d')
    assert 'its Release is valid until' in result.stdout, result.stdout
    assert 'run colcon deb at least every 12h to renew it' in result.stdout
    assert release_valid_until(dists) > time.time() + 86000
    rc, output = _apt_install_signed(
        engine, base_image, repo, 'ros-humble-valid-pkg')
    assert rc == 0 and 'Setting up ros-humble-valid-pkg' in output, output

    # a Release with most of its validity left stays as it is
    snapshot = dists.resolve()
    workspace.colcon_deb(*sign, '--valid-for', '1d')
    assert dists.resolve() == snapshot


def test_unknown_sign_key_is_a_clear_error(make_workspace, base_image):
    workspace = make_workspace([])
    workspace.add_package('signed_pkg', data_package('signed_pkg'))
    home = workspace.root / 'empty-gnupg'
    home.mkdir(mode=0o700)
    os.chown(home, workspace.uid, workspace.gid)
    result = workspace.colcon_deb(
        '--sign-key', 'nobody@example.com', check=False,
        extra_env={'GNUPGHOME': str(home)})
    assert result.returncode == 1
    assert "colcon deb: error: no secret key 'nobody@example.com' in the " \
        'GnuPG keyring' in result.stdout
    assert 'Traceback' not in result.stdout

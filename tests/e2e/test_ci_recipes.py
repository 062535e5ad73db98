"""The CI recipes in docs/ci/ run here, command by command.

Only what belongs to the hosting service is replaced: `uses:` steps are
left out, secrets come from a key made here, `sudo` is a no-op shim (the
suite runs as root), the plugin is installed from this checkout, and the
GitLab job's Docker-in-Docker service is the second engine over TCP, which
shares no files with the job, like dind.
"""

import os
from pathlib import Path
import shutil
import subprocess
import time

from colcon_deb_docker.repository.indexes import release_label
from colcon_deb_docker.repository.indexes import release_valid_until
from e2e_support import data_package
from e2e_support import SECOND_ENGINE_TCP
from test_signing import _apt_install_signed
from test_signing import _make_key
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
RECIPES = REPO_ROOT / 'docs' / 'ci'


def _workspace(tmp_path):
    root = tmp_path / 'ws'
    for name, text in data_package('ci_pkg').items():
        path = root / 'src' / 'ci_pkg' / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _environment(tmp_path):
    shims = tmp_path / 'shims'
    shims.mkdir()
    (shims / 'sudo').write_text('#!/bin/sh\nexec "$@"\n')
    (shims / 'sudo').chmod(0o755)
    key = _make_key(tmp_path / 'gnupg', 0, 0).decode()
    env = {k: v for k, v in os.environ.items()
           if k not in ('DOCKER_HOST', 'GNUPGHOME')}
    env['PATH'] = f'{shims}:{env["PATH"]}'
    return env, key


def _run(script, env, cwd):
    result = subprocess.run(
        ['sh', '-ec', script], env=env, cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    print(result.stdout[-4000:])
    assert result.returncode == 0, script


def _check_repository(engine, base_image, repo):
    for arch in ('amd64', 'arm64'):
        packages = (repo / 'dists' / 'bookworm' / 'main' /
                    f'binary-{arch}' / 'Packages').read_text()
        assert 'Package: ros-humble-ci-pkg\n' in packages
    assert (repo / 'dists' / 'bookworm' / 'InRelease').is_file()
    # the name apt follows it by, the same in every run of the recipe
    assert release_label(repo, 'bookworm') == 'acme-robot-debs'
    rc, output = _apt_install_signed(
        engine, base_image, repo, 'ros-humble-ci-pkg')
    assert rc == 0, output


def test_github_actions_recipe(tmp_path, engine, base_image):
    doc = yaml.safe_load((RECIPES / 'github-actions.yml').read_text())
    workspace = _workspace(tmp_path)
    env, key = _environment(tmp_path)
    env.update({k: str(v) for k, v in doc['env'].items()})
    env['COLCON_DEB_DOCKER_PIP'] = str(REPO_ROOT)
    runner_temp = tmp_path / 'runner'
    runner_temp.mkdir()
    github_path = tmp_path / 'github_path'
    github_path.touch()
    env.update({'RUNNER_TEMP': str(runner_temp),
                'GITHUB_PATH': str(github_path)})
    steps = [s for s in doc['jobs']['debs']['steps'] if 'run' in s]
    assert [s['name'] for s in steps] == ['tools', 'base images', 'build']
    for step in steps:
        step_env = dict(env)
        for name, value in step.get('env', {}).items():
            step_env[name] = key if 'secrets.' in value else value
        _run(step['run'], step_env, workspace)
        added = github_path.read_text().split()
        env['PATH'] = ':'.join([*added, env['PATH']])
    _check_repository(engine, base_image, workspace / 'repo')
    assert not (runner_temp / 'signing-key.asc').exists()
    # --valid-for 7d: the nightly run renews it
    valid_until = release_valid_until(
        workspace / 'repo' / 'dists' / 'bookworm')
    assert time.time() + 6.9 * 86400 < valid_until < \
        time.time() + 7 * 86400 + 60


def test_gitlab_ci_recipe(tmp_path, engine, base_image, second_engine):
    doc = yaml.safe_load((RECIPES / 'gitlab-ci.yml').read_text())['debs']
    workspace = _workspace(tmp_path)
    env, key = _environment(tmp_path)
    env.update({k: str(v) for k, v in doc['variables'].items()})
    env['COLCON_DEB_DOCKER_PIP'] = str(REPO_ROOT)
    env['DOCKER_HOST'] = SECOND_ENGINE_TCP  # the dind service
    env['DEB_SIGNING_KEY'] = key
    assert doc['cache']['paths'] == ['repo/', 'build_deb/']
    venv = Path('/opt/venv')
    script = '\n'.join(doc['before_script'] + doc['script'])
    repo = workspace / 'repo'
    try:
        _run(script, env, workspace)
        _check_repository(engine, base_image, repo)
        assert not Path('/tmp/signing-key.asc').exists()
        published = sorted(p.name for p in repo.rglob('*.deb'))
        # the next job gets both back from the cache; as a copy that
        # followed the dists/bookworm link, the worst a cache can do
        for name in doc['cache']['paths']:
            kept = workspace / name.rstrip('/')
            shutil.copytree(kept, tmp_path / 'cache' / name, symlinks=False)
            shutil.rmtree(kept)
            shutil.move(tmp_path / 'cache' / name, kept)
        assert not (repo / 'dists' / 'bookworm').is_symlink()
        # the job's own steps again (the tools of its image are there)
        _run('\n'.join(['export PATH=/opt/venv/bin:$PATH'] + doc['script']),
             env, workspace)
    finally:
        subprocess.run(['rm', '-rf', str(venv)], check=False)
    # the same files: nothing was built again, and the link is back
    assert sorted(p.name for p in repo.rglob('*.deb')) == published
    assert (repo / 'dists' / 'bookworm').is_symlink()
    log = workspace / 'log' / 'latest_deb' / 'logger_all.log'
    assert 'restored: dists/bookworm was a directory holding the files ' \
        'of snapshot' in log.read_text()
    _check_repository(engine, base_image, repo)

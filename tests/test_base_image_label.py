"""colcon-deb-base-image labels what it makes: every file from a package.

The builder image of such a base image counts by its packages only (see
builder_image.py); the label is what tells it so.
"""

from pathlib import Path
from types import SimpleNamespace

from colcon_deb_docker import base_image
from colcon_deb_docker.base_image import CONTENT_LABEL
from colcon_deb_docker.base_image import CONTENT_LABEL_VALUE
from colcon_deb_docker.base_image import make_base_image
from colcon_deb_docker.builder_image import content_digest


class _Engine:
    """Records how the image is made; debootstrap and tar are not run."""

    def __init__(self):
        self.imported = None
        self.built = None
        self.client = SimpleNamespace(
            api=SimpleNamespace(import_image=self._import),
            images=SimpleNamespace(build=self._build))

    def _import(self, **kwargs):
        self.imported = kwargs

    def _build(self, *, path, **kwargs):
        self.built = (Path(path) / 'Dockerfile').read_text()

    def image_id(self, tag):
        return 'sha256:' + '0' * 64


def _fake_tools(monkeypatch, native):
    def run(cmd, **kwargs):
        if cmd[0] == 'tar':
            Path(cmd[cmd.index('-cf') + 1]).write_bytes(b'')
    monkeypatch.setattr(base_image.os, 'geteuid', lambda: 0)
    monkeypatch.setattr(base_image.shutil, 'which', lambda name: name)
    monkeypatch.setattr(base_image.subprocess, 'run', run)
    monkeypatch.setattr(
        base_image, 'native_architecture', lambda engine: native)


def test_an_imported_base_image_says_it_holds_packages_only(monkeypatch):
    _fake_tools(monkeypatch, 'amd64')
    engine = _Engine()
    make_base_image(engine=engine, tag='local/debian:bookworm',
                    suite='bookworm', mirror='http://mirror', log=print)
    assert engine.imported['changes'] == [
        f'LABEL {CONTENT_LABEL}={CONTENT_LABEL_VALUE}']


def test_a_foreign_base_image_says_so_too(monkeypatch):
    _fake_tools(monkeypatch, 'amd64')
    engine = _Engine()
    make_base_image(engine=engine, tag='local/debian:bookworm-arm64',
                    suite='bookworm', mirror='http://mirror', arch='arm64',
                    log=print)
    assert f'LABEL {CONTENT_LABEL}={CONTENT_LABEL_VALUE}\n' in engine.built


def test_the_content_counts_the_packages_and_the_install_script():
    packages = 'a' * 64
    by_packages = content_digest(install_script=b'x', image_digest=packages)
    assert by_packages == content_digest(
        install_script=b'x', image_digest=packages)
    assert by_packages != content_digest(
        install_script=b'x', image_digest='b' * 64)
    assert by_packages != content_digest(
        install_script=b'y', image_digest=packages)
    # no digest read (an image without sha256sum): the tag counts instead
    assert content_digest(install_script=b'x', image_digest='') == ''

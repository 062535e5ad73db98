# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Which local image a remote engine gets, under which name."""

from types import SimpleNamespace

from colcon_deb_docker.image_copies import LocalImages
import docker.errors
import pytest


class _Images:

    def __init__(self, images):
        self.images = images
        self.loaded = []

    def get(self, name):
        try:
            return self.images[name]
        except KeyError:
            raise docker.errors.ImageNotFound(name) from None

    def load(self, data):
        self.loaded.append(data)


def _engine(url, images):
    tags = []
    images = _Images(images)
    return SimpleNamespace(
        base_url=url, tags=tags, images=images,
        has_image=lambda name: name in images.images,
        client=SimpleNamespace(images=images, api=SimpleNamespace(
            tag=lambda *args: tags.append(args))))


def _image(image_id, arch, variant=None):
    attrs = {'Architecture': arch, 'Size': 3 << 20}
    if variant:
        attrs['Variant'] = variant
    return SimpleNamespace(id=image_id, attrs=attrs,
                           save=lambda named: f'tar of {image_id}')


def test_a_native_remote_engine_gets_the_local_image_of_its_architecture():
    local = _engine('unix:///var/run/docker.sock', {
        'local/debian:bookworm': _image('sha256:amd', 'amd64'),
        'local/debian:bookworm-arm64': _image('sha256:arm', 'arm64')})
    remote = _engine('ssh://pi', {})
    copies = LocalImages(local=local)
    assert copies.copy_missing(
        target=remote, name='local/debian:bookworm', arch='arm64',
        candidates=['local/debian:bookworm-arm64'])
    # the arm64 one, under the name the remote engine looks for
    assert remote.images.loaded == ['tar of sha256:arm']
    assert remote.tags == [('sha256:arm', 'local/debian', 'bookworm')]
    # an armhf engine: no local image of that architecture, no copy
    assert not copies.copy_missing(
        target=remote, name='local/debian:bookworm', arch='armhf',
        candidates=['local/debian:bookworm-armhf'])


def test_nothing_is_copied_to_an_engine_that_has_it_or_is_the_local_one():
    image = _image('sha256:amd', 'amd64')
    local = _engine('unix:///var/run/docker.sock', {'b:1': image})
    copies = LocalImages(local=local)
    assert copies.copy_missing(target=local, name='b:1', arch='amd64')
    assert not copies.copy_missing(target=local, name='b:2', arch='amd64')
    remote = _engine('tcp://far:2376', {'b:1': image})
    assert copies.copy_missing(target=remote, name='b:1', arch='amd64')
    assert local.images.loaded == remote.images.loaded == []


def test_a_failed_copy_is_a_readable_error():
    from colcon_deb_docker.errors import ImageMissing
    local = _engine('unix:///var/run/docker.sock', {
        'b:1': _image('sha256:amd', 'amd64')})
    remote = _engine('tcp://far:2376', {})

    def broken(data):
        raise docker.errors.APIError('no space left on device')
    remote.client.images.load = broken
    with pytest.raises(ImageMissing, match=(
            r"image 'b:1' is not available .* copying it from the local "
            r'engine to tcp://far:2376 failed: no space left on device')):
        LocalImages(local=local).copy_missing(
            target=remote, name='b:1', arch='amd64')

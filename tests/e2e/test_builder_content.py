"""A base image made anew with the same content leaves packages up to date.

A CI job makes its base image with debootstrap in every run: a new image
id, so a new builder image tag.  The packages' fingerprints count the
builder image by its content (its packages and its apt indexes), so what
was built before stays built, under its version, until the content
changes.
"""

import json
import secrets
import subprocess

from colcon_deb_docker.base_image import CONTENT_LABEL
from colcon_deb_docker.base_image import CONTENT_LABEL_VALUE
from colcon_deb_docker.builder_image import builder_tag
from colcon_deb_docker.builder_image import DOCKERFILE
from colcon_deb_docker.builder_image import INSTALL_SCRIPT
from colcon_deb_docker.builder_image import prepare_builder_image
from colcon_deb_docker.helpers_path import helpers_dir
from e2e_support import BASE_IMAGE
from e2e_support import colcon_command
from e2e_support import data_package
from e2e_support import report


def _copy(engine, image, tag, script=None, changes=()):
    """Commit a container of `image` as `tag`: same content, a new id.

    With `script`, what it changed is part of the copy.
    """
    repository, name = tag.rsplit(':', 1)
    container = engine.client.containers.create(
        image, command=['sh', '-c', script or 'true'], network_mode='none')
    try:
        if script:
            container.start()
            assert container.wait()['StatusCode'] == 0
        return container.commit(
            repository=repository, tag=name, changes=list(changes)).id
    finally:
        container.remove(force=True)


def _remade(engine, builder, suffix, script=None, by_base_image_tool=True):
    """Return a base image "made anew", with its builder image made too.

    The base image is a copy of the test's base image (a new id), with the
    label colcon-deb-base-image gives the images it makes (or, when not
    `by_base_image_tool`, without); its builder image, which colcon deb looks
    up by a tag computed from that id, is a copy of the existing builder
    image, changed by `script`.
    """
    base = f'{BASE_IMAGE}-remade-{suffix}'
    value = CONTENT_LABEL_VALUE if by_base_image_tool else 'other'
    base_id = _copy(engine, BASE_IMAGE, base,
                    changes=[f'LABEL {CONTENT_LABEL}={value}'])
    tag = builder_tag(
        base_image_id=base_id, dockerfile=DOCKERFILE.format(base_image=base),
        install_script=(helpers_dir() / INSTALL_SCRIPT).read_bytes())
    assert tag != builder.tag
    _copy(engine, builder.tag, tag, script)
    return base, tag


def _colcon_deb(workspace, base, *args):
    cmd, kwargs = colcon_command(workspace, *args)
    cmd[cmd.index(BASE_IMAGE)] = base
    result = subprocess.run(
        cmd, **kwargs, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    print(result.stdout)
    assert result.returncode == 0, result.stdout[-3000:]
    return result


def test_a_base_image_made_anew_with_the_same_content_rebuilds_nothing(
    make_workspace, engine, base_image,
):
    workspace = make_workspace([])
    workspace.add_package('content_pkg', data_package('content_pkg'))
    builder = prepare_builder_image(engine=engine, base_image=base_image)
    suffix = secrets.token_hex(4)
    made = []
    try:
        first, tag = _remade(engine, builder, suffix)
        made += [first, tag]
        _colcon_deb(workspace, first)
        assert report(workspace)['content_pkg']['status'] == 'built'
        debs = workspace.debs()
        manifest = json.loads(
            (workspace.repo / 'dists/bookworm/manifest.json').read_text())
        provenance = manifest['debs'][0]['provenance']
        assert provenance['builder_image'] == tag
        assert provenance['builder_content'].startswith('content:')

        # made anew: the same packages and apt indexes under new ids
        again, tag = _remade(engine, builder, suffix + '-again')
        made += [again, tag]
        _colcon_deb(workspace, again)
        assert report(workspace)['content_pkg']['status'] == 'up to date'
        assert workspace.debs() == debs

        # the mirror moved on (another Release in the apt indexes): the
        # package is built again
        changed, tag = _remade(
            engine, builder, suffix + '-changed',
            'for f in /var/lib/apt/lists/*Release; do echo >> "$f"; done')
        made += [changed, tag]
        result = _colcon_deb(workspace, changed, '--dry-run')
        assert 'changed: option builder_image' in result.stdout

        # a base image colcon-deb-base-image did not make may hold files
        # no package list shows: its id counts, as before
        other, tag = _remade(
            engine, builder, suffix + '-other', by_base_image_tool=False)
        made += [other, tag]
        result = _colcon_deb(workspace, other, '--dry-run')
        assert 'changed: option builder_image' in result.stdout
    finally:
        for image in made:
            engine.client.images.remove(image, force=True)

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Image builds fetch through the host's proxy, as its containers do.

The docker CLI hands its configured proxies to an image build; the Docker
SDK does not: without build arguments the builder image's and the
dependency images' apt went around the proxy, and failed where only the
proxy leads out.
"""

from types import SimpleNamespace

from colcon_deb_docker import engines
from colcon_deb_docker.builder_image import build_image
from colcon_deb_docker.session import ENVIRONMENT_ALLOW_LIST


def test_an_image_build_gets_the_proxy_as_build_arguments():
    calls = []

    def build(**kwargs):
        calls.append(kwargs)
        return iter([{'stream': 'Step 1/1 : FROM x\n'}])

    engine = SimpleNamespace(client=SimpleNamespace(
        api=SimpleNamespace(build=build)))
    build_image(engine=engine, tag='t', files={'Dockerfile': b'FROM x\n'},
                platform=None, on_line=None,
                build_arguments={'http_proxy': 'http://proxy:3128'})
    build_image(engine=engine, tag='t', files={'Dockerfile': b'FROM x\n'},
                platform=None, on_line=None)
    assert calls[0]['buildargs'] == {'http_proxy': 'http://proxy:3128'}
    assert 'buildargs' not in calls[1]


def test_the_builder_image_gets_the_allow_listed_environment(
    monkeypatch, tmp_path
):
    seen = []
    monkeypatch.setattr(
        engines, 'prepare_builder_image',
        lambda **kwargs: seen.append(kwargs['build_arguments']) or
        SimpleNamespace(architecture='amd64', os_name='debian',
                        os_codename='bookworm', tag='b'))
    monkeypatch.setattr(engines, 'native_architecture', lambda e: 'amd64')
    monkeypatch.setattr(engines, 'get_log_path', lambda: tmp_path)
    for name in ENVIRONMENT_ALLOW_LIST:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('https_proxy', 'http://proxy:3128')
    monkeypatch.setenv('SECRET_TOKEN', 'not for an image')
    engines.prepare_builders({'amd64': object()}, 'local/debian:bookworm')
    assert seen == [{'https_proxy': 'http://proxy:3128'}]

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""apt's archives come out of a build only when apt downloaded something.

A build from a dependency image and sibling .debs downloads nothing; the
copy of apt's archive directory cost the engine 0.05 s a build for no
file.  The build-deps step says how many archives apt downloaded, and the
host copies them out only when that is not 0.  Fakes of the SDK's
container (only what run_created calls); the copy itself is covered end to
end (the verified apt cache fills from builds without dependency images).
"""

from types import SimpleNamespace

from colcon_deb_docker import contract
from colcon_deb_docker.container import DockerEngine
from colcon_deb_docker.container_spec import Download
from colcon_deb_docker.task.build_output import BuildOutput
from colcon_deb_docker.task.package_build import PackageBuild
import docker.errors


class FakeContainer:
    """An ended container that records what is copied out of it."""

    def __init__(self, downloads):
        self.id = self.name = 'fake'
        self.attrs = {'State': {'OOMKilled': False}}
        self.colcon_deb_downloads = downloads
        self.copied = []

    def start(self):
        pass

    def wait(self):
        return {'StatusCode': 0}

    def get_archive(self, path):
        self.copied.append(path)
        raise docker.errors.NotFound('nothing there')

    def remove(self, force=False, v=False):
        pass


class FakeClient:

    api = SimpleNamespace(attach=lambda *a, **k: iter([(b'built\n', None)]))


def _output():
    task = SimpleNamespace(
        progress=lambda text: None,
        context=SimpleNamespace(put_event_into_queue=lambda event: None))
    return BuildOutput(task=task, result=SimpleNamespace(
        steps={}, timeline=[]))


def _build(output):
    build = PackageBuild.__new__(PackageBuild)
    build.output = output
    return build


def _downloads(tmp_path):
    return [Download(contract.OUT, str(tmp_path / 'out')),
            Download(contract.APT_ARCHIVES, str(tmp_path / 'apt'))]


def _line(message):
    return ('::colcon-deb:: {"step": "build-deps", "status": "downloads", '
            f'"message": "{message}"}}')


def test_no_apt_download_is_not_copied_out(tmp_path):
    output = _output()
    output.on_line(_line('0'), False)
    assert output.apt_downloads == 0
    container = FakeContainer(_downloads(tmp_path))
    DockerEngine(client=FakeClient()).run_created(
        container, skip_download=_build(output)._nothing_downloaded)
    # the .debs always come out
    assert container.copied == [contract.OUT]


def test_apt_downloads_are_copied_out(tmp_path):
    output = _output()
    output.on_line(_line('3'), False)
    container = FakeContainer(_downloads(tmp_path))
    DockerEngine(client=FakeClient()).run_created(
        container, skip_download=_build(output)._nothing_downloaded)
    assert container.copied == [contract.OUT, contract.APT_ARCHIVES]


def test_a_build_that_said_nothing_or_nonsense_is_copied_out(tmp_path):
    """It failed before its build dependencies, or printed garbage."""
    for lines in ([], [_line('many')]):
        output = _output()
        for line in lines:
            output.on_line(line, False)
        assert output.apt_downloads is None
        container = FakeContainer(_downloads(tmp_path))
        DockerEngine(client=FakeClient()).run_created(
            container, skip_download=_build(output)._nothing_downloaded)
        assert container.copied == [contract.OUT, contract.APT_ARCHIVES]

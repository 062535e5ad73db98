"""Cross-architecture: arm64 under QEMU on this amd64 engine.

Emulated builds are about ten times slower, so the workspace stays small:
a C++ library, an executable using it, and one architecture-independent
package.
"""

from pathlib import Path
import subprocess
import time

from e2e_support import BASE_IMAGE
from e2e_support import created_containers
from e2e_support import data_package
from e2e_support import install_and_run

FOREIGN = 'arm64'
BINFMT = Path('/proc/sys/fs/binfmt_misc/qemu-aarch64')
PACKAGE_LABEL = 'io.colcon-deb-docker.package'
ELF_MACHINES = {0x3E: 'x86-64', 0xB7: 'AArch64'}


def _elf_machine(path):
    data = path.read_bytes()[:20]
    assert data[:4] == b'\x7fELF', path
    return ELF_MACHINES.get(int.from_bytes(data[18:20], 'little'))


def _packages(repo, arch):
    return (repo / 'dists' / 'bookworm' / 'main' / f'binary-{arch}' /
            'Packages').read_text()


def test_amd64_and_arm64_in_one_repository(
    make_workspace, engine, base_image, tmp_path,
):
    workspace = make_workspace(['demo_geometry', 'demo_tools'])
    files = data_package('arch_data')
    files['package.xml'] = files['package.xml'].replace(
        '<export>', '<export><architecture_independent/>')
    workspace.add_package('arch_data', files)

    result = workspace.colcon_deb(
        '--arch', 'amd64', '--arch', FOREIGN,
        '--executor', 'parallel', '--parallel-workers', '2')
    assert 'QEMU emulation' in result.stdout  # warned once
    repo = workspace.repo
    debs = workspace.bloom_debs()
    for arch in ('amd64', FOREIGN):
        assert f'ros-humble-demo-tools_1.0.0-0bookworm_{arch}.deb' in debs
        packages = _packages(repo, arch)
        assert 'Package: ros-humble-demo-tools\n' in packages
        # the Architecture: all package, built once, listed for both
        assert 'Package: ros-humble-arch-data\n' in packages
    assert 'ros-humble-arch-data_0.1.0-0bookworm_all.deb' in debs
    assert not [d for d in debs if d.startswith('ros-humble-arch-data_')
                and not d.endswith('_all.deb')]
    release = (repo / 'dists' / 'bookworm' / 'Release').read_text()
    assert 'Architectures: amd64 arm64' in release

    # the binaries are what they claim to be
    for arch, machine in (('amd64', 'x86-64'), (FOREIGN, 'AArch64')):
        [deb] = repo.glob(
            f'pool/main/*/ros-humble-demo-tools_1.0.0-0bookworm.*_{arch}.deb')
        root = tmp_path / arch
        subprocess.run(['dpkg-deb', '-x', str(deb), str(root)], check=True)
        [exe] = root.glob('opt/ros/humble/bin/demo_distance')
        assert _elf_machine(exe) == machine

    # apt installs and runs them on both platforms
    for image in (base_image, f'{BASE_IMAGE}-{FOREIGN}'):
        output = install_and_run(
            engine, image, repo, ['ros-humble-demo-tools',
                                  'ros-humble-arch-data'],
            'demo_distance 0 0 3 4; uname -m')
        assert 'distance: 5' in output
    assert 'aarch64' in output

    # nothing changed: every architecture is up to date
    since = time.time()
    result = workspace.colcon_deb('--arch', 'amd64', '--arch', FOREIGN)
    assert not [a for a in created_containers(engine, since, workspace)
                if PACKAGE_LABEL in a]


def test_missing_emulation_fails_fast_with_the_fix(
    make_workspace, engine, base_image,
):
    assert BINFMT.exists(), 'qemu-user-static and binfmt-support needed'
    workspace = make_workspace(['demo_geometry'])
    BINFMT.write_text('0')
    try:
        started = time.monotonic()
        since = time.time()
        result = workspace.colcon_deb('--arch', FOREIGN, check=False)
        elapsed = time.monotonic() - started
    finally:
        BINFMT.write_text('1')
    assert result.returncode == 1
    assert elapsed < 60
    assert f'colcon deb: error: the engine cannot run {FOREIGN} containers' \
        in result.stdout
    assert 'qemu-user-static binfmt-support' in result.stdout
    assert 'update-binfmts --enable qemu-aarch64' in result.stdout
    assert 'Traceback' not in result.stdout
    assert not [a for a in created_containers(engine, since, workspace)
                if PACKAGE_LABEL in a]
    assert workspace.debs() == []


def test_verify_of_a_foreign_only_run_installs_on_that_architecture(
    make_workspace, engine, base_image,
):
    # --arch arm64 alone: --verify must install into an arm64 container
    # (it used the amd64 base image, where no arm64 package installs)
    workspace = make_workspace([])
    workspace.add_package('arm_only', data_package('arm_only'))
    result = workspace.colcon_deb('--arch', FOREIGN, '--verify')
    assert f"in a fresh '{BASE_IMAGE}-{FOREIGN}' container ({FOREIGN})" \
        in result.stdout
    assert 'verify: installed (ros-humble-arm-only)' in result.stdout
    # up to date: --verify still verifies (it used to check nothing)
    again = workspace.colcon_deb('--arch', FOREIGN, '--verify')
    assert 'up to date' in again.stdout
    assert 'verify: installed (ros-humble-arm-only)' in again.stdout

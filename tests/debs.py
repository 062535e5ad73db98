"""Make small real .deb files with dpkg-deb for repository tests."""

from pathlib import Path
import subprocess


def make_deb(directory, *, name, version='1.0.0', arch='amd64',
             depends=None, payload=b'hello\n', extra_control=''):
    """Build `name`_`version`_`arch`.deb in `directory` and return its path."""
    directory = Path(directory)
    root = directory / f'{name}-{version}-{arch}'
    (root / 'DEBIAN').mkdir(parents=True)
    (root / 'usr/share' / name).mkdir(parents=True)
    (root / 'usr/share' / name / 'data').write_bytes(payload)
    control = (f'Package: {name}\nVersion: {version}\n'
               f'Architecture: {arch}\nMaintainer: T <t@example.com>\n'
               'Description: test package\n multi-line\n .\n description\n')
    if depends:
        control += f'Depends: {depends}\n'
    control += extra_control
    (root / 'DEBIAN' / 'control').write_text(control)
    deb = directory / f'{name}_{version}_{arch}.deb'
    subprocess.run(
        ['dpkg-deb', '--root-owner-group', '--build', str(root), str(deb)],
        check=True, stdout=subprocess.DEVNULL)
    return deb

#!/usr/bin/env python3
# Step "shlibs" (build user, in the package's directory; run right after
# dh_shlibdeps by the wrapper build-with-dpkg.sh puts first on PATH):
# close dpkg-shlibdeps' gap for the ROS prefix.  ROS libraries have
# unversioned sonames (librcutils.so) and no shlibs files, so
# dpkg-shlibdeps maps none of them to a package ("can't extract name and
# version from library name").  For every ELF file a binary package
# installs, each NEEDED library that an installed package ships under
# /opt/ros/<distro> becomes `<that package> (>= <its version>)` in
# ${shlibs:Depends}, unless the package already depends on it.  Nothing is
# guessed: the owner is the package dpkg says installed that file.
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from progress import progress  # noqa: E402

ELF_MAGIC = b'\x7fELF'


def binary_packages(control_text):
    """Yield (package name, names in its Depends field) from debian/control."""
    for paragraph in re.split(r'\n\s*\n', control_text):
        fields = {}
        key = None
        for line in paragraph.splitlines():
            if line[:1].isspace() and key:
                fields[key] += ' ' + line.strip()
            elif ':' in line:
                key, value = line.split(':', 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if 'package' in fields:
            depends = {
                re.split(r'[\s(:]', alternative.strip(), 1)[0]
                for item in fields.get('depends', '').split(',')
                for alternative in item.split('|') if alternative.strip()}
            yield fields['package'], depends


def elf_files(root):
    for directory, _, files in os.walk(root):
        if os.sep + os.path.join('usr', 'lib', 'debug') in directory:
            continue
        for name in files:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, 'rb') as f:
                if f.read(4) == ELF_MAGIC:
                    yield path


def needed_libraries(path):
    result = subprocess.run(
        ['objdump', '-p', path], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    return set(re.findall(r'^\s*NEEDED\s+(\S+)', result.stdout, re.M))


def owner(prefix, soname):
    """Return (package, version) that installed `soname` under prefix."""
    result = subprocess.run(
        ['dpkg-query', '-S', f'{prefix}/*/{soname}'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in result.stdout.splitlines():
        package, _, path = line.partition(': ')
        if os.path.basename(path) == soname:
            package = package.split(',')[0].split(':')[0].strip()
            version = subprocess.run(
                ['dpkg-query', '-W', '-f', '${Version}', package],
                stdout=subprocess.PIPE, text=True).stdout.strip()
            return package, version
    return None


def add_to_substvars(path, additions):
    lines = []
    if os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if line.startswith('shlibs:Depends='):
            current = line.split('=', 1)[1].strip()
            lines[i] = 'shlibs:Depends=' + ', '.join(
                [current] * bool(current) + additions)
            break
    else:
        lines.append('shlibs:Depends=' + ', '.join(additions))
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    prefix = '/opt/ros/' + os.environ['COLCON_DEB_ROS_DISTRO']
    with open('debian/control') as f:
        packages = list(binary_packages(f.read()))
    own = {name for name, _ in packages}
    for package, depends in packages:
        root = os.path.join('debian', package)
        if not os.path.isdir(root):
            continue
        provided, needed = set(), set()
        for path in elf_files(root):
            provided.add(os.path.basename(path))
            needed |= needed_libraries(path)
        additions = {}
        for soname in sorted(needed - provided):
            found = owner(prefix, soname)
            if not found or found[0] in own or found[0] in depends:
                continue
            name, version = found
            additions.setdefault(name, (version, []))[1].append(soname)
        if not additions:
            continue
        add_to_substvars(
            os.path.join('debian', f'{package}.substvars'),
            [f'{name} (>= {version})'
             for name, (version, _) in sorted(additions.items())])
        progress('shlibs', 'added', f'{package}: ' + ', '.join(
            f"{name} ({', '.join(sonames)})"
            for name, (_, sonames) in sorted(additions.items())))


if __name__ == '__main__':
    main()

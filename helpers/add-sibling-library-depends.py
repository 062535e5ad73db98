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


def owners(prefix, sonames):
    """Return {soname: (package, version)} for sonames installed under prefix.

    Two dpkg-query runs for all of them: one run a library cost 25-40 ms
    (dpkg reads every package's file list), 0.7 s for rclcpp's 18.
    """
    if not sonames:
        return {}
    result = subprocess.run(
        ['dpkg-query', '-S'] + [f'{prefix}/*/{s}' for s in sorted(sonames)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    packages = owning_packages(result.stdout, sonames)
    if not packages:
        return {}
    result = subprocess.run(
        ['dpkg-query', '-W', '-f', '${Package}\t${Version}\n'] +
        sorted(set(packages.values())),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    versions = dict(
        line.split('\t', 1) for line in result.stdout.splitlines()
        if '\t' in line)
    return {soname: (package, versions[package])
            for soname, package in packages.items() if package in versions}


def owning_packages(search_output, sonames):
    """Return {soname: package} from `dpkg-query -S` output.

    A line is `package[:arch][, package ...]: path`; the first package of
    the first line whose file name is the soname wins (a diversion line
    names no owner).
    """
    found = {}
    for line in search_output.splitlines():
        if line.startswith('diversion by '):
            continue
        package, _, path = line.partition(': ')
        soname = os.path.basename(path)
        if soname in sonames and soname not in found:
            found[soname] = package.split(',')[0].split(':')[0].strip()
    return found


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
        found = owners(prefix, needed - provided)
        for soname, (name, version) in sorted(found.items()):
            if name in own or name in depends:
                continue
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

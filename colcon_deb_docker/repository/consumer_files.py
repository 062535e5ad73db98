# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""What a consumer of the repository takes besides the packages.

Next to ``dists/`` and ``pool/``: the public key of a signed repository
(``key.gpg`` for ``signed-by``, ``key.asc``), ``rosdep.yaml`` (each built
ROS package mapped to its .deb, for rosdep), the pin that makes this
repository's packages win over same-named ones of any other source
(``colcon-deb.pref``) and the sources lines, underlays first
(``colcon-deb-<codename>.list`` for each distribution; ``colcon-deb.list``
is the one of the distribution published last).  Each file is replaced in
one rename.
"""

import os

from colcon_deb_docker.repository.indexes import publishable
import yaml

#: libyaml's loader and dumper when PyYAML has them (the same text as the
#: pure-Python ones, about ten times faster): rosdep.yaml is read and
#: rewritten at every publication: with the pure-Python ones, three
#: quarters of a publication's time by the end of a 500-package workspace
#: (`benchmarks/scale.py --publish`)
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
_DUMPER = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)

#: for consumers: the apt preferences that make this repository win
PIN_FILE = 'colcon-deb.pref'
#: for consumers: the underlays' and this repository's sources lines (of
#: the distribution published last; see :func:`sources_file_name`)
SOURCES_FILE = 'colcon-deb.list'


def sources_file_name(codename):
    """Return the name of one distribution's sources lines for consumers."""
    return f'colcon-deb-{codename}.list'


def write_public_key(root, signer):
    """Export the signing key's public part as key.gpg and key.asc."""
    for name, armor in (('key.gpg', False), ('key.asc', True)):
        _replace(root / name, signer.public_key(armor=armor))


def update_consumer_files(root, *, rosdep_keys, os_name, codename, label,
                          underlays, sources_line):
    """Add packages to rosdep.yaml; rewrite the pin and the sources list.

    :param rosdep_keys: {ROS package name: Debian name} of a publication
    :param label: the repository's Release Label (what the pin matches)
    :param underlays: the run's --apt-source lines (AptSource)
    """
    path = root / 'rosdep.yaml'
    data = {}
    if path.exists():
        data = yaml.load(path.read_text(), Loader=_LOADER) or {}
    for ros_name, deb_name in rosdep_keys.items():
        data.setdefault(ros_name, {}).setdefault(os_name, {})[codename] = \
            [deb_name]
    _replace(path, yaml.dump(data, Dumper=_DUMPER, sort_keys=True))
    names_of = {}
    for rules in data.values():
        for suite, names in rules.get(os_name, {}).items():
            names_of.setdefault(suite, set()).update(names)
    if names_of.get(codename):
        _replace(root / PIN_FILE, pin_preferences(
            label=label, package_names_of=names_of))
    write_sources_files(root, codename=codename, underlays=underlays,
                        sources_line=sources_line)


def write_sources_files(root, *, codename, underlays, sources_line,
                        only_if_there=False):
    """Write the sources lines of a distribution: the underlays', its own.

    :param only_if_there: only rewrite them if a publication wrote them
      before (a run that publishes nothing still gives them this run's
      ``--public-url`` and underlays), and only if they changed
    """
    lines = '\n'.join([u.text for u in underlays] + [sources_line]) + '\n'
    own = root / sources_file_name(codename)
    if only_if_there:
        try:
            if own.read_text() == lines:
                return
        except FileNotFoundError:
            return
    _replace(own, lines)
    _replace(root / SOURCES_FILE, lines)


def pin_preferences(*, label, package_names_of):
    """Return the apt preferences that make this repository's packages win.

    They win over same-named ones of any other source (e.g. the underlay),
    one stanza for each distribution of the repository: a consumer of any
    of them installs the same file.

    :param package_names_of: {codename: the Debian names built for it}
    """
    stanzas = [
        f"Package: {' '.join(sorted(names))}\n"
        f'Pin: release l={label}, n={codename}\n'
        'Pin-Priority: 1001\n'
        for codename, names in sorted(package_names_of.items()) if names]
    return (
        '# colcon deb: packages of this repository win over same-named\n'
        '# packages of any other apt source, e.g. the underlay it was built\n'
        '# against.  Install as /etc/apt/preferences.d/<name>.pref\n'
        + '\n'.join(stanzas))


def _replace(path, content):
    tmp = path.with_name(f'.{path.name}.tmp')
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        tmp.write_text(content)
    publishable(tmp)
    os.replace(tmp, path)

"""debhelper commands with nothing to do are skipped, and only those.

helpers/dh-skip-idle-command.sh stands first on PATH for six debhelper
commands during a build and exits at once where the command has nothing
to do.  Here, in the builder image, as an unprivileged user, each command
and the script run on two copies of the same tree: the exit status and
the tree afterwards must be the same, and the script must have skipped
exactly where this test expects it to (the trees of a bloom package), and
run debhelper's command everywhere else (a file, an option or a setting
that gives the command work).
"""

import json

from colcon_deb_docker.builder_image import prepare_builder_image
from colcon_deb_docker.helpers_path import helpers_dir
from e2e_support import run_script

#: (name, command, arguments, environment, files of the tree, skipped)
#: every tree also has a bloom-like debian/ (compat 9, cmake, R-R-R: no)
#: and a package tree debian/ros-humble-probe/ where noted by its files
PLAIN = ['-O--parallel', '-O-v', '-O--buildsystem=cmake',
         '-O--builddirectory=.obj-x86_64-linux-gnu']
AUTOTOOLS = "#! /bin/sh\ntimestamp='2001-01-01'\necho old\n"
INIT = '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: probe\n### END INIT INFO\n'
CASES = [
    ('test, nocheck', 'dh_auto_test', PLAIN,
     {'DEB_BUILD_OPTIONS': 'nocheck'}, {}, True),
    ('test, checks on', 'dh_auto_test', PLAIN, {}, {}, False),
    ('testroot, no root needed', 'dh_testroot', PLAIN,
     {'DEB_RULES_REQUIRES_ROOT': 'no'}, {}, True),
    ('testroot, root needed', 'dh_testroot', PLAIN,
     {'DEB_RULES_REQUIRES_ROOT': 'binary-targets'}, {}, False),
    ('autotools, none', 'dh_update_autotools_config', PLAIN, {},
     {'.hidden/config.sub': AUTOTOOLS}, True),
    ('autotools, one', 'dh_update_autotools_config', PLAIN, {},
     {'vendor/config.sub': AUTOTOOLS}, False),
    ('prep, fresh tree', 'dh_prep', PLAIN, {}, {}, True),
    ('prep, package tree', 'dh_prep', PLAIN, {},
     {'debian/ros-humble-probe/opt/x': 'x\n'}, False),
    ('prep, substvars', 'dh_prep', PLAIN, {},
     {'debian/ros-humble-probe.substvars': 'misc:Depends=bogus\n'}, False),
    ('prep, snippet', 'dh_prep', PLAIN, {},
     {'debian/ros-humble-probe.postinst.debhelper': 'true\n'}, False),
    ('prep, exclusion', 'dh_prep', PLAIN + ['--exclude=keep'], {}, {}, False),
    ('init, none', 'dh_installinit', PLAIN, {},
     {'debian/ros-humble-probe/opt/ros/humble/share/probe/x': 'x\n'}, True),
    ('init, init script', 'dh_installinit', PLAIN, {},
     {'debian/ros-humble-probe/opt/x': 'x\n', 'debian/init': INIT}, False),
    ('init, tmpfiles', 'dh_installinit', PLAIN, {},
     {'debian/ros-humble-probe/usr/lib/tmpfiles.d/probe.conf':
      'd /run/probe 0755 root root -\n'}, False),
    ('init, internal option', 'dh_installinit', [],
     {'DH_INTERNAL_OPTIONS': '-O--buildsystem=cmake\036--only-scripts'},
     {'debian/init': INIT, 'debian/ros-humble-probe/opt/x': 'x\n'}, False),
    ('missing, compat 9', 'dh_missing', PLAIN, {},
     {'debian/tmp/lost': 'x\n'}, True),
    ('missing, listed', 'dh_missing', PLAIN + ['--list-missing'], {},
     {'debian/tmp/lost': 'x\n'}, False),
    ('missing, compat 12', 'dh_missing', PLAIN, {},
     {'debian/compat': '12\n', 'debian/tmp/lost': 'x\n'}, False),
    ('missing, DH_OPTIONS', 'dh_missing', PLAIN,
     {'DH_OPTIONS': '--fail-missing'}, {'debian/tmp/lost': 'x\n'}, False),
]

DEBIAN = {
    'debian/compat': '9\n',
    'debian/control': (
        'Source: ros-humble-probe\nRules-Requires-Root: no\n'
        'Maintainer: T <t@example.com>\nBuild-Depends: debhelper (>= 9)\n\n'
        'Package: ros-humble-probe\nArchitecture: any\n'
        'Depends: ${misc:Depends}\nDescription: probe\n probe\n'),
    'debian/changelog': (
        'ros-humble-probe (1.0.0-0bookworm) bookworm; urgency=high\n\n'
        '  * probe\n\n -- T <t@example.com>  Mon, 25 Nov 2024 00:00:00 '
        '+0000\n'),
    'debian/rules': ('#!/usr/bin/make -f\n%:\n\tdh $@ -v '
                     '--buildsystem=cmake\n'),
    'debian/source/format': '3.0 (quilt)\n',
    'CMakeLists.txt': 'cmake_minimum_required(VERSION 3.10)\n'
                      'project(probe NONE)\n',
}

COMPARE = r"""
import hashlib, json, os, subprocess, sys

cases = json.loads(sys.argv[1])
base = json.loads(sys.argv[2])
wrappers = '/tmp/wrappers'
os.makedirs(wrappers, exist_ok=True)


def tree(root):
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            mode = oct(os.lstat(path).st_mode)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, 'rb') as f:
                    mode += ' ' + hashlib.sha256(f.read()).hexdigest()
            found[relative] = mode
    return found


results = []
for index, (name, command, args, env, files, _) in enumerate(cases):
    wrapper = os.path.join(wrappers, command)
    with open(wrapper, 'w') as f:
        f.write(os.environ['SKIPPER'])
    os.chmod(wrapper, 0o755)
    outcome = {}
    for side, program in (('debhelper', '/usr/bin/' + command),
                          ('script', wrapper)):
        root = f'/tmp/case{index}-{side}'
        for relative, content in {**base, **files}.items():
            path = os.path.join(root, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(content)
        os.chmod(os.path.join(root, 'debian/rules'), 0o755)
        before = tree(root)
        environment = {**os.environ, **env,
                       'PATH': wrappers + ':' + os.environ['PATH']}
        run = subprocess.run([program, *args], cwd=root, env=environment,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        after = tree(root)
        # what the command did besides its line in debhelper's log
        changed = {k: v for k, v in after.items()
                   if not k.endswith('.debhelper.log')} != before
        outcome[side] = {'rc': run.returncode, 'output': run.stdout,
                         'tree': after, 'changed': changed}
    results.append({
        'name': name,
        'same_rc': outcome['debhelper']['rc'] == outcome['script']['rc'],
        'rc': outcome['debhelper']['rc'],
        'same_tree': outcome['debhelper']['tree'] == outcome['script']['tree'],
        'changed': outcome['debhelper']['changed'],
        'log_files': sorted(k for k in outcome['script']['tree']
                            if k.endswith('.debhelper.log')),
        'skipped': 'skipped by colcon deb' in outcome['script']['output'],
        'output': outcome['script']['output'][-400:],
        'debhelper_output': outcome['debhelper']['output'][-2000:],
    })
print('RESULTS ' + json.dumps(results))
"""


def test_idle_commands_are_skipped_and_busy_ones_run(engine, base_image):
    builder = prepare_builder_image(engine=engine, base_image=base_image)
    script = 'python3 -c "$COMPARE" "$CASES" "$BASE"'
    rc, output = run_script(
        engine, builder.tag, script, user='65534:65534',
        network_mode='none',
        environment={'COMPARE': COMPARE, 'CASES': json.dumps(CASES),
                     'BASE': json.dumps(DEBIAN), 'HOME': '/tmp',
                     'SKIPPER': (helpers_dir() / 'dh-skip-idle-command.sh')
                     .read_text()})
    assert rc == 0, output
    line = next(line for line in output.splitlines()
                if line.startswith('RESULTS '))
    results = json.loads(line[len('RESULTS '):])
    assert [r['name'] for r in results] == [c[0] for c in CASES]
    problems = []
    for result, case in zip(results, CASES):
        expected_skip = case[5]
        if not (result['same_rc'] and result['same_tree']):
            problems.append(f"{result['name']}: differs from debhelper's "
                            f'command: {result}')
        if result['skipped'] != expected_skip:
            problems.append(f"{result['name']}: skipped "
                            f"{result['skipped']}, expected {expected_skip}:"
                            f" {result['output']}")
    assert not problems, '\n'.join(problems)
    # where debhelper's command has work, it shows (the cases are real);
    # where it is skipped, debhelper's does nothing but its log line
    by_name = {r['name']: r for r in results}
    for name in ('autotools, one', 'prep, package tree', 'prep, substvars',
                 'prep, snippet', 'init, init script'):
        assert by_name[name]['changed'], by_name[name]
    for name, case in zip(by_name, CASES):
        if case[5]:
            assert not by_name[name]['changed'], by_name[name]
    logged = [r['name'] for r in results
              if r['skipped'] and r['same_tree'] and '.debhelper.log' in
              ' '.join(r['log_files'])]
    assert logged == ['autotools, none', 'prep, fresh tree', 'init, none',
                      'missing, compat 9'], results
    assert by_name['testroot, root needed']['rc'] != 0
    assert by_name['missing, DH_OPTIONS']['rc'] != 0
    assert 'lost' in by_name['missing, compat 12']['debhelper_output']

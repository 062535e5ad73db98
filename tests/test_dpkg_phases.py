# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The dpkg-buildpackage breakdown reads debhelper's command lines."""

from colcon_deb_docker.dpkg_phases import command_of_line
from colcon_deb_docker.dpkg_phases import phase_of_line


def test_debhelper_lines_start_phases():
    assert phase_of_line(
        '   debian/rules override_dh_auto_configure') == 'configure'
    assert phase_of_line('   dh_auto_build -O--parallel') == 'compile'
    assert phase_of_line('   debian/rules override_dh_auto_install') == \
        'install'
    assert phase_of_line('   dh_strip -O--parallel -O-v') == 'strip'
    assert phase_of_line('   debian/rules override_dh_shlibdeps') == \
        'shlibdeps'
    assert phase_of_line('   dh_builddeb -O--parallel') == 'compress'
    assert phase_of_line('   dh_installdocs -O--parallel') == 'debhelper'


def test_other_lines_start_nothing():
    assert phase_of_line('[ 50%] Building CXX object dh_strip.o') is None
    assert phase_of_line('dh_strip') is None  # not debhelper's indentation
    assert phase_of_line('\tdpkg-deb --build debian/x ..') is None


def test_commands_with_digits_start_their_own_step():
    # dh_md5sums and dh_python3 started no step: their time went to the
    # command before them
    assert phase_of_line('   dh_md5sums -O--parallel') == 'debhelper'
    assert command_of_line('   dh_md5sums -O--parallel') == 'dh_md5sums'
    assert command_of_line('   dh_python3 -O--parallel') == 'dh_python3'
    assert command_of_line(
        '   debian/rules override_dh_shlibdeps') == 'dh_shlibdeps'
    assert command_of_line('dh_strip') is None

# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The dpkg-buildpackage breakdown reads debhelper's command lines."""

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

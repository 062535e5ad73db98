"""The reason a failed build gets when its log shows the cause."""

from colcon_deb_docker.failure_hints import explain_failure
from colcon_deb_docker.failure_hints import FailureEvidence


def test_a_build_time_download_is_named_with_its_url():
    tail = """-- Downloading spdlog
CMake Error at CMakeLists.txt:12 (file):
  file DOWNLOAD HASH mismatch
    status: [6;"Couldn't resolve host name"]
fatal: unable to access 'https://github.com/gabime/spdlog.git/': Could not
resolve host: github.com"""
    hint = explain_failure(tail)
    assert 'tried to download during the build' in hint
    assert '(https://github.com/gabime/spdlog.git/)' in hint


def test_other_failures_get_no_guess():
    assert explain_failure('') == ''
    assert explain_failure(
        'main.c:3:10: fatal error: foo.h: No such file or directory') == ''


def test_out_of_memory_is_named_with_what_to_change():
    tail = ('c++: fatal error: Killed signal terminated program cc1plus\n'
            'compilation terminated.')
    assert 'ran out of memory' in explain_failure(tail)
    assert '--parallel-workers' in explain_failure(tail)
    assert 'killed for running out of memory' in explain_failure(
        '', oom_killed=True)


def test_the_cause_is_found_even_when_it_scrolled_out_of_the_tail():
    evidence = FailureEvidence()
    for line in [
            "Cloning into 'libyaml-0.2.5'...",
            "fatal: unable to access 'https://github.com/yaml/libyaml.git/':"
            ' Could not resolve host: github.com',
            *[f'make[{n}]: *** Error 2' for n in range(200)]]:
        evidence.feed(line)
    tail = 'dpkg-buildpackage: error: debian/rules build subprocess ' \
        'returned exit status 2'
    assert explain_failure(tail) == ''
    assert '(https://github.com/yaml/libyaml.git/)' in evidence.explain(tail)


def test_a_wrapped_message_keeps_its_url():
    # CMake wraps its message: the URL on one line, curl's error below
    evidence = FailureEvidence()
    for line in ['CMake Error at CMakeLists.txt:8 (message):',
                 '  downloading https://github.invalid/v/src.tar.gz failed:',
                 '  6;"Couldn\'t resolve host name"',
                 *['//filler' for _ in range(100)]]:
        evidence.feed(line)
    assert '(https://github.invalid/v/src.tar.gz)' in evidence.explain('')

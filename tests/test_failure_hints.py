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


def _evidence(lines):
    evidence = FailureEvidence()
    for line in lines:
        evidence.feed(line)
    return evidence


#: what dpkg-buildpackage printed after a compile error (the tail)
DPKG_TAIL = """ninja: build stopped: subcommand failed.
dh_auto_build: error: cd .obj-x86_64-linux-gnu && LC_ALL=C.UTF-8 ninja -j2 \
-v -l3 returned exit code 1
make: *** [debian/rules:30: binary] Error 2
dpkg-buildpackage: error: debian/rules binary subprocess returned exit \
status 2"""


def test_the_first_compile_error_is_the_reason():
    # the reason used to be the exit status alone: the user had to find
    # the compiler's message in the log
    evidence = _evidence([
        '[1/3] ccache /usr/bin/c++ -g -O2 -o x.cpp.o -c '
        '/build/src/qa_bad/x.cpp',
        'FAILED: CMakeFiles/qa_bad.dir/x.cpp.o',
        "/build/src/qa_bad/x.cpp: In function 'int f()':",
        "/build/src/qa_bad/x.cpp:1:19: error: expected ';' before '}' "
        'token',
        "/build/src/qa_bad/y.cpp:7:3: error: 'g' was not declared",
        *DPKG_TAIL.splitlines()])
    assert evidence.explain(DPKG_TAIL) == \
        "x.cpp:1:19: error: expected ';' before '}' token"


def test_a_header_the_package_did_not_declare_is_named():
    # the clean room's failure: only declared build dependencies exist
    evidence = _evidence([
        '/build/src/uses_undeclared/src/main.cpp:2:10: fatal error: '
        'yaml-cpp/yaml.h: No such file or directory',
        'compilation terminated.'])
    assert evidence.explain('') == (
        'src/main.cpp:2:10: fatal error: yaml-cpp/yaml.h: No such file or '
        'directory')


def test_cmake_and_linker_errors_are_named():
    evidence = _evidence([
        '-- Configuring incomplete, errors occurred!',
        'CMake Error at CMakeLists.txt:5 (find_package):',
        '',
        '  By not providing "Findfoo.cmake" in CMAKE_MODULE_PATH this '
        'project has',
        '  asked CMake to find a package configuration file provided by '
        '"foo"'])
    assert evidence.explain('') == (
        'CMake Error at CMakeLists.txt:5 (find_package): By not providing '
        '"Findfoo.cmake" in CMAKE_MODULE_PATH this project has')
    evidence = _evidence([
        "/usr/bin/ld: CMakeFiles/app.dir/main.cpp.o: in function `main':",
        "main.cpp:(.text+0x9): undefined reference to `helper()'",
        'collect2: error: ld returned 1 exit status'])
    assert evidence.explain('') == \
        "main.cpp:(.text+0x9): undefined reference to `helper()'"


def test_a_known_cause_comes_before_the_first_error():
    evidence = _evidence([
        'x.cpp:1:1: error: something',
        'c++: fatal error: Killed signal terminated program cc1plus'])
    assert 'ran out of memory' in evidence.explain('')


def test_a_long_error_line_is_cut():
    evidence = _evidence(['a.hpp:3:4: error: ' + 'template<' * 100])
    reason = evidence.explain('')
    assert len(reason) == 200
    assert reason.startswith('a.hpp:3:4: error: template<')
    assert reason.endswith('...')


def test_output_without_an_error_line_gets_no_reason():
    assert _evidence([
        'warning: x.cpp:1:1: error: in a sentence is no error line',
        '-- Build files have been written to: /build/src/p/.obj',
        *DPKG_TAIL.splitlines()]).explain(DPKG_TAIL) == ''


def test_a_python_error_is_named_at_the_package_s_own_file():
    # ament_python's setup.py: pybuild prints the traceback, then its own
    evidence = _evidence([
        'I: pybuild base:240: python3.11 setup.py config',
        '  File "/build/src/pyb/setup.py", line 2',
        '    setup(name="pyb", version="0.1.0", packages=["pyb"] ,',
        '         ^',
        "SyntaxError: '(' was never closed",
        'E: pybuild pybuild:388: configure: plugin distutils failed with: '
        'exit code=1: python3.11 setup.py config'])
    assert evidence.explain('') == \
        "setup.py:2: SyntaxError: '(' was never closed"
    # raised outside the package's files: the exception alone
    evidence = _evidence([
        'Traceback (most recent call last):',
        '  File "/usr/lib/python3/dist-packages/rosidl_adapter/msg.py", '
        'line 9, in parse',
        'rosidl_adapter.parser.InvalidFieldDefinition: int32 1x'])
    assert evidence.explain('') == \
        'rosidl_adapter.parser.InvalidFieldDefinition: int32 1x'


def test_a_package_name_apt_does_not_know_is_named_with_the_fix():
    # a rosdep rule that maps a key to a name Debian does not have: the
    # build failed as `container exited with code 100`, the cause in apt's
    # words ("held broken packages") far above
    build_dep = """The following packages have unmet dependencies:
 builddeps:./ : Depends: libyaml-devv but it is not installable
                Depends: libfoo-dev (>= 2) but it is not installable
E: Unable to correct problems, you have held broken packages."""
    assert explain_failure(build_dep) == (
        'apt knows no package libyaml-devv, libfoo-dev: fix the rosdep rule '
        'that maps a key to it (--rosdep-source), or add the apt '
        'repository that has it (--apt-source)')
    assert explain_failure(
        'E: Unable to locate package libyaml-devv').startswith(
        'apt knows no package libyaml-devv:')
    # a conflict is not a missing package
    assert explain_failure(
        ' x : Depends: y but it is not going to be installed\n'
        'E: Unable to correct problems, you have held broken packages.') == ''


def test_a_dependency_image_failure_is_one_line():
    from colcon_deb_docker.failure_hints import explain_image_failure
    # the engine's image build output, stderr coloured
    log = ('Step 3/3 : RUN apt-get install -y libyaml-devv\n'
           ' ---> Running in 0601e434a1bc\nReading package lists...\n'
           '\x1b[91mE: Unable to locate package libyaml-devv\n\x1b[0m\n'
           "The command '/bin/sh -c apt-get install' returned a non-zero "
           'code: 100')
    assert explain_image_failure(log) == 'apt knows no package libyaml-devv'
    assert explain_image_failure(
        'Reading package lists...\nE: Could not get lock\nE: second\n'
        'The command returned 100') == 'E: Could not get lock'
    assert explain_image_failure('a\nno space left on device\n') == \
        'no space left on device'


def test_a_refused_fork_names_the_process_limit():
    hint = explain_failure('sh: 1: Cannot fork\nmake: *** [all] Error 2')
    assert hint.startswith('it could not start a process: a build holds '
                           'at most 4096 processes and threads at once')
    evidence = FailureEvidence()
    evidence.feed('/bin/sh: fork: retry: Resource temporarily unavailable')
    for line in range(100):
        evidence.feed(f'make noise {line}')
    assert 'could not start a process' in evidence.explain('tail')

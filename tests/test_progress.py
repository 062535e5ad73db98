"""Structured progress lines from the helpers."""

import json

from colcon_deb_docker.progress import parse_progress_line
from colcon_deb_docker.progress import PREFIX


def test_plain_output_is_not_progress():
    assert parse_progress_line('-- Configuring done') is None
    assert parse_progress_line('') is None


def test_progress_line_with_commas_and_quotes_survives():
    message = 'a, b, "c", d: {e}'
    line = PREFIX + json.dumps(
        {'step': 'bloom', 'status': 'start', 'message': message})
    event = parse_progress_line(line)
    assert event.step == 'bloom'
    assert event.status == 'start'
    assert event.message == message
    assert event.describe() == f'bloom: start ({message})'


def test_extra_fields_are_kept_as_data():
    event = parse_progress_line(
        PREFIX + '{"step": "package", "status": "file", "file": "x.deb"}')
    assert event.data == {'file': 'x.deb'}
    assert event.describe() == 'package: file'


def test_malformed_progress_lines_are_plain_output():
    for payload in ('not json', '[1, 2]', '{"status": "x"}',
                    '{"step": 3}', '{"step": "x"'):
        assert parse_progress_line(PREFIX + payload) is None


def test_the_helpers_and_the_parser_agree():
    """Check that the host reads back what a helper passes to `progress`.

    Whatever a shell or Python helper passes, byte for byte.
    """
    import subprocess
    import sys
    from colcon_deb_docker.helpers_path import helpers_dir
    message = 'a, b \\ "c"\tend; $HOME `x` {"k": 1}'
    shell = subprocess.run(
        ['sh', '-c', '. "$0"; progress compile "done, ok" "$1"',
         str(helpers_dir() / 'progress.sh'), message],
        check=True, stdout=subprocess.PIPE, text=True).stdout
    python = subprocess.run(
        [sys.executable, '-c', 'import sys; sys.path.insert(0, sys.argv[1]); '
         'from progress import progress; '
         'progress("compile", "done, ok", sys.argv[2])',
         str(helpers_dir()), message],
        check=True, stdout=subprocess.PIPE, text=True).stdout
    for out in (shell, python):
        assert out.endswith('\n') and out.count('\n') == 1
        event = parse_progress_line(out.rstrip('\n'))
        assert event is not None, out
        assert (event.step, event.status, event.message) == (
            'compile', 'done, ok', message)


def test_the_shell_helper_escapes_each_special_character_alone():
    # a value with nothing to escape takes a path of its own (no process)
    import subprocess
    from colcon_deb_docker.helpers_path import helpers_dir
    cases = {
        'plain $HOME `x` {k: 1} 100%': 'plain $HOME `x` {k: 1} 100%',
        'only "quotes"': 'only "quotes"',
        'only \\ a backslash': 'only \\ a backslash',
        'only\ta tab': 'only\ta tab',
        'a new\nline': 'a new line',
        'a carriage\rreturn': 'a carriage return',
        '': '',
    }
    for message, expected in cases.items():
        out = subprocess.run(
            ['sh', '-c', '. "$0"; progress "$1" "$1" "$1"',
             str(helpers_dir() / 'progress.sh'), message],
            check=True, stdout=subprocess.PIPE, text=True).stdout
        assert out.count('\n') == 1, out
        event = parse_progress_line(out.rstrip('\n'))
        assert event is not None, out
        assert (event.step, event.status, event.message) == (
            expected, expected, expected), message

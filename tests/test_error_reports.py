"""What a failed container's output reads like in an error report."""

from collections import deque

from colcon_deb_docker.container import _stream_lines
from colcon_deb_docker.container import LOG_TAIL_LINES
from colcon_deb_docker.container import tail_line
from colcon_deb_docker.progress import PREFIX
from colcon_deb_docker.rosdep_check import explain_pre_check_failure

#: the rosdep pre-check without --offline on a machine that reaches PyPI
#: and Debian's mirror but not GitHub (this project's CI), as the
#: container printed it
PRE_CHECK_WITHOUT_NETWORK = PREFIX + """\
{"step": "user", "status": "start", "message": "uid 65532 gid 65532"}
useradd warning: colcon-deb's uid 65532 outside of the UID_MIN 1000 and \
UID_MAX 60000 range.
""" + PREFIX + """{"step": "user", "status": "done", "message": "colcon-deb"}
""" + PREFIX + """{"step": "rosdep", "status": "start", "message": ""}
ERROR: unable to process source [https://raw.githubusercontent.com/ros/\
rosdistro/master/rosdep/osx-homebrew.yaml]:
\t<urlopen error [Errno -2] Name or service not known> (https://raw.\
githubusercontent.com/ros/rosdistro/master/rosdep/osx-homebrew.yaml)
ERROR: unable to process source [https://raw.githubusercontent.com/ros/\
rosdistro/master/rosdep/base.yaml]:
\t<urlopen error [Errno -2] Name or service not known> (https://raw.\
githubusercontent.com/ros/rosdistro/master/rosdep/base.yaml)
ERROR: unable to process source [https://raw.githubusercontent.com/ros/\
rosdistro/master/releases/fuerte.yaml]:
\tFailed to download target platform data for gbpdistro:
\t<urlopen error [Errno -2] Name or service not known>
ERROR: error loading sources list:
\t<urlopen error <urlopen error [Errno -2] Name or service not known> \
(https://raw.githubusercontent.com/ros/rosdistro/master/index-v4.yaml)>
reading in sources list data from /colcon-deb/out/ros-home/rosdep-sources
Hit file:///colcon-deb/rosdep/workspace.yaml
Query rosdistro index https://raw.githubusercontent.com/ros/rosdistro/\
master/index-v4.yaml
""" + PREFIX + """{"step": "rosdep", "status": "failed", "message": \
"rosdep update failed"}
"""


def _tail(output):
    """Return the tail a failed container's error carries for `output`."""
    tail = deque(maxlen=LOG_TAIL_LINES)
    seen = []
    data = output.encode()
    # in chunks that split lines, as the engine's stream does
    stream = [(data[i:i + 97], None) for i in range(0, len(data), 97)]
    _stream_lines(stream, tail, lambda line, _: seen.append(line))
    return '\n'.join(tail), seen


def test_progress_lines_stay_out_of_the_tail_but_reach_the_events():
    tail, seen = _tail(PRE_CHECK_WITHOUT_NETWORK)
    assert '::colcon-deb::' not in tail
    assert '"step"' not in tail
    # the failed step says so in words, as the last line
    assert tail.splitlines()[-1] == 'rosdep failed: rosdep update failed'
    assert 'useradd warning' in tail
    # every line, progress included, still goes to on_line (the events)
    assert len([s for s in seen if s.startswith(PREFIX)]) == 4
    assert len(seen) == len(PRE_CHECK_WITHOUT_NETWORK.splitlines())


def test_tail_line():
    assert tail_line('-- Configuring done') == '-- Configuring done'
    assert tail_line(PREFIX + '{"step": "bloom", "status": "start"}') is None
    assert tail_line(PREFIX + '{"step": "bloom", "status": "failed"}') == \
        'bloom failed'
    # a line that only looks like progress is a package's own output
    assert tail_line(PREFIX + 'not json') == PREFIX + 'not json'


def test_unreachable_rosdep_sources_are_one_error_with_what_to_do():
    tail, _ = _tail(PRE_CHECK_WITHOUT_NETWORK)
    message = explain_pre_check_failure(tail)
    assert message == (
        'the rosdep pre-check failed: rosdep update could not read its '
        'online sources (https://raw.githubusercontent.com/ros/rosdistro/'
        'master/rosdep/osx-homebrew.yaml: Name or service not known).  '
        'Without access to them, run with --offline: rosdep then uses only '
        "the workspace, the --rosdep-source files and the builder image's "
        'Debian mappings.')


def test_the_index_alone_unreachable_is_named_too():
    tail = ('ERROR: error loading sources list:\n\t<urlopen error <urlopen '
            'error [Errno 111] Connection refused> (http://mirror.example/'
            'index-v4.yaml)>')
    assert '(http://mirror.example/index-v4.yaml: Connection refused)' in \
        explain_pre_check_failure(tail)


def test_other_pre_check_failures_get_no_guess():
    assert explain_pre_check_failure('') == ''
    assert explain_pre_check_failure(
        "ERROR: rosdep update failed: No module named 'rosdep2'") == ''
    # offline, only file:// sources: a broken one is not a network problem
    assert explain_pre_check_failure(
        'ERROR: unable to process source [file:///colcon-deb/rosdep/'
        'user-00.yaml]:\n\t<urlopen error [Errno 2] No such file or '
        'directory: /colcon-deb/rosdep/user-00.yaml>') == ''


def test_a_line_without_end_goes_on_in_bounded_pieces():
    # a build that printed 200 MB without a newline held the host for
    # minutes (the unfinished line was joined and split again at every
    # chunk) and hundreds of megabytes of its memory
    from colcon_deb_docker.container import MAX_LINE_BYTES
    huge = b'a' * (3 * MAX_LINE_BYTES + 123)
    data = b'first\n' + huge + b'\nlast\n\nend'
    stream = [(data[i:i + 4096], None) for i in range(0, len(data), 4096)]
    seen = []
    _stream_lines(stream, deque(maxlen=LOG_TAIL_LINES),
                  lambda line, _: seen.append(line))
    assert seen[0] == 'first'
    assert seen[-3:] == ['last', '', 'end']
    pieces = seen[1:-3]
    assert [len(p) for p in pieces] == [MAX_LINE_BYTES] * 3 + [123]
    assert ''.join(pieces).encode() == huge


def test_lines_are_the_same_whatever_the_chunks():
    data = ''.join(f'line {i} ' + 'x' * (i * 37 % 300) + '\n'
                   for i in range(500)).encode() + b'no newline at the end'
    expected = data.decode().split('\n')
    for size in (1, 7, 97, 4096, len(data)):
        seen = []
        stream = [(None, data[i:i + size])
                  for i in range(0, len(data), size)]
        _stream_lines(stream, deque(maxlen=LOG_TAIL_LINES),
                      lambda line, is_stderr: seen.append(
                          (line, is_stderr)))
        assert seen == [(line, True) for line in expected], size


def test_output_beyond_the_log_limit_is_left_out(monkeypatch):
    # a build that printed without end filled the host's disk with
    # colcon's logs until it was killed
    import json

    from colcon_deb_docker import container
    from colcon_deb_docker.progress import PREFIX
    monkeypatch.setattr(container, 'MAX_LOGGED_BYTES', 100)
    monkeypatch.setattr(container, 'MAX_PROGRESS_BYTES_AFTER_LIMIT', 200)
    progress = PREFIX + json.dumps({'step': 'compile', 'status': 'done'})
    seen = []
    logged = container.LoggedOutput(
        lambda line, is_stderr: seen.append((line, is_stderr)))
    for _ in range(9):
        logged('x' * 9, False)  # 90 bytes with the newlines
    logged('y' * 20, False)
    logged('z' * 5, True)
    for _ in range(10):
        logged(progress, False)
        logged('z' * 5, False)
    assert seen[:9] == [('x' * 9, False)] * 9
    assert seen[9] == (
        'colcon deb: this container printed more than 0 MiB: the rest of '
        'its output is left out of the logs', True)
    # after the notice only progress lines, up to their own budget
    after = seen[10:]
    assert after == [(progress, False)] * (200 // (len(progress) + 1))
    assert logged.left_out == 21 + 6 + 10 * 6 + (
        10 - len(after)) * (len(progress) + 1)


def test_the_log_limit_counts_bytes_not_characters(monkeypatch):
    # a build printing non-ASCII text got up to four times the bound
    from colcon_deb_docker import container
    monkeypatch.setattr(container, 'MAX_LOGGED_BYTES', 100)
    seen = []
    logged = container.LoggedOutput(
        lambda line, is_stderr: seen.append(line))
    for _ in range(10):
        logged('\u20ac' * 9, False)  # 9 characters, 27 bytes and a newline
    assert seen[:3] == ['\u20ac' * 9] * 3
    assert seen[3].startswith('colcon deb: this container printed more')
    assert len(seen) == 4
    assert logged.left_out == 7 * 28
    # a byte that is not UTF-8 is read as the replacement character,
    # which the logs write in 3 bytes: 40 of them are over the bound
    logged = container.LoggedOutput(lambda line, is_stderr: None)
    logged(b'\xff'.decode('utf-8', errors='replace') * 40, False)
    assert logged.left_out == 121

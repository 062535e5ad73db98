# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The one line that says why a package build failed, when the log shows.

The summary gets the exit status; when the last lines of the build show a
known cause, the reason names it instead of leaving the user to dig: a
vendor package that downloads its sources at build time (ROS has many)
fails without a route to the source's host, offline or with
--isolate-network; a compiler killed for lack of memory (rclcpp's takes
over a gigabyte) is not a compile error.
"""

import re

from colcon_deb_docker import contract
from colcon_deb_docker.container_spec import PIDS_LIMIT

_DOWNLOAD_FAILED = re.compile(
    r"Could not resolve host|Couldn't resolve host|"
    r'Temporary failure in name resolution|Failed to connect to|'
    r'Network is unreachable|unable to access|'
    r'error: downloading .* failed|file DOWNLOAD .*(?:fail|error)|'
    r'Could not resolve hostname|Name or service not known',
    re.IGNORECASE)
_URL = re.compile(r"(?:https?|git|ftp)://[^\s'\"<>)]+")


#: apt's words for a package name no source has: a rosdep rule (ours or
#: the user's) that maps a key to a name the distribution does not have
_NO_SUCH_PACKAGE = re.compile(
    r'^E: Unable to locate package (\S+)|'
    r"^E: Package '([^']+)' has no installation candidate|"
    r'Depends: (\S+)(?: \([^)]*\))? but it is not installable', re.M)

#: a fork refused: the container's process limit (see PIDS_LIMIT)
_NO_MORE_PROCESSES = re.compile(
    r'Cannot fork|fork: (?:retry: )?Resource temporarily unavailable|'
    r"can't start new thread|pthread_create failed: Resource temporarily "
    r'unavailable', re.IGNORECASE)

_TERMINAL_ESCAPE = re.compile(r'\x1b\[[0-9;]*m')

_OUT_OF_MEMORY = re.compile(
    r'Killed signal terminated program|virtual memory exhausted|'
    r'Cannot allocate memory|out of memory allocating', re.IGNORECASE)

#: the first line of what failed a build when no known cause shows: the
#: compiler's (GCC's and Clang's `file:line[:column]: [fatal ]error:`), the
#: linker's (`undefined reference to`), CMake's (`CMake Error at
#: file:line (command):`, its message on the next line) or Python's (below)
_FIRST_ERROR = re.compile(
    r'^\S[^:\s]*:\d+:(?:\d+:)? (?:fatal )?error: |'
    r': undefined reference to |'
    r'^CMake Error( at \S+:\d+ \([\w.-]+\))?:')
_CMAKE_ERROR = re.compile(r'^CMake Error( at \S+:\d+ \([\w.-]+\))?:\s*$')
#: Python's: the exception that ends a traceback (setup.py, a generator),
#: the first unindented line after a frame, at the last frame in the
#: package's own files
_PYTHON_FRAME = re.compile(r'^\s+File "([^"]+)", line (\d+)')
_PYTHON_EXCEPTION = re.compile(r'^[A-Za-z_][\w.]*(?:: |$)')
_IN_BUILD = re.compile(
    '^' + re.escape(contract.BUILD_SOURCES.rstrip('/')) + r'/[^/\s]+/')
#: characters of a quoted error line (a C++ template error can be pages)
MAX_ERROR_LENGTH = 200

_MEMORY_HINT = (
    'give each build more (--job-memory, within --memory), or build fewer '
    'packages at once (--parallel-workers) or with fewer make jobs each '
    '(--build-jobs)')


class FailureEvidence:
    """The lines of a build's output that name a known cause.

    Fed every line while the build runs: the cause often scrolls out of
    the last lines (a failed download, then the whole make recursion).
    The line before a match is kept too: messages wrap (CMake puts the URL
    on one line and curl's error on the next).
    """

    MAX_LINES = 10

    def __init__(self):  # noqa: D107
        self.lines = []
        self._previous = ''
        #: the first error line (see :data:`_FIRST_ERROR`), as quoted
        self.first_error = None
        self._cmake_error = None
        self._python_frame = None
        self._in_traceback = False

    def feed(self, line):
        """Keep `line` if it names a known cause (the first few)."""
        if len(self.lines) < self.MAX_LINES and (
                _DOWNLOAD_FAILED.search(line) or
                _OUT_OF_MEMORY.search(line) or
                _NO_MORE_PROCESSES.search(line)):
            self.lines += [self._previous, line]
        if self.first_error is None:
            self._keep_first_error(line)
        self._previous = line

    def _keep_first_error(self, line):
        if self._cmake_error is not None:
            # CMake's message follows its header, indented
            if line.strip():
                self.first_error = _quoted(
                    f'{self._cmake_error} {line.strip()}')
            return
        frame = _PYTHON_FRAME.match(line)
        if frame:
            self._in_traceback = True
            path = _IN_BUILD.sub('', frame.group(1))
            if path != frame.group(1):
                self._python_frame = f'{path}:{frame.group(2)}'
            return
        if self._in_traceback and not line[:1].isspace():
            self._in_traceback = False
            if _PYTHON_EXCEPTION.match(line):
                where = f'{self._python_frame}: ' \
                    if self._python_frame else ''
                self.first_error = _quoted(where + line.strip())
                return
        if not _FIRST_ERROR.search(line):
            return
        if _CMAKE_ERROR.match(line.rstrip()):
            self._cmake_error = line.rstrip()
            return
        self.first_error = _quoted(_IN_BUILD.sub('', line.strip()))

    def explain(self, log_tail, *, oom_killed=False, limit=None):
        """Return the explanation of the failure, or ''.

        A known cause first; otherwise the first error line the build
        printed, which is what a user looks for in the log (a compile
        error often scrolls far above the last lines, under make's and
        dpkg-buildpackage's own).
        """
        return explain_failure(
            '\n'.join([*self.lines, log_tail or '']),
            oom_killed=oom_killed, limit=limit) or self.first_error or ''


def _quoted(text):
    """Return an error line as a reason quotes it: one line, not too long."""
    if len(text) > MAX_ERROR_LENGTH:
        text = text[:MAX_ERROR_LENGTH - 3].rstrip() + '...'
    return text


def explain_failure(log_tail, *, oom_killed=False, limit=None):
    """Return a short explanation of a failed build, or ''.

    :param limit: the build container's memory limit, for people
    """
    of_limit = f' (limit {limit} a build)' if limit else ''
    if oom_killed:
        return f'killed for running out of memory{of_limit}: ' + _MEMORY_HINT
    if log_tail and _OUT_OF_MEMORY.search(log_tail):
        return (f'the compiler ran out of memory{of_limit} (killed by the '
                'kernel): ' + _MEMORY_HINT)
    if log_tail and _NO_MORE_PROCESSES.search(log_tail):
        return (
            f'it could not start a process: a build holds at most '
            f'{PIDS_LIMIT} processes and threads at once (a build that '
            'forks without end is stopped there)')
    missing = _missing_packages(log_tail)
    if missing:
        return (
            f"apt knows no package {', '.join(missing)}: fix the rosdep "
            'rule that maps a key to it (--rosdep-source), or add the apt '
            'repository that has it (--apt-source)')
    if not log_tail or not _DOWNLOAD_FAILED.search(log_tail):
        return ''
    urls = _URL.findall(log_tail)
    where = f' ({urls[-1]})' if urls else ''
    return (
        f'it tried to download during the build{where} and could not reach '
        'it: a vendor package that fetches its sources needs the network '
        '(not --isolate-network), or give it the system library it wraps')


def _missing_packages(log_tail):
    """Return the package names apt said it cannot find, in order."""
    names = []
    for match in _NO_SUCH_PACKAGE.finditer(log_tail or ''):
        name = next(group for group in match.groups() if group)
        if name not in names:
            names.append(name)
    return names


def explain_image_failure(log_tail):
    """Return one line for a dependency image that could not be made.

    The build's own log follows (the build then installs the set itself
    and fails or not on its own), so this names the cause only: apt's
    known ones, else apt's first error line, else the last line.
    """
    # the engine's image build colours a step's stderr
    log_tail = _TERMINAL_ESCAPE.sub('', log_tail or '')
    missing = _missing_packages(log_tail)
    if missing:
        return f"apt knows no package {', '.join(missing)}"
    lines = [line.strip() for line in log_tail.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith('E: ')]
    if errors:
        return _quoted(errors[0])
    return _quoted(lines[-1] if lines else 'no output')

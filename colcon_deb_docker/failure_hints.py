# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""The one line that says why a package build failed, when the log shows.

The summary gets the exit status; when the last lines of the build show a
known cause, the reason names it instead of leaving the user to dig: a
vendor package that downloads its sources at build time (ROS has many)
fails without a route to the source's host, offline or with
--isolate-network.
"""

import re

_DOWNLOAD_FAILED = re.compile(
    r"Could not resolve host|Couldn't resolve host|"
    r'Temporary failure in name resolution|Failed to connect to|'
    r'Network is unreachable|unable to access|'
    r'error: downloading .* failed|file DOWNLOAD .*(?:fail|error)|'
    r'Could not resolve hostname|Name or service not known',
    re.IGNORECASE)
_URL = re.compile(r"(?:https?|git|ftp)://[^\s'\"<>)]+")


def explain_failure(log_tail):
    """Return a short explanation of a failed build, or ''."""
    if not log_tail or not _DOWNLOAD_FAILED.search(log_tail):
        return ''
    urls = _URL.findall(log_tail)
    where = f' ({urls[-1]})' if urls else ''
    return (
        f'it tried to download during the build{where} and could not reach '
        'it: a vendor package that fetches its sources needs the network '
        '(not --isolate-network), or give it the system library it wraps')

# Imported by the Python helpers: structured progress for the host, the
# same lines as progress.sh (one JSON object after the prefix).
import json

PREFIX = '::colcon-deb:: '


def progress(step, status, message=''):
    print(PREFIX + json.dumps(
        {'step': step, 'status': status, 'message': message}), flush=True)

"""The contract between host and helpers holds.

One list of paths and variables, one progress format.
"""

import re
import sys

from colcon_deb_docker import contract
from colcon_deb_docker.helpers_path import helpers_dir
from colcon_deb_docker.progress import PREFIX

HELPERS = sorted(p for p in helpers_dir().iterdir()
                 if p.suffix in ('.sh', '.py') and p.name != '__init__.py')
VARIABLE = re.compile(r'\$\{?(COLCON_DEB_\w+)|environ(?:\.get\(|\[)'
                      r"'(COLCON_DEB_\w+)'")


def test_helpers_spell_no_path_of_the_contract():
    for helper in HELPERS:
        assert '/colcon-deb/' not in helper.read_text(), helper.name


def test_helpers_use_only_variables_the_contract_defines():
    known = set(contract.PATHS) | set(contract.VARIABLES)
    used = set()
    for helper in HELPERS:
        for match in VARIABLE.finditer(helper.read_text()):
            used.add(match.group(1) or match.group(2))
    assert used, 'the helpers read their paths from the environment'
    assert sorted(used - known) == []


def test_the_host_sets_only_variables_the_contract_defines():
    import colcon_deb_docker.container_specs as specs
    import colcon_deb_docker.session as session
    source = open(session.__file__).read() + open(specs.__file__).read()
    set_by_host = set(re.findall(r"'(COLCON_DEB_\w+)'", source))
    known = set(contract.PATHS) | set(contract.VARIABLES)
    assert sorted(set_by_host - known) == []
    assert contract.path_environment() == contract.PATHS


def test_one_progress_format_on_both_sides():
    assert PREFIX == contract.PROGRESS_PREFIX
    sys.path.insert(0, str(helpers_dir()))
    try:
        import progress as helper_progress
    finally:
        sys.path.pop(0)
    assert helper_progress.PREFIX == contract.PROGRESS_PREFIX
    shell = (helpers_dir() / 'progress.sh').read_text()
    assert contract.PROGRESS_PREFIX.strip() in shell
    for field in contract.PROGRESS_FIELDS:
        assert f'"{field}"' in shell

"""The build at the head of the longest chain gets the CPU first."""

from e2e_support import data_package
from e2e_support import extracted_package

# both builds read their container's CPU weight (cgroup v1: cpu.shares,
# v2: cpu.weight) after a pause that lets both start
RECORD_CPU_WEIGHT = """
execute_process(
  COMMAND sh -c "sleep 8; cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null \
|| cat /sys/fs/cgroup/cpu.weight"
  OUTPUT_VARIABLE weight OUTPUT_STRIP_TRAILING_WHITESPACE)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/cpu_weight.txt "${weight}")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/cpu_weight.txt
  DESTINATION share/${PROJECT_NAME})
"""


def test_a_leaf_beside_the_long_chain_gets_a_lower_cpu_weight(
    make_workspace, tmp_path,
):
    workspace = make_workspace([])
    # chain_a heads a chain of three builds; leaf is alone: both are ready
    # at once and run side by side on the two workers
    workspace.add_package('chain_a', data_package(
        'chain_a', cmake_extra=RECORD_CPU_WEIGHT))
    workspace.add_package('chain_b', data_package(
        'chain_b', depends=['chain_a']))
    workspace.add_package('chain_c', data_package(
        'chain_c', depends=['chain_b']))
    workspace.add_package('leaf', data_package(
        'leaf', cmake_extra=RECORD_CPU_WEIGHT))
    workspace.colcon_deb('--executor', 'parallel', '--parallel-workers', '2')

    def weight(name):
        prefix = extracted_package(workspace, tmp_path, name)
        return int((prefix / 'share' / name / 'cpu_weight.txt').read_text())

    chain, leaf = weight('chain_a'), weight('leaf')
    # the engine's default for the longest chain (1024 shares; 39 as a
    # cgroup v2 weight), a ninth of it for the leaf (1 against 3 builds
    # to go, squared)
    assert chain in (1024, 39), chain
    assert leaf < chain / 4, (leaf, chain)

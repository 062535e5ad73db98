"""The CPU weights of the running builds follow their remaining chains."""

from colcon_deb_docker.cpu_priority import cpu_shares
from colcon_deb_docker.cpu_priority import CpuPriority
import docker.errors


class FakeContainer:
    """Records the weights it is given (the engine's `update`)."""

    def __init__(self, error=None):
        self.shares = []
        self.error = error

    def update(self, *, cpu_shares):
        if self.error:
            raise self.error
        self.shares.append(cpu_shares)


def test_the_longest_chain_keeps_the_default_weight_the_others_less():
    assert cpu_shares({'rclcpp': 230.0, 'leaf': 46.0}) == {
        'rclcpp': 1024, 'leaf': 41}
    # similar chains share about evenly
    assert cpu_shares({'a': 100.0, 'b': 90.0}) == {'a': 1024, 'b': 829}
    # never below the engine's minimum, never above its default
    assert cpu_shares({'a': 1000.0, 'b': 0.0}) == {'a': 1024, 'b': 2}
    assert cpu_shares({'a': 0.0}) == {'a': 1024}
    assert cpu_shares({}) == {}


def test_weights_change_as_builds_start_and_end():
    priority = CpuPriority({'chain': 3.0, 'leaf': 1.0})
    chain, leaf = FakeContainer(), FakeContainer()
    priority.started(('chain', 'amd64'), 'chain', chain)
    assert chain.shares == [1024]
    priority.started(('leaf', 'amd64'), 'leaf', leaf)
    assert leaf.shares == [114]
    assert chain.shares == [1024]  # unchanged: not given again
    priority.ended(('chain', 'amd64'))
    # alone now: the leaf gets the default weight back
    assert leaf.shares == [114, 1024]


def test_ended_containers_and_engines_without_weights_are_left_alone():
    priority = CpuPriority({'a': 2.0, 'b': 1.0})
    gone = FakeContainer(error=docker.errors.NotFound('gone'))
    b = FakeContainer()
    priority.started(('a', 'amd64'), 'a', gone)
    priority.started(('b', 'amd64'), 'b', b)
    assert b.shares == [256]

    priority = CpuPriority({'a': 2.0, 'b': 1.0})
    refused = FakeContainer(error=docker.errors.APIError('no cpu cgroup'))
    b = FakeContainer()
    priority.started(('a', 'amd64'), 'a', refused)
    priority.started(('b', 'amd64'), 'b', b)
    assert b.shares == []  # the engine cannot weigh: even shares

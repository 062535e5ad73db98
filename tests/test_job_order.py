"""Critical path first: the long chain never waits behind a short leaf."""

from colcon_deb_docker.job_order import critical_path_order
from colcon_deb_docker.job_order import ready_first_order
from colcon_deb_docker.job_order import remaining_chains


def _is_topological(order, dependencies):
    seen = set()
    for name in order:
        assert dependencies[name] <= seen, name
        seen.add(name)
    return True


def test_the_longest_remaining_chain_starts_first():
    # topologically, `leaf` comes first; but `root` -> `slow` is the chain
    # that decides when the run ends
    dependencies = {
        'leaf': set(), 'root': set(), 'slow': {'root'}, 'top': {'slow'}}
    durations = {'leaf': 30, 'root': 5, 'slow': 200, 'top': 10}
    order = critical_path_order(dependencies, durations)
    assert order[0] == 'root'
    assert order.index('leaf') > order.index('root')
    assert _is_topological(order, dependencies)


def test_unknown_durations_take_the_mean_and_ties_keep_the_given_order():
    dependencies = {'a': set(), 'b': set(), 'c': {'a'}}
    assert critical_path_order(dependencies, {}) == ['a', 'b', 'c']
    order = critical_path_order(dependencies, {'a': 1, 'b': 50, 'c': 1})
    assert order == ['b', 'a', 'c']


def test_every_package_appears_once_in_a_topological_order():
    dependencies = {f'p{i}': {f'p{j}' for j in range(i) if (i + j) % 3 == 0}
                    for i in range(30)}
    durations = {f'p{i}': (i * 7) % 11 for i in range(30)}
    order = critical_path_order(dependencies, durations)
    assert sorted(order) == sorted(dependencies)
    assert _is_topological(order, dependencies)


def test_ready_first_puts_every_job_that_can_start_at_once_first():
    # the critical-path order starts the chain a -> b -> c, but `x` can
    # start at once too, while `b` waits for the build of `a`
    dependencies = {'a': set(), 'b': {'a'}, 'c': {'a', 'b'}, 'x': set(),
                    'y': {'x'}}
    order = ['a', 'b', 'c', 'x', 'y']
    assert ready_first_order(dependencies, order) == \
        ['a', 'x', 'b', 'y', 'c']
    # a dependency outside the jobs (built before, or not selected) does
    # not hold a job back
    assert ready_first_order({'a': {'outside'}, 'b': {'a'}}, ['a', 'b']) == \
        ['a', 'b']


def test_remaining_chains_count_the_longest_path_of_dependents():
    dependencies = {
        'leaf': set(), 'root': set(), 'slow': {'root'}, 'top': {'slow'}}
    durations = {'leaf': 30, 'root': 5, 'slow': 200, 'top': 10}
    assert remaining_chains(dependencies, durations) == {
        'leaf': 30, 'root': 215, 'slow': 210, 'top': 10}
    # unknown durations count as the mean of the known ones (else 1 each)
    assert remaining_chains(dependencies, {}) == {
        'leaf': 1, 'root': 3, 'slow': 2, 'top': 1}

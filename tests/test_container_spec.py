"""The container spec carries the security defaults into every container."""

from colcon_deb_docker.container_spec import ContainerSpec
from colcon_deb_docker.container_spec import LABEL_TOOL
from colcon_deb_docker.container_spec import Mount
from colcon_deb_docker.container_spec import Volume


def test_security_defaults_cannot_be_forgotten():
    kwargs = ContainerSpec(image='img', command=['true']).to_create_kwargs()
    assert kwargs['privileged'] is False
    assert kwargs['security_opt'] == ['no-new-privileges']
    assert kwargs['cap_drop'] == ['ALL']
    assert kwargs['cap_add'] == []
    assert kwargs['labels'] == {LABEL_TOOL: '1'}
    assert kwargs['detach'] is True
    # a package that forks without end stops at its own limit, not at the
    # machine's process table
    assert kwargs['pids_limit'] == 4096
    # optional fields are left to the engine's defaults when not set
    for key in ('name', 'user', 'working_dir', 'platform'):
        assert key not in kwargs


def test_bind_mounts_are_read_only_and_volumes_are_named():
    spec = ContainerSpec(
        image='img', command=['sh', '-c', 'true'], name='n', user='1000:1000',
        environment={'A': 'b'}, network_mode='none',
        labels={'run': 'x'}, cap_add=('CHOWN',),
        mounts=[Mount('/host/src', '/src'),
                Volume('colcon-deb-ccache-x', '/ccache')])
    kwargs = spec.to_create_kwargs()
    mounts = {m['Target']: m for m in kwargs['mounts']}
    assert mounts['/src']['Source'] == '/host/src'
    assert mounts['/src']['ReadOnly'] is True
    assert mounts['/src']['Type'] == 'bind'
    # a writable place is never a host path, only an engine volume
    assert mounts['/ccache']['Type'] == 'volume'
    assert mounts['/ccache']['Source'] == 'colcon-deb-ccache-x'
    assert all(m['ReadOnly'] for m in mounts.values() if m['Type'] == 'bind')
    assert kwargs['environment'] == {'A': 'b'}
    assert kwargs['network_mode'] == 'none'
    assert kwargs['labels'] == {LABEL_TOOL: '1', 'run': 'x'}
    assert kwargs['cap_add'] == ['CHOWN']
    assert kwargs['user'] == '1000:1000'
    assert kwargs['name'] == 'n'


def test_memory_limit_has_no_swap_on_top():
    kwargs = ContainerSpec(image='img', command=['true'],
                           mem_limit=2 ** 30).to_create_kwargs()
    assert kwargs['mem_limit'] == kwargs['memswap_limit'] == 2 ** 30
    assert 'mem_limit' not in ContainerSpec(
        image='img', command=['true']).to_create_kwargs()

"""--public-url: the files consumers take name where they fetch from."""

from colcon_deb_docker.repository.apt_repository import AptRepository
from debs import make_deb
import pytest
from test_command_line import _parse
from test_command_line import _Refused
from test_release_label import _apt_update


class _Signer:
    """Signs with a marker; enough for the consumer files."""

    def sign(self, data):
        return b'sig', b'clear:' + data

    def verify(self, data):
        return data.startswith(b'clear:')

    def public_key(self, *, armor):
        return b'key'


def _published(root, work, **kwargs):
    repo = AptRepository(path=root, codename='bookworm',
                         architectures=['amd64'], **kwargs)
    repo.publish(debs=[make_deb(work, name='ros-humble-p')],
                 rosdep_keys={'p': 'ros-humble-p'})
    return repo


@pytest.mark.parametrize('text, url', [
    ('https://debs.example.com/acme/', 'https://debs.example.com/acme'),
    ('http://10.0.0.2:8080/debs', 'http://10.0.0.2:8080/debs'),
    ('file:/srv/debs', 'file:/srv/debs'),
    ('https://debs.example.com/a%20b', 'https://debs.example.com/a%20b'),
])
def test_a_public_url_is_taken(text, url):
    assert _parse('--public-url', text).public_url == url
    assert _parse().public_url is None


@pytest.mark.parametrize('text', [
    '', 'debs.example.com/acme', 'ftp://debs.example.com/acme',
    'https://', 'https:///acme', 'https://x/a b', 'https://x/a]',
    'file:/srv/[x]', 'https://x/\ny'])
def test_a_public_url_that_would_break_the_sources_line_is_refused(text):
    with pytest.raises(_Refused) as refused:
        _parse(f'--public-url={text}')
    assert 'expected an http://, https:// or file: URL' in str(refused.value)


def test_a_public_url_with_credentials_is_refused():
    with pytest.raises(_Refused) as refused:
        _parse('--public-url', 'https://robot:s3cret@debs.example.com/acme')
    assert 'a user or password in --public-url would be published' in \
        str(refused.value)
    assert 's3cret' not in str(refused.value)


def test_the_consumer_files_name_the_public_url_and_the_key_path(tmp_path):
    root = tmp_path / 'repo'
    repo = _published(root, tmp_path / 'w', signer=_Signer(),
                      label='acme-robot-debs',
                      public_url='https://debs.example.com/acme')
    line = ('deb [signed-by=/etc/apt/keyrings/acme-robot-debs.gpg] '
            'https://debs.example.com/acme bookworm main\n')
    assert (root / 'colcon-deb-bookworm.list').read_text() == line
    assert (root / 'colcon-deb.list').read_text() == line
    # the line of this machine is still the repository here
    assert repo.apt_source_line() == \
        f'deb [signed-by={root}/key.gpg] file:{root} bookworm main'


def test_without_a_public_url_the_consumer_files_name_this_machine(tmp_path):
    root = tmp_path / 'repo'
    _published(root, tmp_path / 'w')
    assert (root / 'colcon-deb.list').read_text() == \
        f'deb [trusted=yes] file:{root} bookworm main\n'


def test_an_unsigned_public_repository_is_trusted_by_its_line(tmp_path):
    root = tmp_path / 'repo'
    _published(root, tmp_path / 'w', public_url='file:' + str(root))
    # apt takes the line as written for consumers
    sources = (root / 'colcon-deb.list').read_text()
    assert sources == f'deb [trusted=yes] file:{root} bookworm main\n'
    result = _apt_update(root, tmp_path / 'apt',
                         sources=root / 'colcon-deb.list')
    assert result.returncode == 0, result.stdout
    assert f'file:{root} bookworm Release' in result.stdout


def test_a_label_that_is_no_file_name_does_not_name_the_key(tmp_path):
    """A Label written by hand into an existing Release."""
    root = tmp_path / 'repo'
    repo = _published(root, tmp_path / 'w', signer=_Signer(),
                      public_url='https://x/debs')
    release = root / 'dists/bookworm/Release'
    release.write_text(release.read_text().replace(
        f'Label: {repo.label}', 'Label: ../../../root/.ssh/x'))
    again = AptRepository(path=root, codename='bookworm',
                          architectures=['amd64'], signer=_Signer(),
                          public_url='https://x/debs')
    assert again.label == '../../../root/.ssh/x'
    assert again.consumer_key_path == '/etc/apt/keyrings/colcon-deb.gpg'


def test_a_run_that_publishes_nothing_still_names_the_public_url(tmp_path):
    root = tmp_path / 'repo'
    _published(root, tmp_path / 'w', signer=_Signer(), label='acme')
    assert 'file:' in (root / 'colcon-deb.list').read_text()
    # the next run gives --public-url; every package is up to date
    AptRepository(path=root, codename='bookworm', architectures=['amd64'],
                  signer=_Signer(), public_url='https://x/acme') \
        .ensure_initialized()
    line = 'deb [signed-by=/etc/apt/keyrings/acme.gpg] https://x/acme ' \
        'bookworm main\n'
    assert (root / 'colcon-deb-bookworm.list').read_text() == line
    assert (root / 'colcon-deb.list').read_text() == line


def test_an_empty_repository_gets_no_sources_files(tmp_path):
    root = tmp_path / 'repo'
    AptRepository(path=root, codename='bookworm', architectures=['amd64'],
                  public_url='https://x/acme').ensure_initialized()
    assert not list(root.glob('*.list'))

"""Spell check of the code, helpers and tests (as colcon-core does).

Words the English base dictionary lacks but this project uses on purpose
are in ``spell_check.words``; a typo, or a listed word no file uses any
more, fails here.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = Path(__file__).resolve().parent / 'spell_check.words'


def _checked_files():
    files = [ROOT / 'setup.py']
    for pattern in ('colcon_deb_docker/**/*.py', 'tests/**/*.py',
                    'helpers/*.sh', 'helpers/*.py'):
        files += sorted(ROOT.glob(pattern))
    return [str(f) for f in files if '__pycache__' not in f.parts]


def test_spell_check():
    from scspell import Report
    from scspell import SCSPELL_BUILTIN_DICT
    from scspell import spell_check
    known = WORDS.read_text().split()
    report = Report(known)
    spell_check(_checked_files(), base_dicts=[SCSPELL_BUILTIN_DICT],
                report_only=report,
                additional_extensions=[('.sh', 'Python')])
    assert not report.unknown_words, \
        'unknown words: ' + ', '.join(sorted(report.unknown_words))
    unused = set(known) - report.found_known_words
    assert not unused, 'listed but unused: ' + ', '.join(sorted(unused))


def test_word_list_is_sorted_without_duplicates():
    words = WORDS.read_text().split()
    assert words == sorted(set(words))

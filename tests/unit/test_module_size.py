"""tools/check_module_size.py, the pep8 environment's limit on modules."""

import pathlib
import runpy

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECK = REPO / 'tools' / 'check_module_size.py'


def _main():
    return runpy.run_path(str(CHECK))['main']


def test_a_module_past_the_limit_fails_the_check(tmp_path, capsys):
    (tmp_path / 'small.py').write_text('x = 1\n' * 3)
    (tmp_path / 'pkg').mkdir()
    (tmp_path / 'pkg' / 'big.py').write_text('x = 1\n' * 6)
    assert _main()(['--max-lines', '5', str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert 'big.py: 6 lines, more than 5' in out
    assert 'small.py' not in out


def test_modules_at_the_limit_pass(tmp_path, capsys):
    (tmp_path / 'edge.py').write_text('x = 1\n' * 5)
    assert _main()(['--max-lines', '5', str(tmp_path)]) == 0
    assert capsys.readouterr().out == ''


def test_every_module_of_the_package_is_within_the_limit(capsys):
    package = REPO / 'hahealer'
    assert _main()([str(package)]) == 0, capsys.readouterr().out

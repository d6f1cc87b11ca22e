import pytest
from django.core.management import CommandError, call_command

from harness import pdfs
from syllabus.models import Syllabus

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_imports_files_and_reports_existing_ones(tmp_path, capsys):
    a = write(tmp_path, "a.pdf", pdfs.text_pdf(1))
    b = write(tmp_path, "b.pdf", pdfs.text_pdf(3))

    call_command("import_syllabi", "Algorithms", a, b)
    call_command("import_syllabi", "Algorithms", b)

    out = capsys.readouterr().out
    assert "2 created, 0 existed." in out and "0 created, 1 existed." in out
    assert sorted(Syllabus.objects.values_list("page_count", flat=True)) == [1, 3]


def test_one_bad_file_imports_nothing(tmp_path, media_root, capsys):
    good = write(tmp_path, "good.pdf", pdfs.text_pdf(1))
    bad = write(tmp_path, "bad.pdf", pdfs.truncated_pdf())

    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_syllabi", "Algorithms", good, bad)

    assert "bad.pdf:" in capsys.readouterr().err
    assert Syllabus.objects.count() == 0
    assert stored_files(media_root) == []


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Not a file"):
        call_command("import_syllabi", "Algorithms", str(tmp_path / "nope.pdf"))

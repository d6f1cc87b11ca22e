import pytest
from django.core.management import CommandError, call_command

from assessment_engine.accounts.factories import UserFactory
from assessment_engine.accounts.models import User

pytestmark = pytest.mark.django_db


def test_single_candidate_with_password(capsys):
    call_command("create_candidate", "ada", "--password", "analytical-engine-1843")

    ada = User.objects.get(username="ada")
    assert ada.check_password("analytical-engine-1843")
    assert (ada.is_active, ada.is_staff, ada.is_superuser) == (True, False, False)
    assert "Created candidate 'ada'" in capsys.readouterr().out


def test_single_candidate_without_password_prints_a_generated_one(capsys):
    call_command("create_candidate", "grace")

    out = capsys.readouterr().out
    password = out.rsplit("with password: ", 1)[1].strip()
    assert User.objects.get(username="grace").check_password(password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["taken", "--password", "long-enough-pass"], "already exists"),
        (["weak", "--password", "123"], "too short"),
        (["bad name!", "--password", "long-enough-pass"], "valid username"),
        ([], "Give either USERNAME or --csv FILE"),
    ],
)
def test_single_candidate_errors(args, message):
    UserFactory(username="taken")

    with pytest.raises(CommandError, match=message):
        call_command("create_candidate", *args)

    assert not User.objects.filter(username__in=["weak", "bad name!"]).exists()


def test_csv_creates_good_rows_and_reports_bad_ones(tmp_path, capsys):
    UserFactory(username="existing")
    csv_file = tmp_path / "candidates.csv"
    csv_file.write_text(
        "username,password,email\n"
        "alan,turing-machine-1936,alan@example.com\n"
        "barbara,liskov-substitution\n"
        "existing,some-long-password\n"
        "carol,short\n"
        "dave,valid-password-here,not-an-email\n"
        "onlyone\n"
        "\n"
        "erin,another-good-password,erin@example.com\n"
        "alan,turing-machine-again\n"
    )

    with pytest.raises(CommandError, match="5 row"):
        call_command("create_candidate", "--csv", str(csv_file))

    created = set(User.objects.exclude(username="existing").values_list("username", flat=True))
    assert created == {"alan", "barbara", "erin"}
    assert User.objects.get(username="alan").email == "alan@example.com"
    captured = capsys.readouterr()
    assert "Created 3 candidate(s); rejected 5 row(s)." in captured.out
    for line, reason in [
        (4, "already exists"),
        (5, "too short"),
        (6, "valid email"),
        (7, "got 1 column"),
        (10, "already exists"),
    ]:
        assert f"line {line}:" in captured.err and reason in captured.err


def test_csv_without_header_and_all_good(tmp_path, capsys):
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("frank,frankly-a-password\ngina,ginas-good-password\n")

    call_command("create_candidate", "--csv", str(csv_file))

    assert User.objects.filter(username__in=["frank", "gina"]).count() == 2
    assert "Created 2 candidate(s); rejected 0 row(s)." in capsys.readouterr().out


def test_csv_missing_file():
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("create_candidate", "--csv", "/nonexistent/candidates.csv")

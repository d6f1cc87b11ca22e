"""The assessment admin's results and statistics pages and CSV downloads (Django test client);
the browser test walks the same pages in Chromium."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.test import Client

from assessment_engine.accounts.factories import UserFactory

from .results_data import example_assessment, example_sessions, graded_session

pytestmark = pytest.mark.django_db


def page(assessment, name: str) -> str:
    return f"/admin/assessments/assessment/{assessment.pk}/{name}/"


@pytest.fixture
def assessment():
    assessment = example_assessment(title="Hashing")
    example_sessions(assessment)
    graded_session(assessment, "eve", {"s1q1": 1}, {"s1q1": "B"}, flagged={"s1q2"})
    return assessment


def staff_with(*codenames: str) -> Client:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def downloaded(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_assessment_page_links_to_results_and_statistics(superuser_client, assessment):
    body = superuser_client.get(f"/admin/assessments/assessment/{assessment.pk}/change/")

    assert body.status_code == 200
    assert f'href="{page(assessment, "results")}"' in body.content.decode()
    assert f'href="{page(assessment, "statistics")}"' in body.content.decode()


def test_results_page_lists_candidates_and_filters(superuser_client, assessment):
    everyone = superuser_client.get(page(assessment, "results"))
    flagged = superuser_client.get(page(assessment, "results"), {"review_state": "NEEDS_REVIEW"})
    unknown = superuser_client.get(page(assessment, "results"), {"status": "DONE"})

    assert [row["username"] for row in everyone.context["page"]] == [
        "ann",
        "bob",
        "cid",
        "dee",
        "eve",
    ]
    assert "85.71%" in everyone.content.decode()
    assert [row["username"] for row in flagged.context["page"]] == ["eve"]
    assert "rows=answers" in flagged.content.decode()
    assert "review_state=NEEDS_REVIEW" in flagged.content.decode()  # the CSV links keep it
    # an unknown value is shown as an error and filters nothing
    assert unknown.context["form"].errors["status"]
    assert len(unknown.context["page"]) == 5


def test_csv_downloads_of_scores_and_of_responses(superuser_client, assessment):
    scores = superuser_client.get(page(assessment, "results/export"), {"status": "COMPLETED"})
    responses = superuser_client.get(page(assessment, "results/export"), {"rows": "answers"})

    header, *rows = downloaded(scores)
    assert header[0] == "username" and header[-3:] == ["s1q1", "s1q2", "s1q3"]
    assert [row[0] for row in rows] == ["ann", "bob", "cid", "dee", "eve"]
    assert rows[0][-3:] == ["1", "4", "1"]
    assert f"results-{assessment.pk}.csv" in scores["Content-Disposition"]
    header, *rows = downloaded(responses)
    assert header[:1] == ["username"] and len(rows) == 4 * 3 + 1  # every answer submitted
    assert rows[0][5:8] == ["s1q1", "MCQ", "B"]
    assert f"responses-{assessment.pk}.csv" in responses["Content-Disposition"]


def test_statistics_page_draws_the_distribution_on_the_server(superuser_client, assessment):
    response = superuser_client.get(page(assessment, "statistics"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<g class="bar">') == 10
    assert "<script" not in body.split('id="content"')[1]  # the chart needs no script
    figures = response.context["figures"]
    assert figures["attempts"] == 5
    assert 'id="question-statistics"' in body and "UNCHOSEN_DISTRACTOR".lower() in body
    bars = response.context["chart"]["bars"]
    assert [bar["count"] for bar in bars] == [0, 2, 0, 0, 1, 1, 0, 0, 1, 0]
    assert max(bar["height"] for bar in bars) == response.context["chart"]["height"]


def test_pages_need_the_view_permissions_of_sessions_and_evaluations(assessment):
    assessment_only = staff_with("view_assessment")
    viewer = staff_with("view_assessment", "view_candidatesession", "view_evaluation")

    for name in ("results", "results/export", "statistics"):
        refused = assessment_only.get(page(assessment, name))
        assert (refused.status_code, refused["Location"]) == (302, "/admin/")
        assert viewer.get(page(assessment, name)).status_code == 200
    change_page = assessment_only.get(f"/admin/assessments/assessment/{assessment.pk}/change/")
    assert change_page.status_code == 200
    assert "results-link" not in change_page.content.decode()


def test_unknown_assessment_is_a_404(superuser_client):
    missing = "00000000-0000-0000-0000-000000000000"

    for name in ("results", "results/export", "statistics"):
        assert (
            superuser_client.get(f"/admin/assessments/assessment/{missing}/{name}/").status_code
            == 404
        )

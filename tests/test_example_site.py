"""The example site's own wiring."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_queue_dashboard_asks_visitors_to_log_in_to_the_wagtail_admin(client):
    response = client.get("/django-rq/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/django-admin/login/?next=/django-rq/"


def test_the_queue_dashboard_opens_for_a_superuser(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    assert client.get("/django-rq/").status_code == 200

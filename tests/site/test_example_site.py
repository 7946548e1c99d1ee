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


def test_the_queue_dashboard_and_djangos_admin_refuse_staff_who_are_not_superusers(client, manager):
    """Issue 15, point 2: failed jobs show what the jobs were given; managers, jury members and
    editors are staff, and none of them runs the site."""
    from django.contrib.auth.models import Permission

    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(manager)
    for url in ("/django-rq/", "/django-rq/queues/0/failed/", "/django-admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/django-admin/login/"), url

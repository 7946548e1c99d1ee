from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_rq import urls as django_rq_urls
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from .api import api_router
from .operators import operators_only

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    # For those who run the site only (superusers): failed jobs show what jobs were given.
    path("django-rq/", include((operators_only(list(django_rq_urls.urlpatterns)), "django_rq"))),
    # django-rq's dashboard is built on Django's admin (its login, its layout).
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    path("", include("aap_wagtail.urls")),  # before Wagtail's catch-all
    path("", include(wagtail_urls)),
]

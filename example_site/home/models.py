from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The example site's home page: a welcome text and links to its calls for projects."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["aap_wagtail.CallIndexPage"]

    def get_context(self, request, *args, **kwargs):
        from aap_wagtail.models import CallIndexPage

        context = super().get_context(request, *args, **kwargs)
        context["call_indexes"] = CallIndexPage.objects.live().public().child_of(self)
        return context

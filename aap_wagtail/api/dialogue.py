"""``applications/{uuid}/messages/``: the applicant reads the thread with the call's staff (never
the internal notes) and writes to them, with the same rules as the status page."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import status
from rest_framework.response import Response

from .. import workflow
from ..applications.dialogue import MessageForm, applicant_thread
from . import bridge
from .views import AapAPIView, invalid, json_object, one_error


def describe(request, message) -> dict:
    file_url = None
    if message.file:
        file_url = request.build_absolute_uri(
            reverse("aap_wagtail:message_file", args=[message.pk])
        )
    return {
        "id": message.pk,
        "from": message.author_kind,
        "sent_at": message.created_at.isoformat(),
        "message": message.body,
        "file_name": message.original_name or None,
        "file_url": file_url,
    }


class MessagesView(AapAPIView):
    """The dossier's messages, oldest first; ``POST {"message": "…"}`` writes one."""

    def get(self, request, uuid):
        application = self.own_application(uuid)
        thread = applicant_thread(application)
        return Response({"messages": [describe(request, m) for m in thread]})

    def post(self, request, uuid):
        application = self.own_application(uuid)
        payload, error = json_object(request)
        if error:
            return error
        form = MessageForm({"body": bridge.as_text(payload.get("message"))})
        if not form.is_valid():
            errors = bridge.form_errors(form)
            if "body" in errors:
                errors["message"] = errors.pop("body")
            return invalid(errors)
        try:
            message = workflow.post_applicant_message(application, body=form.cleaned_data["body"])
        except workflow.TransitionRefused as refusal:
            return one_error(bridge.NON_FIELD, "refused", str(refusal), status.HTTP_409_CONFLICT)
        return Response(describe(request, message), status=status.HTTP_201_CREATED)

"""Endpoints of the system log store: GET system-logs, and the webhooks collection and its members."""
import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from ..filters import SystemLogFilter
from ..models import SystemLogEntry, WebhookEndpoint
from ..selectors import system_logs_for, webhook_by_id, webhooks_for
from ..webhooks import WebhookLimitReached, create_webhook, delete_webhook, update_webhook
from .access import ScopeOrRole, caller_of, deny
from .pagination import CreatedCursorPagination, ResultsCursorPagination
from .schema import errors
from .serializers import (
    SystemLogEntrySerializer,
    WebhookCreatedSerializer,
    WebhookInputSerializer,
    WebhookSerializer,
)


class SystemLogListView(ListAPIView):
    serializer_class = SystemLogEntrySerializer
    filterset_class = SystemLogFilter
    pagination_class = ResultsCursorPagination
    permission_classes = [ScopeOrRole]
    required_scope = "syslog:read"
    session_roles = ("admin", "compliance_officer")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SystemLogEntry.objects.none()
        return system_logs_for(caller_of(self.request).organization)

    @extend_schema(summary="System log entries, newest first", responses={200: SystemLogEntrySerializer(many=True),
                                                                          **errors(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class _WebhookView(GenericAPIView):
    permission_classes = [ScopeOrRole]
    required_scope = "webhooks:manage"
    session_roles = ("admin",)
    serializer_class = WebhookSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return webhooks_for(caller_of(self.request).organization)


class WebhookListView(_WebhookView):
    pagination_class = CreatedCursorPagination

    @extend_schema(summary="The organization's webhooks, oldest first",
                   responses={200: WebhookSerializer(many=True), **errors(400, 401, 403)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookSerializer(page, many=True).data)

    @extend_schema(summary="Subscribe an URL to audit events", request=WebhookInputSerializer,
                   responses={201: WebhookCreatedSerializer, **errors(400, 401, 403)})
    def post(self, request):
        given = WebhookInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        caller = caller_of(request)
        try:
            endpoint = create_webhook(organization=caller.organization, acting=caller.acting, **given.validated_data)
        except WebhookLimitReached as full:
            raise exceptions.ValidationError({"url": [str(full)]}) from None
        return Response(WebhookCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH, description="The webhook's id.")])
class WebhookDetailView(_WebhookView):
    def get_object(self):
        try:
            pk = uuid.UUID(str(self.kwargs["pk"]))
        except ValueError:
            raise exceptions.NotFound("No such webhook.") from None
        endpoint = self.get_queryset().filter(pk=pk).first()
        if endpoint is not None:
            return endpoint
        if webhook_by_id(pk) is not None:
            deny(self.request, f"webhook:{pk}", "another organization's webhook")
            raise exceptions.PermissionDenied("This webhook belongs to another organization.")
        raise exceptions.NotFound("No such webhook.")

    @extend_schema(summary="One webhook", responses={200: WebhookSerializer, **errors(401, 403, 404)})
    def get(self, request, pk):
        return Response(WebhookSerializer(self.get_object()).data)

    @extend_schema(summary="Change a webhook's url, actions or description", request=WebhookInputSerializer,
                   responses={200: WebhookSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request, pk):
        endpoint = self.get_object()
        given = WebhookInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        caller = caller_of(request)
        endpoint = update_webhook(endpoint=endpoint, organization=caller.organization, values=given.validated_data,
                                  acting=caller.acting)
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(summary="Delete a webhook and its pending deliveries",
                   responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, pk):
        caller = caller_of(request)
        delete_webhook(endpoint=self.get_object(), organization=caller.organization, acting=caller.acting)
        return Response(status=status.HTTP_204_NO_CONTENT)

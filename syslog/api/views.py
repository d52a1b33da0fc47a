"""Endpoints of the system log store: GET system-logs, and the webhooks collection and its members."""
import uuid

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from audit.api.base import TrailView
from audit.api.permissions import refuse

from ..filters import SystemLogFilter
from ..models import SystemLogEntry, WebhookEndpoint
from ..selectors import system_logs_for, webhook_by_id, webhooks_for
from ..webhooks import WebhookLimitReached, create_webhook, delete_webhook, update_webhook
from .pagination import CreatedCursorPagination, ResultsCursorPagination
from .schema import errors
from .serializers import (
    SystemLogEntrySerializer,
    WebhookCreatedSerializer,
    WebhookInputSerializer,
    WebhookSerializer,
)


class SystemLogListView(TrailView):
    required_scope = "syslog:read"
    serializer_class = SystemLogEntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SystemLogFilter
    pagination_class = ResultsCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SystemLogEntry.objects.none()
        return system_logs_for(self.organization())

    @extend_schema(operation_id="system_logs_list", summary="System log entries, newest first",
                   responses={200: SystemLogEntrySerializer(many=True), **errors(400)})
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SystemLogEntrySerializer(page, many=True).data)


class _WebhookView(TrailView):
    required_scope = "webhooks:manage"
    serializer_class = WebhookSerializer

    @property
    def throttle_scope(self):
        return "read" if self.request.method == "GET" else "write"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return webhooks_for(self.organization())


class WebhookListView(_WebhookView):
    pagination_class = CreatedCursorPagination

    @extend_schema(operation_id="webhooks_list", summary="The organization's webhooks, oldest first",
                   responses={200: WebhookSerializer(many=True), **errors(400)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebhookSerializer(page, many=True).data)

    @extend_schema(operation_id="webhooks_create", summary="Subscribe a URL to audit events",
                   request=WebhookInputSerializer, responses={201: WebhookCreatedSerializer, **errors(400)})
    def post(self, request):
        given = WebhookInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint = create_webhook(organization=self.organization(), acting=self.acting(), **given.validated_data)
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
            refuse(self.request, f"webhook:{pk}", "another organization's webhook")
            raise exceptions.PermissionDenied("This webhook belongs to another organization.")
        raise exceptions.NotFound("No such webhook.")

    @extend_schema(operation_id="webhooks_retrieve", summary="One webhook",
                   responses={200: WebhookSerializer, **errors(404)})
    def get(self, request, pk):
        return Response(WebhookSerializer(self.get_object()).data)

    @extend_schema(operation_id="webhooks_partial_update", summary="Change a webhook's url, actions or description",
                   request=WebhookInputSerializer, responses={200: WebhookSerializer, **errors(400, 404)})
    def patch(self, request, pk):
        endpoint = self.get_object()
        given = WebhookInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        endpoint = update_webhook(endpoint=endpoint, organization=self.organization(), values=given.validated_data,
                                  acting=self.acting())
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(operation_id="webhooks_destroy", summary="Delete a webhook and its pending deliveries",
                   responses={204: None, **errors(404)})
    def delete(self, request, pk):
        delete_webhook(endpoint=self.get_object(), organization=self.organization(), acting=self.acting())
        return Response(status=status.HTTP_204_NO_CONTENT)

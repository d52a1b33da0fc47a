"""Serializers of the system log and webhook endpoints: input checks and the shapes returned."""
from rest_framework import serializers

from ..models import SystemLogEntry, WebhookEndpoint
from ..targets import UnsafeTarget, check_url
from ..webhooks import MAX_ACTIONS, valid_action_pattern

ACTIONS_HELP = ("Exact actions (task.completed) or prefixes ending in .* (auth.*); an empty list means "
                "every action.")


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would turn a number into text, which the schema does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SystemLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = SystemLogEntry
        fields = ["id", "kind", "severity", "occurred_at", "message", "details"]


class WebhookSerializer(serializers.ModelSerializer):
    """What an endpoint looks like when read: never its secret."""

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "actions", "description", "created_at", "updated_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_ + base64). Shown this once only.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="Where deliveries are POSTed (http or https).")
    actions = serializers.ListField(child=StrictCharField(max_length=102), max_length=MAX_ACTIONS,
                                    required=False, default=list, help_text=ACTIONS_HELP)
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_url(self, value):
        try:
            check_url(value)
        except UnsafeTarget as refused:
            raise serializers.ValidationError(str(refused)) from None
        return value

    def validate_actions(self, value):
        bad = [pattern for pattern in value if not valid_action_pattern(pattern)]
        if bad:
            raise serializers.ValidationError(f"Not an action or action prefix: {', '.join(bad)}. {ACTIONS_HELP}")
        return list(dict.fromkeys(value))

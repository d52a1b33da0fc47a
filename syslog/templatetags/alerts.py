"""Template tags that show an organization's open alerts on other apps' pages (the Integrity page)."""
from django import template

from syslog.alerts.selectors import open_alerts

register = template.Library()


@register.simple_tag
def open_alerts_for(organization, rule: str):
    return list(open_alerts(organization, rule=rule))

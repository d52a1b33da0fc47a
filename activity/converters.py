"""The URL converter of platform ids: any characters, slashes and line breaks included (`path:` stops at "\\n")."""
from django.urls import register_converter


class PlatformIdConverter:
    regex = r"(?s:.+)"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PlatformIdConverter, "pid")

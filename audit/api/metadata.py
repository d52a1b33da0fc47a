"""What OPTIONS answers on every endpoint: its name, description and media types (its methods in `Allow`).

DRF's default describes a form from the view's serializer, which endpoints without one cannot give; the
OpenAPI schema at /api/schema/ is where the shapes are described.
"""
from rest_framework.metadata import BaseMetadata


class EndpointMetadata(BaseMetadata):
    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": request.build_absolute_uri("/api/schema/"),
        }

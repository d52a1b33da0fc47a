"""The base of every trail endpoint: key or session authentication, scope check, per-caller throttle."""
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BrowsableAPIRenderer

from .metadata import EndpointMetadata
from .parsers import OrjsonParser
from .permissions import HasScope, acting_of, organization_of
from .renderers import OrjsonRenderer
from .throttling import CallerRateThrottle


class TrailView(GenericAPIView):
    permission_classes = [HasScope]
    throttle_classes = [CallerRateThrottle]
    renderer_classes = [OrjsonRenderer, BrowsableAPIRenderer]
    parser_classes = [OrjsonParser]  # JSON bodies only, as the schema says
    metadata_class = EndpointMetadata
    required_scope = "events:read"
    throttle_scope = "read"
    filter_backends = []
    pagination_class = None

    def organization(self):
        return organization_of(self.request)

    def acting(self):
        return acting_of(self.request)

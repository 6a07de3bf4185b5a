from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from .views.auth import TokenView
from .views.definitions import DefinitionViewSet
from .views.documents import DocumentViewSet, GrantViewSet, RegisterViewSet
from .views.drafts import DraftVersionViewSet
from .views.exchange import DocumentDeliveriesView, OutboxViewSet, PacketView
from .views.incidents import IncidentViewSet
from .views.instances import InstanceViewSet
from .views.messages import MessageView
from .views.notifications import NotificationViewSet
from .views.organs import OrganViewSet
from .views.signing import CertificateViewSet, FileViewSet, SignatureRequestViewSet, VerificationViewSet
from .views.tasks import TaskViewSet

router = SimpleRouter()
router.register("process-definitions", DefinitionViewSet, basename="definition")
router.register("process-instances", InstanceViewSet, basename="instance")
router.register("tasks", TaskViewSet, basename="task")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("documents", DocumentViewSet, basename="document")
router.register(r"documents/(?P<id>[^/.]+)/versions", DraftVersionViewSet, basename="document-version")
router.register("document-grants", GrantViewSet, basename="document-grant")
router.register("registers", RegisterViewSet, basename="register")
router.register("signing/verifications", VerificationViewSet, basename="signing-verification")
router.register("signing/files", FileViewSet, basename="signing-file")
router.register("signing/certificates", CertificateViewSet, basename="signing-certificate")
router.register("signing/requests", SignatureRequestViewSet, basename="signing-request")
router.register("exchange/outbox", OutboxViewSet, basename="exchange-outbox")
router.register("organs", OrganViewSet, basename="organ")

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/auth/token/", TokenView.as_view(), name="token"),
    path("api/v1/messages/", MessageView.as_view(), name="messages"),
    path("api/v1/exchange/packets/", PacketView.as_view(), name="exchange-packets"),
    path("api/v1/documents/<uuid:id>/deliveries/", DocumentDeliveriesView.as_view(), name="document-deliveries"),
    path("api/v1/", include(router.urls)),
]

"""Routes of the signing API, mounted under ``/api/v1/signing/`` by ``api.urls``."""

from rest_framework.routers import SimpleRouter

from .views import CertificateViewSet, FileViewSet, SignatureRequestViewSet, VerificationViewSet

router = SimpleRouter()
router.register("verifications", VerificationViewSet, basename="signing-verification")
router.register("files", FileViewSet, basename="signing-file")
router.register("certificates", CertificateViewSet, basename="signing-certificate")
router.register("requests", SignatureRequestViewSet, basename="signing-request")

urlpatterns = router.urls

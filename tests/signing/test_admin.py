"""Admin pages of the signing app: anchors, CRLs and certificates are added by uploading the file
itself; secrets are never shown; requests, reports and files are read-only."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from signing.models import RevocationList, SigningCertificate, TrustAnchor, TrustList
from signing.verify import verify_and_store


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(user)
    return client


def test_a_trust_anchor_and_a_crl_are_added_from_their_files(admin_client, pki):
    trust_list = TrustList.objects.create(name="vgca")

    response = admin_client.post("/admin/signing/trustanchor/add/", {
        "trust_list": trust_list.pk, "is_root": "on",
        "certificate": SimpleUploadedFile("root.pem", pki.root.cert_pem)})
    assert response.status_code == 302, response.content.decode()[:2000]
    anchor = TrustAnchor.objects.get()
    assert anchor.subject.startswith("Common Name: Quytrinh TEST Root CA") and anchor.is_root
    assert admin_client.post("/admin/signing/trustanchor/add/", {
        "trust_list": trust_list.pk, "certificate": SimpleUploadedFile("x.pem", b"junk")}).status_code == 200

    response = admin_client.post("/admin/signing/revocationlist/add/", {
        "crl": SimpleUploadedFile("ca.crl", pki.crls_der[0])})
    assert response.status_code == 302
    assert RevocationList.objects.get().issuer.startswith("Common Name: Quytrinh TEST CA chuyên dùng")


def test_a_certificate_is_registered_from_its_file_and_its_secret_never_shown(admin_client, pki, monkeypatch):
    monkeypatch.setenv("QUYTRINH_SECRET_FOR_ADMIN_TEST", "mat-khau-rat-bi-mat")
    response = admin_client.post("/admin/signing/signingcertificate/add/", {
        "certificate": SimpleUploadedFile("bithu.cer", pki.people["bi_thu"].cert_der),
        "kind": "person", "key_storage": "pkcs12", "pkcs12_path": "/srv/keys/bithu.p12", "body": "dang_uy_xa",
        "secret_ref": "QUYTRINH_SECRET_FOR_ADMIN_TEST", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    record = SigningCertificate.objects.get()
    assert (record.holder_name, record.body) == ("Nguyễn Văn An", "dang_uy_xa")

    page = admin_client.get(f"/admin/signing/signingcertificate/{record.pk}/change/").content.decode()
    assert "Nguyễn Văn An" in page and "mat-khau-rat-bi-mat" not in page


def test_reports_requests_and_files_are_read_only(admin_client, trusted, sealed):
    report = verify_and_store(sealed, file_name="04-KH-DU.pdf")
    for model in ("verificationreport", "signaturerequest", "documentfile"):
        assert admin_client.get(f"/admin/signing/{model}/").status_code == 200
        assert admin_client.get(f"/admin/signing/{model}/add/").status_code == 403
    page = admin_client.get(f"/admin/signing/verificationreport/{report.pk}/change/")
    assert page.status_code == 200 and "04-KH-DU.pdf" in page.content.decode()
    delete = f"/admin/signing/verificationreport/{report.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403

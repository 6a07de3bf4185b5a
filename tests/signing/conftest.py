"""Fixtures for the signing tests: the generated PKI, PKCS#12 files, a trust list with its CRLs,
an in-process timestamp authority configured the way a deployment would, and documents."""

from datetime import date
from pathlib import Path

import pytest

from signing import certificates, trust
from signing.models import HolderKind, KeyStorage
from signing.render import DocumentMetadata, SignatureBlock, System, render_document, signature_titles
from signing.testing.example import decision_metadata
from signing.testing.pki import test_pki as build_test_pki

P12_PASSWORD = "mat-khau-thu"
SECRET_ENV = "QUYTRINH_TEST_P12_PASSWORD"


@pytest.fixture(scope="session")
def pki():
    return build_test_pki()


@pytest.fixture(scope="session")
def key_dir(pki, tmp_path_factory) -> Path:
    """Every holder's key and certificate as a PKCS#12 file, as a CA would hand them out."""
    directory = tmp_path_factory.mktemp("keys")
    holders = {**pki.people, **pki.organisations, "revoked": pki.revoked, "expired": pki.expired,
               "rogue": pki.rogue_person, "tsa": pki.tsa}
    for label, issued in holders.items():
        chain = [pki.rogue_intermediate] if label == "rogue" else [pki.intermediate]
        (directory / f"{label}.p12").write_bytes(issued.pkcs12(password=P12_PASSWORD.encode(), chain=chain))
    return directory


@pytest.fixture
def signing_settings(settings, key_dir, monkeypatch):
    """The deployment's signing settings: an in-process TSA from a PKCS#12 file."""
    monkeypatch.setenv(SECRET_ENV, P12_PASSWORD)
    settings.SIGNING = {"TSA_PKCS12": str(key_dir / "tsa.p12"), "TSA_SECRET_REF": SECRET_ENV}
    return settings.SIGNING


@pytest.fixture
def trusted(db, pki):
    """The default trust list: the test root, its intermediate, and both CRLs."""
    trust.add_anchor(trust_list="default", certificate=pki.root.cert_der)
    trust.add_anchor(trust_list="default", certificate=pki.intermediate.cert_der, is_root=False)
    for crl in pki.crls_der:
        trust.add_crl(crl=crl)
    return "default"


@pytest.fixture
def register(trusted, pki, key_dir, signing_settings):
    """``register("bi_thu")`` -> the SigningCertificate of that holder, key in its PKCS#12 file."""

    def make(label: str, *, storage: str = KeyStorage.PKCS12, **extra):
        issued = pki.holder(label)
        kind = HolderKind.ORGANISATION if label in pki.organisations else HolderKind.PERSON
        chain = [pki.rogue_intermediate] if label == "rogue" else [pki.intermediate]
        location = {"pkcs12_path": str(key_dir / f"{label}.p12"), "secret_ref": SECRET_ENV}
        if storage != KeyStorage.PKCS12:
            location = {}
        return certificates.register_certificate(certificate=issued.cert_der, kind=kind, key_storage=storage,
                                                 chain=[c.cert_der for c in chain], **{**location, **extra})

    return make


def party_plan(number: int = 4) -> DocumentMetadata:
    return DocumentMetadata(
        system=System.PARTY, parent_organ_name="Đảng bộ tỉnh Hà Tĩnh", organ_name="Đảng ủy xã Vĩnh An",
        code_number=number, code_notation="KH/ĐU", place="Vĩnh An", issued_date=date(2026, 12, 5),
        type_name="Kế hoạch", subject="Tổ chức hội nghị sơ kết công tác xây dựng Đảng năm 2026",
        recipients=("Ban Thường vụ Tỉnh ủy (để b/c),", "Các chi bộ trực thuộc,", "Lưu Văn phòng Đảng ủy."),
        signature=SignatureBlock(
            titles=signature_titles(system=System.PARTY, on_behalf_of="Đảng ủy", position="Bí thư"),
            signer_name="Nguyễn Văn An"),
    )


BODY = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    ("Xét đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã về việc ban hành quy chế "
     "làm việc, bảo đảm sự phối hợp chặt chẽ, thống nhất trong chỉ đạo, điều hành."),
    "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của Ủy ban nhân dân xã.",
)


@pytest.fixture
def party_document():
    return render_document(metadata=party_plan(), body=BODY)


@pytest.fixture
def state_document():
    return render_document(metadata=decision_metadata(), body=BODY)


@pytest.fixture
def sealed(register, party_document) -> bytes:
    """The Party plan signed by the Bí thư, then by the Đảng ủy."""
    from signing.sign import sign_as_organisation, sign_as_person

    person, organisation = register("bi_thu"), register("dang_uy")
    signed = sign_as_person(pdf=party_document.pdf, certificate=person, approved_sha256=party_document.sha256)
    return sign_as_organisation(pdf=signed.pdf, certificate=organisation, approved_sha256=party_document.sha256).pdf

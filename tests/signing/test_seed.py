"""The demo's signing setup (``seed_signing``): 11 certificates of the Vĩnh An commune that sign
and verify with the in-process timestamp authority it configures; running it again changes nothing."""

import pytest
from django.core.management import call_command

from signing import demo
from signing.models import HolderKind, RevocationList, SigningCertificate, TrustAnchor
from signing.sign import sign_as_organisation, sign_as_person
from signing.verify import verify_pdf


@pytest.fixture
def seeded(db, tmp_path, settings, monkeypatch):
    monkeypatch.delenv(demo.SECRET_ENV, raising=False)  # the demo default password
    call_command("seed_demo", verbosity=0)
    call_command("seed_signing", "--dir", str(tmp_path), verbosity=0)
    monkeypatch.setenv(demo.SECRET_ENV, demo.DEFAULT_PASSWORD)  # what config/embedded.py gives the worker
    settings.SIGNING = {"TSA_PKCS12": str(tmp_path / "tsa.p12"), "TSA_SECRET_REF": demo.SECRET_ENV}
    return tmp_path


def test_eleven_certificates_for_the_communes_signers_and_seals(seeded):
    people = SigningCertificate.objects.filter(kind=HolderKind.PERSON)
    seals = SigningCertificate.objects.filter(kind=HolderKind.ORGANISATION)
    assert people.count() + seals.count() == 11
    assert {c.user.username for c in people} == set(demo.SIGNERS)
    assert people.get(user__username="phochutich").body == "ubnd_xa"
    assert set(seals.values_list("body", flat=True)) == set(demo.SEALS)
    assert seals.get(body="ubnd_xa").holder_name == "Ủy ban nhân dân xã Vĩnh An"
    assert all(c.pkcs12_path.startswith(str(seeded)) and c.secret_ref == demo.SECRET_ENV
               for c in SigningCertificate.objects.all())
    assert sorted(p.name for p in seeded.glob("*.p12")) == sorted(
        f"{label}.p12" for label in (*demo.CA_FILES, *demo.SIGNERS, *demo.SEALS))


def test_running_it_again_changes_nothing(seeded):
    before = (set(SigningCertificate.objects.values_list("fingerprint", flat=True)),
              TrustAnchor.objects.count(), RevocationList.objects.count())

    call_command("seed_signing", "--dir", str(seeded), verbosity=0)

    after = (set(SigningCertificate.objects.values_list("fingerprint", flat=True)),
             TrustAnchor.objects.count(), RevocationList.objects.count())
    assert after == before and len(before[0]) == 11 and before[1:] == (2, 2)


def test_the_seeded_keys_sign_and_verify(seeded, party_document):
    bithu = SigningCertificate.objects.get(user__username="bithu")
    dang_uy = SigningCertificate.objects.get(kind=HolderKind.ORGANISATION, body="dang_uy_xa")

    signed = sign_as_person(pdf=party_document.pdf, certificate=bithu, approved_sha256=party_document.sha256)
    sealed = sign_as_organisation(pdf=signed.pdf, certificate=dang_uy, approved_sha256=party_document.sha256)

    result = verify_pdf(sealed.pdf)
    assert result.valid, result.summary
    assert [s["holder"] for s in result.signatures] == ["Nguyễn Văn Bình", "Đảng ủy xã Vĩnh An"]

"""Signing and verification figures: ``python -m bench.signing`` prints them, ``run()`` returns them.

One process, a 1-page decision rendered by ``signing.render``, the organisation's RSA-2048 key
held in memory (``CachedKeySigner``), the in-process RFC 3161 authority, no database and no
network. Targets (issue 5): PAdES B-T signatures ``sign_bt_per_s`` >= 50, next to the floor
``raw_rsa_sign_per_s`` (``cryptography`` alone, same run); verification ``verify_ms_p50`` <= 30 ms
per signature including parsing the PDF and building the validation context.
"""

from __future__ import annotations

import json
import os
import statistics
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()


def _timed(fn, *, count: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
            "per_s": round(1000 * len(ordered) / sum(ordered), 1), "n": len(ordered)}


def _raw_rsa_per_s(key, seconds: float = 1.0) -> float:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    data, count, start = b"x" * 1024, 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        count += 1
    return count / (time.perf_counter() - start)


def run(*, count: int = 200) -> dict:
    _setup_django()
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    from signing import conf, images, stamps
    from signing.keys import CachedKeySigner
    from signing.render import PERSON_FIELD, render_document
    from signing.sign import sign_pdf
    from signing.testing.example import decision_metadata
    from signing.testing.pki import test_pki
    from signing.tsa import LocalTimeStamper
    from signing.verify import verify_pdf

    pki = test_pki()
    chain = [pki.intermediate.asn1_cert, pki.root.asn1_cert]
    org = pki.organisations["ubnd"]
    signer = CachedKeySigner(private_key=org.key, signing_cert=org.asn1_cert, chain=chain)
    person = CachedKeySigner(private_key=pki.people["pho_chu_tich"].key,
                             signing_cert=pki.people["pho_chu_tich"].asn1_cert, chain=chain)
    tsa = LocalTimeStamper(tsa_cert=pki.tsa.asn1_cert, private_key=pki.tsa.key, chain=chain)
    doc = render_document(metadata=decision_metadata(), body=["Điều 1. Ban hành kèm theo Quyết định này Quy chế."])

    def context():
        return ValidationContext(trust_roots=[pki.root.asn1_cert], other_certs=[pki.intermediate.asn1_cert],
                                 crls=pki.crls_der, allow_fetching=False,
                                 revocation_mode=conf.DEFAULTS["REVOCATION_MODE"])

    # Signing: an invisible organisation signature (the core rate), then with the stamps we use.
    invisible = _timed(lambda: sign_pdf(doc.pdf, signer=signer, field_name="Sig", timestamper=tsa), count=count)
    seal_style = stamps.image_style(images.demo_seal_png("Ủy ban nhân dân xã Vĩnh An", "T. Hà Tĩnh"))
    sig_style = stamps.image_style(images.demo_signature_png("Hoàng Văn Giang"))
    signed_person = sign_pdf(doc.pdf, signer=person, field_name=PERSON_FIELD, timestamper=tsa, stamp_style=sig_style)
    place = stamps.find_signature_field(PdfFileReader(io.BytesIO(signed_person.pdf)), PERSON_FIELD)
    seal_box = stamps.seal_box(place.box, seal_width_mm=36)
    sealed = _timed(lambda: sign_pdf(signed_person.pdf, signer=signer, field_name="Org", timestamper=tsa,
                                     page=place.page, box=seal_box, stamp_style=seal_style), count=count // 2)
    box = stamps.attachment_box(PdfFileReader(io.BytesIO(doc.pdf)))
    text_style = stamps.attachment_style()
    attachment = _timed(lambda: sign_pdf(doc.pdf, signer=signer, field_name="Att", timestamper=tsa, box=box,
                                         stamp_style=text_style,
                                         text_params={"notation": "Số: 15/QĐ-UBND", "signed_at": "x"}),
                        count=count // 4)
    b_lt = _timed(lambda: sign_pdf(doc.pdf, signer=signer, field_name="Sig", timestamper=tsa,
                                   validation_context=context()), count=count // 4)

    # Verification: parse + validation context + validate (integrity, chain, CRL, timestamp, diff).
    one = sign_pdf(doc.pdf, signer=signer, field_name="Sig", timestamper=tsa).pdf
    assert verify_pdf(one, validation_context=context()).valid
    verify_one = _timed(lambda: verify_pdf(one, validation_context=context()), count=count)
    two = sign_pdf(signed_person.pdf, signer=signer, field_name="Org", timestamper=tsa, page=place.page,
                   box=seal_box, stamp_style=seal_style).pdf
    assert verify_pdf(two, validation_context=context()).valid
    verify_two = _timed(lambda: verify_pdf(two, validation_context=context()), count=count // 4)

    raw = _raw_rsa_per_s(org.key)
    s_inv, s_seal, s_att, s_lt = (_summary(x) for x in (invisible, sealed, attachment, b_lt))
    v_one, v_two = _summary(verify_one), _summary(verify_two)
    return {
        "sign_bt_per_s": s_inv["per_s"],
        "raw_rsa_sign_per_s": round(raw, 1),
        "verify_ms_p50": v_one["p50_ms"],
        "sign_bt_ms": s_inv,
        "sign_bt_visible_seal_ms": s_seal,
        "sign_bt_attachment_text_ms": s_att,
        "sign_blt_ms": s_lt,
        "verify_one_signature_ms": v_one,
        "verify_two_signatures_ms_per_signature": {k: (round(v / 2, 2) if k.endswith("_ms") else v)
                                                   for k, v in v_two.items() if k != "per_s"},
        "pdf_bytes": {"unsigned": len(doc.pdf), "one_signature": len(one), "two_signatures": len(two)},
        "targets": {"sign_bt_per_s": ">= 50", "verify_ms_p50": "<= 30"},
        "notes": "1 process, RSA-2048 organisation key in memory, in-process TSA, invisible signature for "
                 "sign_bt_per_s; verification includes parsing and a fresh validation context per call",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))

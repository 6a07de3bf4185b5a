"""An outgoing document from draft to issued (issue 14): ``python -m bench outgoing``; ``figures()``
returns the figures, the phase ``outgoing_run`` measures inside Django.

``outgoing_end_to_end_s``: one Party plan (kế hoạch) of the demo commune's Party Committee through
the procedure ``outgoing_document``, one document at a time, the engine's services called as the
REST API calls them (the task read, ``engine.access.acts_on``, ``services.complete``; the signing
steps through ``signing.steps.open_step`` / ``sign_step``, the PKCS#12 password typed for each
signature as ``POST /api/v1/tasks/{id}/sign/`` gives it): start, ``draft`` (the built-in renderer),
content approval, format check, signer approval, the person's signature (the number given and
printed into the signed PDF in that step), the seal (issue runs in that step), one recipient in
this deployment (an outbox packet; its delivery is the worker's, after the figure). The median of
``DOCUMENTS`` after ``WARMUP`` untimed ones (the first of the process apart: fonts, parsed
definitions); p95 is the nearest rank. Target ≤ 1.5 s. On
PostgreSQL (``bench_outgoing``) and SQLite (``outgoing_end_to_end_s_sqlite``); the main key is
PostgreSQL's when it answers.

The split says where a miss goes: ``render`` (``outgoing.drafts.render``), ``person_signature``
and ``organisation_signature`` (``signing.sign.sign_as_person`` / ``sign_as_organisation``: the
checks, with the stamp images drawn when a certificate stores none, as the demo's and the test PKI's
don't; the key; the PDF signature with its timestamp and revocation data), and ``engine``: the
rest (steps, service tasks, storage, audit), with the database's share and statement count and
each service task's time. Time is taken by wrapping those functions (microseconds each).

Baseline, in the same process (the signing group's way): the same draft rendered and signed by the
person and the organisation with ``signing.sign.sign_pdf`` alone (keys in memory, the in-process
TSA, B-T, the stamps), no database, no checks: the document work no procedure can skip.
Certificates come from the test PKI (``signing.testing.pki``), as PKCS#12 files in the phase's
``var/``; the timestamp authority runs in process from one of them (``SIGNING["TSA_PKCS12"]``).

The phase's imports are inside its functions: ``bench.phase`` imports this module before it sets
Django up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

DOCUMENTS = 10
WARMUP = 2
TARGET_S = 1.5
BODY = "dang_uy_xa"  # the Party Committee: issuing body
RECIPIENT_BODY = "ubnd_xa"  # one recipient in this deployment
DRAFTER, CONTENT, FORMAT, SIGNER, CLERK = "chuyenvien", "truongbanxdd", "chanhvp", "phobithu", "vanthu"
PASSWORD = "mat-khau-bench"
SECRET_ENV = "QUYTRINH_BENCH_P12_PASSWORD"
PLAN = {
    "document_type": "ke_hoach", "subject": "Kế hoạch triển khai Quy định 339-QĐ/TW",
    "body_text": ("Thực hiện Quy định số 339-QĐ/TW của Bộ Chính trị, Ban Thường vụ Đảng ủy xã xây dựng kế hoạch "
                  "triển khai như sau.\n\nI. MỤC ĐÍCH, YÊU CẦU\n\nBảo đảm mọi đảng viên nắm vững nội dung Quy định, "
                  "thực hiện nghiêm túc, thống nhất trong toàn Đảng bộ.\n\nII. NỘI DUNG\n\n1. Tổ chức quán triệt "
                  "đến 100% chi bộ trực thuộc trong quý I.\n\n2. Các chi bộ xây dựng chương trình hành động cụ thể."
                  "\n\nIII. TỔ CHỨC THỰC HIỆN\n\nVăn phòng Đảng ủy theo dõi, tổng hợp, báo cáo Ban Thường vụ."),
    "number_text": "Số …-KH/ĐU", "signature_block": "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ", "urgency": "thuong",
}
#: The calls of one document, in order: what the split reports per call.
CALLS = ("start", "draft", "content_approval", "format_check", "signer_approval", "sign_person", "seal")


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- instrumentation (inside Django) -------------------------------------------------------------


class Clock:
    """Seconds spent in labelled functions during one document."""

    def __init__(self):
        self.spent: dict[str, float] = defaultdict(float)

    def reset(self) -> dict[str, float]:
        spent, self.spent = dict(self.spent), defaultdict(float)
        return spent

    @contextlib.contextmanager
    def timing(self, label: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.spent[label] += time.perf_counter() - start

    def wrap(self, label, func):
        @functools.wraps(func)
        def timed(*args, **kwargs):
            with self.timing(label(args, kwargs) if callable(label) else label):
                return func(*args, **kwargs)

        return timed

    def statements(self, execute, sql, params, many, context):
        """A ``connection.execute_wrapper``: the database's share (round trip included)."""
        self.spent["db_statements"] += 1
        with self.timing("db"):
            return execute(sql, params, many, context)


def _instrument(clock: Clock) -> None:
    """Time the renderer, both signatures (and their parts) and every service-task handler. The
    modules look these up at call time, so replacing the module attributes is enough."""
    from engine import handlers
    from outgoing import drafts
    from signing import sign, steps

    drafts.render = clock.wrap("render", drafts.render)
    for purpose, func in list(steps.SIGN_FUNCTION.items()):
        steps.SIGN_FUNCTION[purpose] = clock.wrap(f"{purpose}_signature", func)
    sign.plan_signature = clock.wrap(lambda a, k: f"{k['purpose']}_signature.checks", sign.plan_signature)
    sign.execute_plan = clock.wrap(lambda a, k: f"{a[0].purpose}_signature.pdf", sign.execute_plan)
    # The registry is the engine's; a bench may time what it holds (one entry per name).
    for name, handler in list(handlers._registry.items()):
        handlers._registry[name] = dataclasses.replace(handler, func=clock.wrap(f"handler:{name}", handler.func))


# --- setup (inside Django) -----------------------------------------------------------------------


def _seed(key_dir: Path) -> dict:
    """The demo commune and its registers, the test PKI's signer and seal registered with their
    PKCS#12 files, the trust list with its CRLs, the in-process TSA."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command  # Django is set up when a phase runs

    from signing import certificates, trust
    from signing.models import HolderKind, KeyStorage
    from signing.testing.pki import test_pki

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())  # the phase's stdout is its JSON answer
    call_command("seed_documents", verbosity=0, stdout=io.StringIO())
    pki = test_pki()
    key_dir.mkdir(parents=True, exist_ok=True)
    for label, issued, chain in (("pho_bi_thu", pki.holder("pho_bi_thu"), [pki.intermediate]),
                                 ("dang_uy", pki.holder("dang_uy"), [pki.intermediate]),
                                 ("tsa", pki.tsa, [pki.intermediate, pki.root])):
        (key_dir / f"{label}.p12").write_bytes(issued.pkcs12(password=PASSWORD.encode(), chain=chain))
    os.environ[SECRET_ENV] = PASSWORD
    settings.SIGNING = {**settings.SIGNING, "TSA_URL": "", "TSA_PKCS12": str(key_dir / "tsa.p12"),
                        "TSA_SECRET_REF": SECRET_ENV}
    trust.add_anchor(trust_list="default", certificate=pki.root.cert_der)
    trust.add_anchor(trust_list="default", certificate=pki.intermediate.cert_der, is_root=False)
    for crl in pki.crls_der:
        trust.add_crl(crl=crl)
    signer = get_user_model().objects.get(username=SIGNER)
    made = {}
    for label, kind, extra in (("pho_bi_thu", HolderKind.PERSON, {"user": signer}),
                               ("dang_uy", HolderKind.ORGANISATION, {"body": BODY})):
        made[label] = certificates.register_certificate(
            certificate=pki.holder(label).cert_der, kind=kind, key_storage=KeyStorage.PKCS12,
            chain=[pki.intermediate.cert_der], pkcs12_path=str(key_dir / f"{label}.p12"), secret_ref=SECRET_ENV,
            **extra)
    return {"person": made["pho_bi_thu"].pk, "organisation": made["dang_uy"].pk, "pki": pki}


# --- one document, as the API does it (inside Django) ---------------------------------------------


def _user(username):
    """A fresh user object per call, as a request authenticates one (no role cache carried over)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _open_task(instance_id, bpmn_id):
    from engine.models import Task, TaskStatus

    return Task.objects.only("pk").get(instance_id=instance_id, bpmn_id=bpmn_id, status=TaskStatus.OPEN).pk


def _complete(task_id, username, data):
    """``POST /api/v1/tasks/{id}/complete/``: the task read, who acts on it, not a signing step, the
    completion, the form drafts dropped."""
    from engine import access, rows, services
    from forms import drafts as form_drafts
    from signing import steps

    user = _user(username)
    task = rows.read_task(task_id)
    assert task is not None and access.acts_on(user, task), f"{username} does not act on {task_id}"
    steps.refuse_plain_completion(task)
    completion = services.complete(task, data=data, actor=user)
    form_drafts.discard_draft(task=completion.task)


def _sign(task_id, username, certificate):
    """``POST /api/v1/tasks/{id}/sign/`` with the PKCS#12 password typed."""
    from engine import access, rows
    from forms import drafts as form_drafts
    from signing import steps

    user = _user(username)
    task = rows.read_task(task_id)
    assert task is not None and access.acts_on(user, task), f"{username} does not act on {task_id}"
    step = steps.open_step(user, task)
    signed = steps.sign_step(user, task, certificate=certificate, secret=PASSWORD, step=step)
    form_drafts.discard_draft(task=signed.completion.task)


def _one_document(clock: Clock, certs: dict, fields: dict) -> dict:
    from django.db import connection, transaction

    from engine import services

    start, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(clock.statements):
        with clock.timing("call:start"), transaction.atomic():  # as the API's start view
            instance = services.start("outgoing_document", data={}, actor=_user(DRAFTER), body=BODY)
        approve = {"decision": "approve"}
        steps = (("draft", DRAFTER, fields), ("content_approval", CONTENT, approve),
                 ("format_check", FORMAT, approve), ("signer_approval", SIGNER, approve))
        for bpmn_id, who, data in steps:
            with clock.timing(f"call:{bpmn_id}"):
                _complete(_open_task(instance.pk, bpmn_id), who, data)
        with clock.timing("call:sign_person"):
            _sign(_open_task(instance.pk, "sign_person"), SIGNER, certs["person"])
        with clock.timing("call:seal"):
            _sign(_open_task(instance.pk, "seal"), CLERK, certs["organisation"])
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    spent = clock.reset()
    calls = {name: spent.pop(f"call:{name}") for name in CALLS}
    return {"instance": str(instance.pk), "total": total, "cpu": cpu, "calls": calls, "spent": spent}


def _check(instance_id) -> dict:
    """The document is issued with both signatures and sent to its recipient; the instance ended."""
    from documents import blobs
    from documents.models import Document, HandlingStatus
    from engine.models import Job, ProcessInstance
    from exchange.models import Delivery
    from signing.verify import verify_pdf

    document = Document.objects.get(processes__instance_id=instance_id)
    assert document.status == HandlingStatus.ISSUED, document.status
    assert ProcessInstance.objects.get(pk=instance_id).status == "completed"
    assert not Job.objects.filter(instance_id=instance_id).exists()
    deliveries = list(Delivery.objects.filter(document=document).values_list("body", flat=True))
    assert deliveries == [RECIPIENT_BODY], deliveries
    report = verify_pdf(blobs.read(document.files.get(role="main").blob))
    assert [s["valid"] for s in report.signatures] == [True, True], report.signatures
    return {"number": f"{document.code_number}/{document.code_notation}", "level": report.signatures[-1].get("level")}


# --- baseline: the same document work, nothing around it (inside Django) -----------------------------


def _baseline(pki, fields: dict):
    """A function that does the document work once and returns (render, person, organisation) seconds."""
    from django.utils import timezone
    from pyhanko.pdf_utils.reader import PdfFileReader

    from directory.models import Body
    from outgoing import drafts
    from signing import images, stamps
    from signing.keys import CachedKeySigner
    from signing.render import ORGANISATION_FIELD, PERSON_FIELD
    from signing.sign import sign_pdf
    from signing.tsa import LocalTimeStamper

    body = Body.objects.select_related("parent").get(code=BODY)
    render = drafts.render  # the original: the phase wraps it later
    chain = [pki.intermediate.asn1_cert, pki.root.asn1_cert]
    person = CachedKeySigner(private_key=pki.people["pho_bi_thu"].key,
                             signing_cert=pki.people["pho_bi_thu"].asn1_cert, chain=chain)
    seal = CachedKeySigner(private_key=pki.organisations["dang_uy"].key,
                           signing_cert=pki.organisations["dang_uy"].asn1_cert, chain=chain)
    tsa = LocalTimeStamper(tsa_cert=pki.tsa.asn1_cert, private_key=pki.tsa.key, chain=chain)
    sig_style = stamps.image_style(images.demo_signature_png("Trần Thị Hà"))
    seal_style = stamps.image_style(images.demo_seal_png("Đảng ủy xã Vĩnh An", "T. Hà Tĩnh"))

    def once() -> tuple[float, float, float]:
        t0 = time.perf_counter()
        pdf = render(fields, body=body, day=timezone.localdate())
        t1 = time.perf_counter()
        signed = sign_pdf(pdf, signer=person, field_name=PERSON_FIELD, timestamper=tsa, stamp_style=sig_style)
        t2 = time.perf_counter()
        place = stamps.find_signature_field(PdfFileReader(io.BytesIO(signed.pdf)), PERSON_FIELD)
        assert place is not None  # the renderer's field, just signed
        sign_pdf(signed.pdf, signer=seal, field_name=ORGANISATION_FIELD, timestamper=tsa, page=place.page,
                 box=stamps.seal_box(place.box, seal_width_mm=36), stamp_style=seal_style)
        return t1 - t0, t2 - t1, time.perf_counter() - t2

    return once


# --- the phase -------------------------------------------------------------------------------------


def outgoing_run(options) -> dict:
    """Seed, warm up, then time ``documents`` documents end to end, each followed by one baseline
    sample (interleaved, so that the box's load weighs on both alike)."""
    from django.db import connection

    from config import var
    from directory.models import Body

    documents, warmup = options.get("documents", DOCUMENTS), options.get("warmup", WARMUP)
    seeded = _seed(var.VAR_DIR / "bench-keys")
    fields = {**PLAN, "recipients": [Body.objects.get(code=RECIPIENT_BODY).organ_id]}
    baseline_once = _baseline(seeded["pki"], fields)
    clock = Clock()
    _instrument(clock)
    load_before = os.getloadavg()
    runs, base = [], []
    for index in range(warmup + documents):
        runs.append(_one_document(clock, seeded, fields))
        if index >= warmup:
            base.append(baseline_once())
        elif index == 0:
            baseline_once()  # its first run too: fonts, images
    checked = [_check(run["instance"]) for run in runs]
    first, timed = runs[0], runs[warmup:]
    totals = [r["total"] for r in timed]
    median = statistics.median(totals)
    base_median = statistics.median(sum(sample) for sample in base)

    def part(key) -> float:
        return statistics.median(r["spent"].get(key, 0.0) for r in timed)

    engine_rest = statistics.median(r["total"] - sum(r["spent"].get(k, 0.0) for k in (
        "render", "person_signature", "organisation_signature")) for r in timed)
    labels = sorted(timed[0]["spent"])
    return {
        "database": connection.vendor,
        "end_to_end_s": round(median, 3),
        "end_to_end_p95_s": round(_percentile(totals, 0.95), 3),
        "end_to_end_first_s": round(first["total"], 3),
        "cpu_s": round(statistics.median(r["cpu"] for r in timed), 3),
        "runs_s": [round(t, 3) for t in totals],
        "split_ms": {"render": _ms(part("render")), "person_signature": _ms(part("person_signature")),
                     "organisation_signature": _ms(part("organisation_signature")), "engine": _ms(engine_rest)},
        "signature_parts_ms": {key: _ms(part(key)) for key in labels if "_signature." in key},
        "calls_ms": {name: _ms(statistics.median(r["calls"][name] for r in timed)) for name in CALLS},
        "service_tasks_ms": {key.split(":", 1)[1]: _ms(part(key)) for key in labels if key.startswith("handler:")},
        "db_ms": _ms(part("db")), "db_statements": int(part("db_statements")),
        "baseline": {"median_s": round(base_median, 3),
                     **{f"{name}_ms": _ms(statistics.median(sample[i] for sample in base))
                        for i, name in enumerate(("render", "person_signature", "organisation_signature"))}},
        "ratio_to_baseline": round(median / base_median, 2),
        "documents": documents, "warmup": warmup, "numbers": f"{checked[0]['number']} … {checked[-1]['number']}",
        "signature_level": checked[-1]["level"], "target_s": TARGET_S,
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in os.getloadavg()]},
    }


# --- from the bench's own process --------------------------------------------------------------


def figures(sqlite_env: dict, var_dir: Path, run, recreate_database, *, postgres: bool,
            documents: int = DOCUMENTS) -> dict:
    """The PostgreSQL figure (when it answers) and SQLite's, each on a fresh database."""
    results: dict = {}
    found = {}
    if postgres:
        env = dict(sqlite_env, DATABASE_URL=recreate_database("bench_outgoing"))
        run("prepare", env)
        found["postgresql"] = run("outgoing_run", env, documents=documents)
    env = dict(sqlite_env, QUYTRINH_VAR_DIR=str(var_dir / "outgoing-sqlite"))
    run("prepare", env)
    found["sqlite"] = run("outgoing_run", env, documents=documents)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    for detail in found.values():
        detail["measured_at"] = stamp
    main = found.get("postgresql") or found["sqlite"]
    results.update(outgoing_end_to_end_s=main["end_to_end_s"], outgoing_end_to_end_p95_s=main["end_to_end_p95_s"],
                   outgoing_end_to_end_detail=main)
    if "postgresql" in found:
        results.update(outgoing_end_to_end_s_sqlite=found["sqlite"]["end_to_end_s"],
                       outgoing_end_to_end_detail_sqlite=found["sqlite"])
    return results


def describe(detail: dict) -> str:
    """One line for the table: the split and the baseline."""
    split = detail["split_ms"]
    return (f"p95 {detail['end_to_end_p95_s']:.2f} s, CPU {detail['cpu_s']:.2f} s; render {split['render']:.0f} ms, "
            "signatures "
            f"{split['person_signature']:.0f} + {split['organisation_signature']:.0f} ms, "
            f"engine {split['engine']:.0f} ms; "
            f"{detail['ratio_to_baseline']:.1f} × baseline ({detail['baseline']['median_s'] * 1000:.0f} ms); "
            f"target ≤ {TARGET_S:g} s")


if __name__ == "__main__":
    sys.exit("run it as a group: python -m bench outgoing")

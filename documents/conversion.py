"""Word drafts to PDF: the body of an outgoing document uploaded as a .docx (issue 14 §2).

LibreOffice headless (Debian's ``libreoffice-writer-nogui``) is started once per conversion, in a
fresh profile directory of its own: parallel conversions never share (or lock) a profile, and one
that went wrong leaves nothing behind for the next. It runs in its own process group with a time
limit; on timeout the whole group is killed. What is not a .docx is refused before LibreOffice
starts, so a stray upload never reaches it.

No macros: a .docx cannot carry any (a macro-enabled .docm is refused), and the fresh profile sets
LibreOffice's macro security to its highest level with macro execution disabled besides. No network:
a draft whose pictures, objects or sub-documents are linked from outside (rather than embedded) is
refused, since LibreOffice would fetch them while laying the pages out.

Settings (``DOCUMENTS`` in the Django settings): ``SOFFICE`` (the program, default ``soffice`` on the
PATH), ``CONVERSION_TIMEOUT`` (seconds, default 60), ``CONVERSION_MAX_BYTES`` (default 20 MB, the
limit of a document's files). Without Django settings (the bench), the defaults apply.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engine.exceptions import InvalidData, QuytrinhError

logger = logging.getLogger(__name__)

DEFAULT_SOFFICE = "soffice"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Unpacked, a .docx is mostly XML; more than this is a zip bomb, not a draft.
MAX_UNPACKED_RATIO = 20
DEBIAN_PACKAGE = "libreoffice-writer-nogui fonts-liberation2"

#: External relationships a draft may keep: a hyperlink is only followed by a reader, and Word names
#: the template a document came from (LibreOffice does not load it).
_EXTERNAL_ALLOWED = ("/hyperlink", "/attachedTemplate")
_EXTERNAL = re.compile(rb"<Relationship\b[^>]*>", re.IGNORECASE)

#: The fresh profile's settings: macro security "very high" and macro execution disabled.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
 <prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
 <prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


class ConversionError(QuytrinhError):
    """LibreOffice could not make a PDF of a draft (it failed or ran out of time)."""

    code = "conversion_failed"
    status = 422
    default_message = gettext_lazy("The Word file could not be converted to PDF. Open it in Word or LibreOffice, save "
                                   "it again as a .docx document and upload it again.")


class ConversionUnavailable(ConversionError):
    """LibreOffice is not installed on the server: the administrator's to fix, not the drafter's."""

    code = "conversion_unavailable"
    status = 503
    default_message = gettext_lazy(
        "Word files cannot be converted on this server: LibreOffice is not installed (Debian: apt-get install "
        "%(package)s).")


def _setting(name: str, default):
    if not settings.configured:  # the bench converts without a Django project
        return default
    return getattr(settings, "DOCUMENTS", {}).get(name, default)


def _refuse(message) -> InvalidData:
    return InvalidData(str(message), errors={"file": [str(message)]})


def check_docx(content: bytes, *, max_bytes: int | None = None) -> None:
    """Refuse what is not a Word (.docx) document LibreOffice may open without macros or network."""
    limit = max_bytes or int(_setting("CONVERSION_MAX_BYTES", DEFAULT_MAX_BYTES))
    if len(content) > limit:
        raise InvalidData(_("The Word file is larger than %(size)s MB.") % {"size": f"{limit / 2**20:g}"},
                          errors={"file": [_("Too large.")]})
    not_docx = gettext_lazy("The file is not a Word document (.docx).")  # translated only when refused
    try:
        archive = zipfile.ZipFile(BytesIO(content))
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise _refuse(not_docx)
        if sum(info.file_size for info in infos) > limit * MAX_UNPACKED_RATIO:
            raise _refuse(not_docx)
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise _refuse(_("The Word file contains macros (.docm); save it as a plain .docx document."))
        for name in names:
            if name.endswith(".rels") and _linked_from_outside(archive.read(name)):
                raise _refuse(_("The Word file links pictures or objects from outside; insert them into "
                                "the document instead."))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError):  # RuntimeError: an encrypted part
        raise _refuse(not_docx) from None


def _linked_from_outside(rels: bytes) -> bool:
    for match in _EXTERNAL.finditer(rels):
        tag = match.group(0)
        if b'TargetMode="External"' in tag or b"TargetMode='External'" in tag:
            kind = re.search(rb"""Type=["']([^"']*)["']""", tag)
            if not (kind and kind.group(1).decode(errors="replace").endswith(_EXTERNAL_ALLOWED)):
                return True
    return False


def soffice_path() -> str | None:
    """The LibreOffice program the setting names, if it is there and executable."""
    return shutil.which(str(_setting("SOFFICE", DEFAULT_SOFFICE)))


def docx_to_pdf(content: bytes, *, timeout: float | None = None) -> bytes:
    """The PDF LibreOffice makes of a .docx draft; raises InvalidData for what is not one,
    ConversionUnavailable without LibreOffice, ConversionError when it fails or runs out of time."""
    check_docx(content)
    program = soffice_path()
    if program is None:
        raise ConversionUnavailable(package=DEBIAN_PACKAGE)
    limit = float(timeout if timeout is not None else _setting("CONVERSION_TIMEOUT", DEFAULT_TIMEOUT))
    with tempfile.TemporaryDirectory(prefix="quytrinh-docx-") as tmp:
        work = Path(tmp)
        profile, source, out = work / "profile", work / "draft.docx", work / "out"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        out.mkdir()
        source.write_bytes(content)
        command = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out), str(source)]
        # A clean environment: HOME in the scratch directory, no proxy settings to reach out with.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "LANG": "C.UTF-8",
               "TMPDIR": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        process = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            output, _ignored = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            logger.warning("LibreOffice ran out of time (%.1f s) converting a draft", limit)
            raise ConversionError(_("Converting the Word file to PDF took longer than %(seconds)s seconds; "
                                    "it was stopped.") % {"seconds": f"{limit:g}"}) from None
        finally:
            _kill_group(process)  # whatever it started and left running
        pdf = out / "draft.pdf"
        if process.returncode != 0 or not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF-"):
            logger.warning("LibreOffice failed on a draft (exit %s): %s", process.returncode,
                           output.decode(errors="replace")[-2000:])
            raise ConversionError()
        return pdf.read_bytes()


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be refused; this wait is brief
        process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()

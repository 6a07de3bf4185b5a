"""What the REST API needs from forms (``settings.API["FORMS"]``): definitions and drafts."""

from .drafts import discard_draft, get_draft, save_draft
from .registry import get

load_draft = get_draft

__all__ = ["get", "load_draft", "get_draft", "save_draft", "discard_draft"]

"""What the document office tells the rest of the system, without knowing who listens.

``status_changed`` is sent inside the transaction that changed a document's handling status, so a
receiver that writes rows (the exchange's outbox: a status packet back to the sender) commits or
rolls back with the change itself. Arguments: ``document``, ``status`` (a ``HandlingStatus``),
``reason`` (free text; why it was returned), ``at`` (aware datetime), ``actor`` (a user or None).

``received`` is sent inside the step that made (or linked) an incoming document's record, so that an
app holding its files files them under the record: signing, which keeps the PDF whose signatures
were verified at upload. Arguments: ``document``, ``data`` (the process data), ``actor``.
"""

from django.dispatch import Signal

status_changed = Signal()
received = Signal()

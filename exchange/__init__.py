"""Exchange of documents between bodies: the edXML packet (``edxml``, QCVN 102:2016/BTTTT as
amended in 2022) and its transport (outbox, delivery with retries, the receiving side, status
packets), and delivery between bodies of the same deployment."""

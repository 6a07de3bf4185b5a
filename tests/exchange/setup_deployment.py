"""Run inside a second deployment (``manage.py shell < this file``) after migrate and the demo seeds:
make it another commune (its bodies' identification codes moved from ``.25.`` to ``.26.``), trust
the test PKI whose files are in ``QUYTRINH_TEST_TRUST_DIR``, and configure the first deployment as
its peer (``QUYTRINH_TEST_PEER_*``)."""

import os
from pathlib import Path

from directory.models import Body
from exchange import peers
from exchange.models import Peer
from signing import trust

for body in Body.objects.exclude(organ_id=""):
    body.organ_id = body.organ_id.replace(".25.", ".26.")
    body.save(update_fields=["organ_id"])

folder = Path(os.environ["QUYTRINH_TEST_TRUST_DIR"])
trust.add_anchor(trust_list="default", certificate=(folder / "root.der").read_bytes())
trust.add_anchor(trust_list="default", certificate=(folder / "intermediate.der").read_bytes(), is_root=False)
for crl in sorted(folder.glob("crl-*.der")):
    trust.add_crl(crl=crl.read_bytes())

peer = Peer.objects.create(name=os.environ["QUYTRINH_TEST_PEER_NAME"], url=os.environ["QUYTRINH_TEST_PEER_URL"],
                           organ_ids=os.environ["QUYTRINH_TEST_PEER_ORGANS"].split(","),
                           outbound_credential=os.environ["QUYTRINH_TEST_PEER_OUT_KEY"])
peers.set_inbound_key(peer, os.environ["QUYTRINH_TEST_PEER_IN_KEY"])
print("deployment ready")

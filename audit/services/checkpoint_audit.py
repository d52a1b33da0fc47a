"""What the verifier checks of an organization's signed checkpoints: signatures, their sequence, their roots."""
import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..events import answers, checkpoint_copies_requested
from ..models import Checkpoint, SigningKey
from .checkpoints import checkpoint_document, signed_bytes


class Broken(Exception):
    """The first thing found wrong: the seq it concerns, what is wrong, and how far the trail was verified."""

    def __init__(self, seq: int, problem: str, verified_through: int | None = None):
        super().__init__(problem)
        self.seq, self.problem, self.verified_through = seq, problem, verified_through


class CheckpointAudit:
    def __init__(self, organization):
        self.organization = organization
        self.documents = [checkpoint_document(c) for c in
                          Checkpoint.objects.filter(organization=organization).order_by("pk")]
        self.copies = _copies(organization)
        self.roots: dict[int, set[str]] = {}
        for document in self.documents:
            self.roots.setdefault(document["tree_size"], set()).add(document["root"])
        self.max_size = max((d["tree_size"] for d in self.documents), default=0)
        self.proven_size = 0
        self.start = 0

    def check_sequence(self, start: int) -> None:
        """Every checkpoint signed by a published key, each naming the one before, none shrinking the tree."""
        self.start = self.proven_size = start
        keys = {key.key_id: key.public_key for key in SigningKey.objects.all()}
        previous, size = None, 0
        for number, document in enumerate(self.documents, start=1):
            where = f"checkpoint {number} (tree size {document['tree_size']})"
            if not signature_valid(document, keys.get(document["key_id"])):
                raise Broken(max(document["tree_size"], 1), f"{where} has a bad signature", 0)
            if document["previous"] != previous or document["tree_size"] < size:
                raise Broken(max(document["tree_size"], 1), f"the checkpoint sequence is broken at {where}: "
                                                             "it does not follow the checkpoint before it", 0)
            previous, size = document["signature"], document["tree_size"]
        stored = {document["signature"] for document in self.documents}
        for copy in self.copies:
            if copy["signature"] not in stored and signature_valid(copy, keys.get(copy["key_id"])):
                raise Broken(max(copy["tree_size"], 1), f"the checkpoint of tree size {copy['tree_size']} kept "
                                                         "in the system log is missing from the main database: "
                                                         "checkpoints were deleted or replaced", 0)
            if copy["tree_size"] > self.max_size and copy["signature"] not in stored:
                self.max_size = copy["tree_size"]
            self.roots.setdefault(copy["tree_size"], set()).add(copy["root"])

    def reached(self, tree, seq: int) -> None:
        roots = self.roots.get(seq)
        if roots is None or seq <= self.start or tree is None:
            return
        root = tree.root().hex()
        if roots != {root}:
            raise Broken(self.proven_size + 1, f"the events up to {seq} do not match the signed checkpoint of "
                                                f"tree size {seq}: events {self.proven_size + 1} to {seq} were "
                                                "rewritten", self.proven_size)
        self.proven_size = seq

    def check_truncation(self, last_seq: int) -> None:
        if self.max_size > last_seq:
            raise Broken(last_seq + 1, f"events {last_seq + 1} to {self.max_size} are missing after the signed "
                                        f"checkpoint of tree size {self.max_size}: the trail was truncated")


def signature_valid(document: dict, public_key_b64: str | None) -> bool:
    if public_key_b64 is None:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(base64.b64decode(document["signature"], validate=True), signed_bytes(document))
    except (InvalidSignature, ValueError, binascii.Error, KeyError, TypeError):
        return False
    return True


def _copies(organization) -> list[dict]:
    return answers(checkpoint_copies_requested, "checkpoint copies", organization=organization)

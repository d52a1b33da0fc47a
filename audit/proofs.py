"""Reads of checkpoints and Merkle proofs for an organization (contract §9), shared by the API and the pages."""
from .merkle import consistency_proof, inclusion_path, root_from_inclusion
from .models import Checkpoint
from .services.checkpoints import checkpoint_document
from .services.merkle_store import TreeIncomplete, TreeReader


class ProofUnavailable(Exception):
    """No signed checkpoint answers the question; `field` names the parameter at fault, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def latest_checkpoint(organization) -> Checkpoint | None:
    return Checkpoint.objects.filter(organization=organization).order_by("-pk").first()


def checkpoint_of_size(organization, tree_size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(organization=organization, tree_size=tree_size).order_by("-pk").first()


def first_checkpoint_covering(organization, seq: int) -> Checkpoint | None:
    """The earliest checkpoint whose tree holds event `seq`: the one the event page names."""
    return Checkpoint.objects.filter(organization=organization, tree_size__gte=seq).order_by("pk").first()


def inclusion_proof(organization, event, tree_size: int | None = None) -> dict:
    if tree_size is None:
        checkpoint = latest_checkpoint(organization)
        if checkpoint is None or checkpoint.tree_size < event.seq:
            raise ProofUnavailable("The event is not yet in a signed checkpoint; the next one is minutes away.")
    else:
        checkpoint = checkpoint_of_size(organization, tree_size)
        if checkpoint is None:
            raise ProofUnavailable("No signed checkpoint has this tree size.", "tree_size")
        if tree_size < event.seq:
            raise ProofUnavailable("This checkpoint's tree does not hold the event yet.", "tree_size")
    size = checkpoint.tree_size
    path = TreeReader(organization).run(lambda get: inclusion_path(get, event.seq - 1, size))
    return {"leaf_index": event.seq - 1, "tree_size": size, "audit_path": [node.hex() for node in path],
            "checkpoint": checkpoint_document(checkpoint)}


def consistency(organization, first: int, second: int) -> dict:
    older, newer = checkpoint_of_size(organization, first), checkpoint_of_size(organization, second)
    if older is None:
        raise ProofUnavailable("No signed checkpoint has this tree size.", "first")
    if newer is None:
        raise ProofUnavailable("No signed checkpoint has this tree size.", "second")
    if first > second:
        raise ProofUnavailable("Must not be larger than second.", "first")
    proof = TreeReader(organization).run(lambda get: consistency_proof(get, first, second))
    return {"first": first, "second": second, "proof": [node.hex() for node in proof],
            "first_checkpoint": checkpoint_document(older), "second_checkpoint": checkpoint_document(newer)}


def proven_inclusion(organization, event) -> dict | None:
    """For the event page: the first checkpoint holding the event, if its inclusion proof checks out."""
    checkpoint = first_checkpoint_covering(organization, event.seq)
    if checkpoint is None:
        return None
    try:
        path = TreeReader(organization).run(lambda get: inclusion_path(get, event.seq - 1, checkpoint.tree_size))
    except TreeIncomplete:
        return {"checkpoint": checkpoint, "number": None, "proven": False}
    root = root_from_inclusion(bytes.fromhex(event.hash), event.seq - 1, checkpoint.tree_size, path)
    number = Checkpoint.objects.filter(organization=organization, pk__lte=checkpoint.pk).count()
    return {"checkpoint": checkpoint, "number": number, "proven": root is not None and root.hex() == checkpoint.root}

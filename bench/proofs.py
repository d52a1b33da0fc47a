"""Checkpoints, proofs and verification at scale, each beside a raw PostgreSQL read of the same rows.

    python -m bench proofs                       # 100,000 events (moderate: the machine is shared)
    python -m bench proofs --events 1000000      # the issue's checkpoint of 1,000,000 new events
    python -m bench proofs --org bench-proofs --events 1000000 --reuse   # keep and extend an earlier run's data

Figures: signing the first checkpoint over N new events; inclusion proof generation per event (p50/p95,
the function the API calls); verify_chain's full pass; building the bundle and verifying it offline.
"""
import argparse
import os
import random
import tempfile
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench proofs")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--org", default="bench-proofs")
    parser.add_argument("--reuse", action="store_true", help="Reuse the organization (and its checkpoints).")
    parser.add_argument("--proofs", type=int, default=500)
    parser.add_argument("--no-bundle", action="store_true", help="Skip building and verifying the bundle.")
    args = parser.parse_args(argv)

    from bench.common import bench_organization, setup

    setup()
    organization = bench_organization(args.org, fresh=not args.reuse)
    _load(organization, args.events)
    raw = _raw_reads(organization)
    checkpoint = _checkpoint(organization)
    proofs = _proofs(organization, args.proofs)
    verified = _verify(organization)
    bundle = None if args.no_bundle else _bundle(organization)
    _report(organization, raw, checkpoint, proofs, verified, bundle)
    return 0


def _load(organization, events: int) -> None:
    from django.db import connection

    from audit.models import ChainHead
    from bench.generate import generate

    have = ChainHead.objects.get(organization=organization).seq
    if have < events:
        generate(organization, events=events - have, actors=300, seed=have)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _raw_reads(organization) -> dict:
    """The same rows the verifier reads (plain SQL, psycopg, nothing done with them), and just (seq, hash)."""
    import psycopg

    from audit.services.chain_rows import _SQL
    from bench.common import psycopg_dsn

    figures = {}
    with psycopg.connect(psycopg_dsn()) as conn, conn.transaction():
        for name, sql, params in (
                ("rows", _SQL, [organization.pk, 0, 2**63 - 1]),
                ("hashes", "SELECT seq, hash FROM audit_auditevent WHERE organization_id = %s ORDER BY seq",
                 [organization.pk])):
            started, started_cpu, count = time.perf_counter(), time.process_time(), 0
            with conn.cursor(name=f"raw_{name}") as cursor:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(5000):
                    count += len(rows)
            figures[name] = (count, time.perf_counter() - started, time.process_time() - started_cpu)
    return figures


def _checkpoint(organization) -> dict:
    from audit.services.checkpoints import sign_checkpoint
    from audit.services.merkle_store import stored_size

    before = stored_size(organization)
    started = time.perf_counter()
    checkpoint = sign_checkpoint(organization, trigger="bench")
    first = time.perf_counter() - started
    started = time.perf_counter()
    sign_checkpoint(organization, trigger="bench")
    again = time.perf_counter() - started
    return {"new": checkpoint.tree_size - before, "seconds": first, "again": again, "size": checkpoint.tree_size}


def _proofs(organization, count: int) -> list[float]:
    from audit.models import AuditEvent
    from audit.proofs import inclusion_proof, latest_checkpoint

    size = latest_checkpoint(organization).tree_size
    rng = random.Random(7)
    seqs = [rng.randint(1, size) for _ in range(count)]
    events = {e.seq: e for e in AuditEvent.objects.filter(organization=organization, seq__in=seqs)}
    timings, cpu = [], []
    for seq in seqs:
        started, started_cpu = time.perf_counter(), time.process_time()
        proof = inclusion_proof(organization, events[seq])
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert proof["tree_size"] == size
    return timings, cpu


def _verify(organization):
    from audit.services.integrity import verify_chain

    started, started_cpu = time.perf_counter(), time.process_time()
    report = verify_chain(organization)
    return report, time.perf_counter() - started, time.process_time() - started_cpu


def _bundle(organization) -> dict:
    from audit.bundle import build_bundle
    from audit.verify_bundle import verify_bundle

    started = time.perf_counter()
    bundle, manifest = build_bundle(organization)
    built = time.perf_counter() - started
    with tempfile.NamedTemporaryFile(suffix=".zip") as file:
        file.write(bundle.read())
        file.flush()
        size = file.tell()
        started, started_cpu = time.perf_counter(), time.process_time()
        report = verify_bundle(file.name)
        verified, verified_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        started = time.perf_counter()
        parallel = verify_bundle(file.name, jobs=os.cpu_count() or 1)
        verified_parallel = time.perf_counter() - started
    return {"events": manifest["event_count"], "built": built, "verified": verified, "cpu": verified_cpu,
            "parallel": verified_parallel, "valid": report.valid and parallel.valid, "bytes": size}


def _report(organization, raw, checkpoint, proofs, verified, bundle) -> None:
    from bench.common import fmt_ms, fmt_rate, percentile, rate, report

    rows_count, rows_seconds, rows_cpu = raw["rows"]
    hashes_count, hashes_seconds, _ = raw["hashes"]
    chain, seconds, cpu = verified
    wall, cpu_each = proofs
    report(f"Proofs ({organization.slug}, {rows_count:,} events, PostgreSQL)", [
        ("raw read of the hashed columns (server-side cursor)",
         f"{fmt_rate(rate(rows_count, rows_seconds))} (client CPU {fmt_rate(rate(rows_count, rows_cpu))})"),
        ("raw read of (seq, hash)", fmt_rate(rate(hashes_count, hashes_seconds))),
        (f"first checkpoint over {checkpoint['new']:,} new events",
         f"{checkpoint['seconds']:.1f} s ({fmt_rate(rate(checkpoint['new'], checkpoint['seconds']))})"),
        ("next checkpoint, nothing new", fmt_ms(checkpoint["again"])),
        (f"inclusion proof at tree size {checkpoint['size']:,}: p50", fmt_ms(percentile(wall, 50))),
        ("inclusion proof p95 (target < 10 ms)", f"{fmt_ms(percentile(wall, 95))} "
                                                 f"(CPU p95 {fmt_ms(percentile(cpu_each, 95))})"),
        ("verify_chain full pass", f"{'ok' if chain.ok else 'BROKEN: ' + chain.problem} in {seconds:.1f} s: "
                                   f"{fmt_rate(rate(chain.verified_through_seq, seconds))}, "
                                   f"{fmt_rate(rate(chain.verified_through_seq, cpu))} per CPU second"),
        ("  verify_chain time / raw read time", f"{seconds / rows_seconds:.2f}"),
        *(_bundle_rows(bundle) if bundle else [("bundle", "skipped (--no-bundle)")]),
        ("load average at the end", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)"),
    ])


def _bundle_rows(bundle) -> list[tuple[str, str]]:
    from bench.common import fmt_rate, rate

    events = bundle["events"]
    return [
        ("bundle build", f"{bundle['built']:.1f} s, {bundle['bytes'] / 2**20:.0f} MiB"),
        ("bundle verification, 1 process", f"{'valid' if bundle['valid'] else 'INVALID'} in "
                                           f"{bundle['verified']:.1f} s: {fmt_rate(rate(events, bundle['verified']))}, "
                                           f"{fmt_rate(rate(events, bundle['cpu']))} per CPU second"),
        (f"bundle verification, {os.cpu_count()} processes", f"{bundle['parallel']:.1f} s: "
                                                             f"{fmt_rate(rate(events, bundle['parallel']))}"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())

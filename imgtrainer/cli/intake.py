"""``imgtrainer receive`` (DICOM C-STORE receiver) and ``imgtrainer pull`` (DICOMweb from a PACS)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from imgtrainer.cli._common import number, output_folder, print_json
from imgtrainer.library.models import DOMAINS


def _cmd_receive(args: argparse.Namespace) -> int:
    from imgtrainer.errors import UsageError
    from imgtrainer.intake.receiver import Allowed, tls_context
    from imgtrainer.intake.service import IntakeConfig, IntakeService

    if not args.allow:
        raise UsageError("give at least one --allow CALLING_AE@HOST (nobody else may send)")
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    ssl_ctx = tls_context(Path(args.tls_cert), Path(args.tls_key), Path(args.tls_ca) if args.tls_ca else None) \
        if args.tls_cert else None  # fmt: skip
    output_folder(args.library)  # before listening: a mistyped library must not swallow a study
    config = IntakeConfig(
        library=Path(args.library), ae_title=args.ae_title, port=args.port, host=args.host,
        allowed=[Allowed.parse(a) for a in args.allow], state_dir=Path(args.state) if args.state else None,
        json_log=Path(args.json_log) if args.json_log else None, domain=args.domain,
        fallback_domain=args.fallback_domain, workers=args.workers, ssl_context=ssl_ctx, quiet=args.quiet,
    )  # fmt: skip
    service = IntakeService(config)
    done = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        done.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    service.start()
    try:
        while not done.wait(0.5):
            pass
    finally:
        service.stop()
    if args.json:
        print_json(service.status())
    return 0


def _cmd_pull(args: argparse.Namespace) -> int:
    from imgtrainer.intake.pull import PullOptions, pull

    opts = PullOptions(
        url=args.dicomweb, library=Path(args.library), study=args.study, patient_id=args.patient_id,
        since=args.since, modality=args.modality, user=args.user,
        password_file=Path(args.password_file) if args.password_file else None,
        state_dir=Path(args.state) if args.state else None, domain=args.domain,
        fallback_domain=args.fallback_domain,
    )  # fmt: skip
    report = pull(opts, progress=not args.quiet and not args.json)
    if args.json:
        print_json(report)
    else:
        print(
            f"{report['studies_pulled']} studies pulled ({report['instances']} instances: {report['filed']} filed, "
            f"{report['quarantined']} quarantined), {report['studies_skipped']} already pulled, into {args.library}"
        )
    for s in report["failed"]:
        sys.stderr.write(f"imgtrainer: pull: study {s['study']}: {s['reason']}\n")
    return 1 if report["failed"] else 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--library",
        required=True,
        help="library folder the cases go to (created if missing; its parent must exist)",
    )
    p.add_argument("--domain", "--application", dest="domain", choices=DOMAINS,
                   help="application of every case (default: from the study/series description)")  # fmt: skip
    p.add_argument("--fallback-domain", choices=DOMAINS, default="lung",
                   help="application when the description names none (the case is tagged application-unknown)")  # fmt: skip
    p.add_argument("--state", help="intake state folder: inbox, journal, de-identification secret "
                   "(holds patient data until processed; default: <data dir>/intake/<library hash>)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no event lines / progress on stderr")
    p.add_argument("--json", action="store_true", help="print a JSON summary at the end")


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "receive",
        help="DICOM receiver (C-STORE SCP): devices and PACS send studies straight into the library",
        description="Listen for DICOM C-ECHO and C-STORE (ultrasound, secondary capture, video). Each "
        "instance is fsynced to the inbox before success is answered, then de-identified and filed, one "
        "case per series, pending faculty review. Only --allow'ed calling AE titles and addresses may "
        "associate. Stop with Ctrl-C or SIGTERM; what is not yet filed is filed at the next start.",
    )
    r.add_argument(
        "--port", type=number(int, 0, 65535), default=11112, help="TCP port (default 11112; 104 needs root)"
    )
    r.add_argument("--ae-title", default="IMGTRAINER", help="our AE title (the called AE the device uses)")
    r.add_argument(
        "--host", default="0.0.0.0", help="address to listen on (default all; 127.0.0.1: local only)"
    )
    r.add_argument("--allow", action="append", metavar="CALLING_AE@HOST",
                   help="allowed sender: AE title and address/host name/network (e.g. CART1@10.0.0.7, "
                   "PACS@10.0.0.0/24, ANY@*); repeatable")  # fmt: skip
    r.add_argument("--json-log", help="append one JSON line per event (associations, instances, filing)")
    r.add_argument(
        "--workers", type=number(int, 1, 64), default=1, help="de-identification threads (default 1)"
    )
    r.add_argument("--tls-cert", help="PEM certificate: serve DICOM over TLS")
    r.add_argument("--tls-key", help="PEM private key of --tls-cert")
    r.add_argument("--tls-ca", help="PEM CA bundle: require senders to present a certificate it signed")
    _common(r)
    r.set_defaults(handler=_cmd_receive)

    p = sub.add_parser(
        "pull",
        help="pull studies from a PACS over DICOMweb (QIDO-RS search, WADO-RS retrieve)",
        description="Search a DICOMweb server for studies and retrieve them into the library, "
        "de-identified, one case per series, pending review. Studies pulled before are skipped.",
    )
    p.add_argument(
        "--dicomweb", required=True, metavar="URL", help="DICOMweb root, e.g. http://pacs:8042/dicom-web"
    )
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--study", help="Study Instance UID")
    who.add_argument("--patient-id", help="Patient ID (all their studies, filtered below)")
    p.add_argument("--since", help="only studies on or after this date (YYYY-MM-DD or YYYYMMDD)")
    p.add_argument("--modality", help="only studies with this modality (e.g. US)")
    p.add_argument("--user", help="HTTP basic auth user")
    p.add_argument("--password-file", help="file holding the password (never on the command line)")
    _common(p)
    p.set_defaults(handler=_cmd_pull)

"""The DICOM receiver: a C-STORE SCP (pynetdicom) that writes to the inbox before it says yes.

- Verification (C-ECHO) and the Storage SOP classes of ultrasound, secondary capture and video,
  in every transfer syntax pydicom knows (including MPEG-2, H.264 and HEVC video).
- Only allowed calling AE titles from allowed addresses: ``Allowed.parse("CART1@10.0.0.7")``;
  anyone else is rejected at association (A-ASSOCIATE-RJ, calling AE not recognised) and logged.
- A C-STORE is answered Success (0x0000) only after the instance is fsynced to the inbox. A
  malformed dataset gets 0xC000 (cannot understand), a log line and a quarantine copy; the
  listener carries on.
- Optional TLS: pass an ``ssl.SSLContext`` (see ``tls_context``).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydicom.uid import UID, AllTransferSyntaxes

from imgtrainer.errors import ImgTrainerError, UsageError

STORAGE_CLASSES: dict[str, str] = {
    "1.2.840.10008.5.1.4.1.1.6.1": "Ultrasound Image Storage",
    "1.2.840.10008.5.1.4.1.1.3.1": "Ultrasound Multi-frame Image Storage",
    "1.2.840.10008.5.1.4.1.1.6": "Ultrasound Image Storage (Retired)",
    "1.2.840.10008.5.1.4.1.1.3": "Ultrasound Multi-frame Image Storage (Retired)",
    "1.2.840.10008.5.1.4.1.1.6.2": "Enhanced US Volume Storage",
    "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture Image Storage",
    "1.2.840.10008.5.1.4.1.1.7.1": "Multi-frame Single Bit Secondary Capture Image Storage",
    "1.2.840.10008.5.1.4.1.1.7.2": "Multi-frame Grayscale Byte Secondary Capture Image Storage",
    "1.2.840.10008.5.1.4.1.1.7.3": "Multi-frame Grayscale Word Secondary Capture Image Storage",
    "1.2.840.10008.5.1.4.1.1.7.4": "Multi-frame True Color Secondary Capture Image Storage",
    "1.2.840.10008.5.1.4.1.1.77.1.1.1": "Video Endoscopic Image Storage",
    "1.2.840.10008.5.1.4.1.1.77.1.2.1": "Video Microscopic Image Storage",
    "1.2.840.10008.5.1.4.1.1.77.1.4.1": "Video Photographic Image Storage",
    "1.2.840.10008.5.1.4.1.1.77.1.4": "VL Photographic Image Storage",
}
VERIFICATION = "1.2.840.10008.1.1"
SUCCESS, CANNOT_UNDERSTAND, OUT_OF_RESOURCES = 0x0000, 0xC000, 0xA700
MAX_ASSOCIATIONS = 8


class ReceiverError(ImgTrainerError):
    """The receiver cannot start (port in use, TLS files unreadable)."""


@dataclass(frozen=True)
class Allowed:
    """One allowed peer: calling AE title and a host (address, name or network; '*' for any)."""

    ae_title: str
    host: str

    @classmethod
    def parse(cls, text: str) -> Allowed:
        ae, sep, host = text.rpartition("@")
        if not sep or not ae.strip() or not host.strip():
            raise UsageError(f"--allow {text!r}: expected CALLING_AE@HOST, e.g. CART1@10.0.0.7")
        if len(ae.strip()) > 16:
            raise UsageError(f"--allow {text!r}: an AE title has at most 16 characters")
        return cls(ae.strip(), host.strip())

    def _addresses(self) -> list[Any]:
        if self.host == "*":
            return []
        try:
            return [ipaddress.ip_network(self.host, strict=False)]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(self.host, None)
        except OSError:
            return []
        return [ipaddress.ip_network(i[4][0]) for i in infos]

    def matches(self, ae_title: str, address: str) -> bool:
        if ae_title.strip() != self.ae_title:
            return False
        if self.host == "*":
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self._addresses())


def tls_context(cert: Path, key: Path, ca: Path | None = None) -> ssl.SSLContext:
    """Server TLS context (TLS 1.2+); with ``ca`` the peer must present a certificate it signed."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(str(cert), str(key))
        if ca is not None:
            ctx.load_verify_locations(str(ca))
            ctx.verify_mode = ssl.CERT_REQUIRED
    except (OSError, ssl.SSLError) as exc:
        raise ReceiverError(f"TLS certificate/key cannot be loaded: {exc}") from exc
    return ctx


def _register_retired_classes() -> None:
    """pynetdicom leaves the retired ultrasound classes unbound; old carts still send them."""
    from pynetdicom.service_class import StorageServiceClass
    from pynetdicom.sop_class import register_uid, uid_to_service_class

    for uid, name in STORAGE_CLASSES.items():
        if uid_to_service_class(uid) is not StorageServiceClass:
            keyword = "".join(w for w in name.replace("-", " ").title().split() if w.isalnum())
            register_uid(uid, keyword.replace("Retired", "") + "Retired", StorageServiceClass)


def transfer_syntax_preference() -> list[str]:
    """Every syntax pydicom knows, compressed ones first: pynetdicom takes the first of ours the
    sender proposes, so a file arrives as it was stored (no lossy-to-native conversion by the
    sender, which dcmtk cannot do for video), and native data as Explicit VR Little Endian."""
    native = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2"]
    return [str(ts) for ts in AllTransferSyntaxes if str(ts) not in native] + native


class Receiver:
    """The SCP. ``accept(key, data)`` stores an instance durably (the inbox) and returns True."""

    def __init__(
        self,
        ae_title: str,
        port: int,
        allowed: list[Allowed],
        store: Callable[[Any, bytes], str],
        log: Callable[[dict[str, Any]], None],
        host: str = "0.0.0.0",
        ssl_context: ssl.SSLContext | None = None,
        max_associations: int = MAX_ASSOCIATIONS,
    ) -> None:
        if not ae_title.strip() or len(ae_title.strip()) > 16:
            raise UsageError(f"--ae-title {ae_title!r}: 1 to 16 characters")
        self.ae_title, self.port, self.host = ae_title.strip(), port, host
        self.allowed, self.store, self.log = allowed, store, log
        self.ssl_context = ssl_context
        self.max_associations = max_associations
        self._server: Any = None
        self.stats = {"received": 0, "duplicates": 0, "failed": 0, "rejected_associations": 0}
        self._lock = threading.Lock()
        self.started_at = time.time()

    def _count(self, name: str) -> None:
        with self._lock:
            self.stats[name] = self.stats.get(name, 0) + 1

    def _on_requested(self, event: Any) -> None:
        assoc = event.assoc
        calling = str(assoc.requestor.primitive.calling_ae_title).strip()
        address = str(assoc.requestor.address)
        if any(a.matches(calling, address) for a in self.allowed):
            return
        self._count("rejected_associations")
        self.log({"event": "association_rejected", "calling_ae": calling, "address": address,
                  "reason": "calling AE title / address not in the allow-list"})  # fmt: skip
        assoc.acse.send_reject(0x01, 0x01, 0x03)  # rejected-permanent, service-user, calling AE
        assoc.kill()

    def _on_accepted(self, event: Any) -> None:
        r = event.assoc.requestor
        self.log(
            {"event": "association_accepted", "calling_ae": str(r.ae_title).strip(), "address": r.address}
        )

    def _on_echo(self, event: Any) -> int:
        return SUCCESS

    def _on_store(self, event: Any) -> int:
        r = event.assoc.requestor
        who = {"calling_ae": str(r.ae_title).strip(), "address": r.address}
        try:
            status, detail = self.store(event, event.encoded_dataset(include_meta=True))
        except Exception as exc:  # never let one instance stop the listener
            status, detail = OUT_OF_RESOURCES, {"reason": f"{type(exc).__name__}: {exc}"}
        if status == SUCCESS:
            self._count("duplicates" if detail.get("duplicate") else "received")
        else:
            self._count("failed")
        self.log({"event": "store", "status": f"0x{status:04X}", **who, **detail})
        return status

    def start(self) -> None:
        """Start listening (returns at once; associations run on their own threads)."""
        from pynetdicom import AE, evt
        from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

        _register_retired_classes()
        ae = AE(ae_title=self.ae_title)
        ae.maximum_associations = self.max_associations
        ae.require_called_aet = True
        ae.network_timeout = 60
        ae.acse_timeout = 30
        ae.dimse_timeout = 120
        syntaxes = transfer_syntax_preference()
        ae.add_supported_context(Verification)
        for uid in STORAGE_CLASSES:
            ae.add_supported_context(UID(uid), syntaxes)
        handlers = [
            (evt.EVT_REQUESTED, self._on_requested),
            (evt.EVT_ACCEPTED, self._on_accepted),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
        ]
        try:
            self._server = ae.start_server(
                (self.host, self.port), block=False, evt_handlers=handlers, ssl_context=self.ssl_context
            )
        except OSError as exc:
            raise ReceiverError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from exc
        self.log({"event": "listening", "ae_title": self.ae_title, "host": self.host, "port": self.port,
                  "tls": self.ssl_context is not None,
                  "allowed": [f"{a.ae_title}@{a.host}" for a in self.allowed]})  # fmt: skip

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

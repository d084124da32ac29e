"""Typed errors: every failure a user can cause names the file or field and what is wrong."""

from __future__ import annotations


class ImgTrainerError(Exception):
    """Base of every error imgtrainer raises on purpose (bad input, not bugs)."""


class ImgTrainerWarning(UserWarning):
    """Base of imgtrainer's own Python warnings (the test suite turns them into errors)."""


class MediaError(ImgTrainerError):
    """A media file cannot be read as a clip."""

    def __init__(self, path: object, message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{path}: {message}")


class NotDicomError(MediaError):
    """The file is not DICOM (and not a supported video or still)."""


class NoPixelDataError(MediaError):
    """A DICOM file without Pixel Data (7FE0,0010)."""


class TruncatedPixelDataError(MediaError):
    """Pixel data shorter than rows x cols x samples x frames needs."""


class UnsupportedTransferSyntaxError(MediaError):
    """No installed decoder handles the transfer syntax; the message names the package."""


class CorruptVideoError(MediaError):
    """A video or still that cannot be decoded."""


class DecodeTimeoutError(MediaError):
    """A decode ran past its time limit and was stopped."""


class CalibrationError(ImgTrainerError):
    """A measurement that cannot be converted to physical units (across regions, uncalibrated)."""


class CaseFormatError(ImgTrainerError):
    """A case.json, key.json, taxonomy or mapping file is malformed; message names file and field."""


class TaxonomyError(CaseFormatError):
    """A taxonomy file is malformed."""


class ResponseFormatError(ImgTrainerError):
    """A trainee's answer does not fit the question; message names the question and field."""


class DeidError(ImgTrainerError):
    """De-identification could not be completed; the file must be quarantined."""


class ExamError(ImgTrainerError):
    """An exam package, session or results file is invalid."""


class TamperError(ExamError):
    """A signature or MAC did not verify: fail closed."""


class StoreError(ImgTrainerError):
    """The database cannot be opened or migrated."""


class UsageError(ImgTrainerError):
    """A bad option value or combination on the command line: the CLI exits with status 2."""

"""DICOM network intake: a C-STORE receiver and a DICOMweb pull, both feeding the import gate.

Everything that arrives is written durably to an inbox, then de-identified and filed (one case
per series, pending review) exactly once: ``service`` (receiver + worker), ``pull`` (DICOMweb).
"""

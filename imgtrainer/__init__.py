"""imgtrainer: an offline POCUS image-interpretation trainer.

Educational use only. Not for diagnosis.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "imgtrainer is an educational tool for learning point-of-care ultrasound interpretation. "
    "It is not a medical device and must not be used for diagnosis or patient care."
)

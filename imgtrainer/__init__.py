"""imgtrainer: an offline POCUS image-interpretation trainer.

Educational use only. Not for diagnosis.
"""

from imgtrainer.noise import quiet_native_logs

__version__ = "0.1.0"

quiet_native_logs()  # before anything imports cv2: OpenCV/FFmpeg read their log level once

DISCLAIMER = (
    "imgtrainer is an educational tool for learning point-of-care ultrasound interpretation. "
    "It is not a medical device and must not be used for diagnosis or patient care."
)

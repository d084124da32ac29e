"""Synthetic ultrasound: a convolution B-mode model and the phantoms of the bundled demo library.

Every clip is deterministic from a seed and comes with the ground truth of what was drawn, in
stored-frame pixels and in cm (``probe.pixel_cm`` is the calibration written to the DICOM).

    from imgtrainer.synth.lung import LungParams, render_lung_clip
    frames, truth = render_lung_clip(LungParams(probe="linear", depth_cm=5, pleura_cm=1.3, n_blines=3), seed=1)
    truth.pleura_depth_cm, truth.pleura_row_px, truth.blines_x_px[0], truth.sliding_frames

Other scenes: ``abdomen.render_upper_quadrant / render_pelvis / render_antrum``,
``heart.render_heart(HeartParams(view=...))``, ``airway.render_transverse / render_longitudinal``.
``demo_library.build_library(out, seed)`` (CLI: ``imgtrainer demo --rebuild``) writes the demo
library: DICOM cines (JPEG baseline, calibrated Sequence of Ultrasound Regions, Frame Time),
case.json and key.json built from the ground truth.
"""

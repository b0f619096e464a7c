"""The evaluator: FID, KID, IS and precision/recall through torch-fidelity, plus mode coverage.

Every result carries its protocol (reference dataset and split, sample counts, feature
extractor and the sha256 of its weights, the size fed to it, EMA or raw generator, seed).
"""

from ganzoo.evaluate.evaluator import EvaluationResult, evaluate_generator, evaluate_images, load_reference
from ganzoo.evaluate.extractors import available_extractors
from ganzoo.evaluate.metrics import METRICS

__all__ = ["METRICS", "EvaluationResult", "available_extractors", "evaluate_generator", "evaluate_images", "load_reference"]

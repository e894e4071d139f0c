"""Sampled capture of predictions, receipts of every prediction, and ground truth joined to them
(README.md here). Everything on the request's path only queues; background threads write."""

from shared.capture.service import Capture, capture_from_settings

__all__ = ["Capture", "capture_from_settings"]

"""voting_service: end-to-end verifiable voting for municipal participatory budgeting."""

__version__ = "0.1.0"

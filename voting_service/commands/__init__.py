"""Click command groups registered by voting_service.cli, one module per operator audience."""

"""Participatory-budgeting ballots, rules and pabulib I/O. Pure: no web or storage imports."""

"""A real server and scripted participants, shared by `voting-service rehearse` and the
casting benchmark (benchmarks/cast.py): server start and stop, an HTTP client, the election
set-up steps and the voters' devices."""

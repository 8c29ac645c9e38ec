"""Use cases. Talks to store/, never to Flask."""

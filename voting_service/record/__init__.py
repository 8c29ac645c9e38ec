"""The public election record. Depends only on crypto/ and pb/."""
